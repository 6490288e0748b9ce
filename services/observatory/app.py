"""The observatory service: the Multiculturalism and Migration Observatory's publications."""

from __future__ import annotations

from pathlib import Path

from services.observatory import api, open_data
from services.observatory.pages import public as public_pages
from services.observatory.pages import staff as staff_pages
from shared.runtime import ServiceSpec

HERE = Path(__file__).parent

service = ServiceSpec(
    name="observatory",
    schema="observatory",
    migrations=HERE / "migrations",
    route_handlers=[
        *api.route_handlers,
        *public_pages.route_handlers,
        *staff_pages.route_handlers,
    ],
    datasets=open_data.datasets,
)
