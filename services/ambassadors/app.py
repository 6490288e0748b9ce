"""The ambassadors service: Kraków Ambassador of Multiculturalism (nominations, jury, results)."""

from __future__ import annotations

from pathlib import Path

from services.ambassadors import api, jobs, open_data, people, privacy
from services.ambassadors.pages import jury as jury_pages
from services.ambassadors.pages import public as public_pages
from services.ambassadors.pages import staff as staff_pages
from shared.privacy import PrivacyHooks
from shared.runtime import ServiceSpec

HERE = Path(__file__).parent

service = ServiceSpec(
    name="ambassadors",
    schema="ambassadors",
    migrations=HERE / "migrations",
    route_handlers=[
        *api.route_handlers,
        *public_pages.route_handlers,
        *jury_pages.route_handlers,
        *staff_pages.route_handlers,
    ],
    jobs=jobs.jobs,
    cron_jobs=jobs.cron_jobs,
    privacy=PrivacyHooks(export=privacy.export, erase=privacy.erase),
    people=people.hooks,
    datasets=open_data.datasets,
)
