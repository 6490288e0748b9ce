"""The participation service: Intercultural Dialogue Bench and Council on Equal Treatment."""

from __future__ import annotations

from pathlib import Path

from services.participation import bench_api
from shared.runtime import ServiceSpec

HERE = Path(__file__).parent

service = ServiceSpec(
    name="participation",
    schema="participation",
    migrations=HERE / "migrations",
    route_handlers=[*bench_api.route_handlers],
    template_dir=HERE / "templates",
    locale_dir=HERE / "locale",
)
