"""The incidents service: reports of racist and xenophobic incidents (programme objective 6),
held for the city's response team, triaged and referred."""

from __future__ import annotations

from pathlib import Path

from services.incidents import api, people, privacy
from services.incidents.pages import public as public_pages
from services.incidents.pages import staff as staff_pages
from shared.privacy import PrivacyHooks
from shared.runtime import ServiceSpec

HERE = Path(__file__).parent

service = ServiceSpec(
    name="incidents",
    schema="incidents",
    migrations=HERE / "migrations",
    route_handlers=[
        *api.route_handlers,
        *public_pages.route_handlers,
        *staff_pages.route_handlers,
    ],
    privacy=PrivacyHooks(export=privacy.export, erase=privacy.erase),
    people=people.hooks,
)
