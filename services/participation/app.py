"""The participation service: Intercultural Dialogue Bench and Council on Equal Treatment.

Both share the `participation` schema (migrations 001-049 are the Bench's, 050-099 the
Council's) and this one spec; each lives in its own subpackage.
"""

from __future__ import annotations

from pathlib import Path

from services.participation import bench, council
from shared.people import PeopleHooks
from shared.privacy import PrivacyHooks
from shared.runtime import ServiceSpec

HERE = Path(__file__).parent

council_datasets = council.datasets  # the Council's open data (issue 14)

service = ServiceSpec(
    name="participation",
    schema="participation",
    migrations=[HERE / "bench" / "migrations", HERE / "council" / "migrations"],
    route_handlers=[*bench.route_handlers, *council.route_handlers],
    consumers=[*bench.consumers, *council.consumers],
    jobs=[*bench.jobs, *council.jobs],
    cron_jobs=[*bench.cron_jobs, *council.cron_jobs],
    background=[*bench.background, *council.background],
    privacy=PrivacyHooks.combine(bench.privacy_hooks, council.privacy_hooks),
    people=PeopleHooks.combine(bench.people_hooks, council.people_hooks),
    datasets=(*council_datasets, *bench.datasets),
)
