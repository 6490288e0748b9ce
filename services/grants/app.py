"""The grants service: small grants for NGOs — calls, applications, evaluation, awards, reports."""

from __future__ import annotations

from pathlib import Path

from services.grants import api, jobs, open_data, pages, people, people_staff, privacy
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
    # Open data at /open-data (shared/open_data.py): the awards and the calls, nothing personal.
    datasets=open_data.DATASETS,
    privacy=PrivacyHooks(export=privacy.export, erase=privacy.erase),
    # NGO representatives (people.py) and the staff: evaluators by address, the coordinator's
    # and evaluators' open work (people_staff.py).
    people=PeopleHooks.combine(
        PeopleHooks(identities=people.ngo_identities, open_work=people.ngo_work),
        PeopleHooks(
            identities=people_staff.evaluator_identities, open_work=people_staff.staff_work
        ),
    ),
)
