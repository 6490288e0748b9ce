"""HTTP API of the indicators service."""

from __future__ import annotations

from decimal import Decimal

import msgspec
from litestar import get
from litestar.params import Parameter

from services.indicators import domain
from shared.auth import requires
from shared.runtime import Runtime

SCHEMA = "indicators"


class IndicatorView(msgspec.Struct, kw_only=True):
    id: str
    objective: int
    name: str
    unit: str
    base_value: float | None
    base_year: int | None
    expected_value: float | None
    value: float | None
    status: str


class IndicatorsView(msgspec.Struct):
    year: int
    indicators: list[IndicatorView]


def _num(v: Decimal | None) -> float | None:
    return float(v) if v is not None else None


@get("/api/indicators", guards=[requires("coordinator")], tags=["indicators"])
async def list_indicators(
    runtime: Runtime, year: int = Parameter(query="year", ge=2000, le=2100)
) -> IndicatorsView:
    """Every programme indicator for `year`: base, expected and actual value with status."""
    rows = await runtime.pool(SCHEMA).fetch(
        """select i.*, (select sum(v.value) from indicator_values v
                        where v.indicator_id = i.id and v.year = $1) as value
           from indicators i order by i.position""",
        year,
    )
    return IndicatorsView(
        year=year,
        indicators=[
            IndicatorView(
                id=r["id"],
                objective=r["objective"],
                name=r["name_en"],
                unit=r["unit"],
                base_value=_num(r["base_value"]),
                base_year=r["base_year"],
                expected_value=_num(r["expected_value"]),
                value=_num(r["value"])
                if r["value"] is not None
                else (0.0 if r["source"] == "events" else None),
                status=domain.status(
                    r["value"]
                    if r["value"] is not None
                    else (Decimal(0) if r["source"] == "events" else None),
                    r["expected_value"],
                    r["expected_kind"],
                    year=year,
                ),
            )
            for r in rows
        ],
    )


route_handlers = [list_indicators]
