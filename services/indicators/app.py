"""The indicators service: projections of the event stream, dashboard, annual report."""

from __future__ import annotations

from pathlib import Path

from services.indicators import api, changes, consumers, metrics, pages
from shared.runtime import ServiceSpec

HERE = Path(__file__).parent

service = ServiceSpec(
    name="indicators",
    schema="indicators",
    migrations=HERE / "migrations",
    route_handlers=[*api.route_handlers, *pages.route_handlers, metrics.metrics],
    consumers=consumers.consumers,
    background=[changes.listen, consumers.advance_overdue],
    on_start=[consumers.drop_old_consumer],
)
