"""The ambassadors service: Kraków Ambassador of Multiculturalism (nominations, jury, results)."""

from __future__ import annotations

from pathlib import Path

from services.ambassadors import api, jobs, jury_api, jury_pages, pages, privacy
from shared.privacy import PrivacyHooks
from shared.runtime import ServiceSpec

HERE = Path(__file__).parent

service = ServiceSpec(
    name="ambassadors",
    schema="ambassadors",
    migrations=HERE / "migrations",
    route_handlers=[
        *api.route_handlers,
        *jury_api.route_handlers,
        *pages.route_handlers,
        *jury_pages.route_handlers,
    ],
    jobs=jobs.jobs,
    cron_jobs=jobs.cron_jobs,
    privacy=PrivacyHooks(export=privacy.export, erase=privacy.erase),
)
