"""The grants service: small grants for NGOs — calls, applications, evaluation, awards, reports."""

from __future__ import annotations

from pathlib import Path

from services.grants import api, jobs, pages, people, privacy
from shared.people import PeopleHooks
from shared.privacy import PrivacyHooks
from shared.runtime import ServiceSpec

HERE = Path(__file__).parent

service = ServiceSpec(
    name="grants",
    schema="grants",
    migrations=HERE / "migrations",
    route_handlers=[*api.route_handlers, *pages.route_handlers],
    jobs=jobs.jobs,
    cron_jobs=jobs.cron_jobs,
    privacy=PrivacyHooks(export=privacy.export, erase=privacy.erase),
    # NGO representatives (people.py); the staff's hooks (people_staff.py) join them here.
    people=PeopleHooks.combine(
        PeopleHooks(identities=people.ngo_identities, open_work=people.ngo_work),
    ),
)
