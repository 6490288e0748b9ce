"""The ambassadors service."""

from __future__ import annotations

from pathlib import Path

from shared.runtime import ServiceSpec

HERE = Path(__file__).parent

service = ServiceSpec(
    name="ambassadors",
    schema="ambassadors",
    migrations=HERE / "migrations",
    route_handlers=[],
)
