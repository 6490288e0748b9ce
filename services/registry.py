"""Every service of the platform, in start order (the kit's privacy part last)."""

from __future__ import annotations

from shared.runtime import ServiceSpec


def all_services() -> list[ServiceSpec]:
    """The service specs, imported lazily so a process loads only what it runs."""
    from services.ambassadors.app import service as ambassadors
    from services.grants.app import service as grants
    from services.indicators.app import service as indicators
    from services.observatory.app import service as observatory
    from services.participation.app import service as participation
    from shared.privacy.app import service as privacy

    return [participation, grants, ambassadors, observatory, indicators, privacy]


def by_name(name: str) -> ServiceSpec:
    """One service spec by name; ValueError naming the choices otherwise."""
    for spec in all_services():
        if spec.name == name:
            return spec
    raise ValueError(
        f"unknown service {name!r}: one of participation, grants, ambassadors, indicators, privacy"
    )
