"""The kit's privacy part as a service of its own: schema `privacy`, API, job and sweeper.

It owns only the record of requests; every service's data is exported and erased by that
service's own hooks (`ServiceSpec.privacy`), which it calls through the runtime's pools.
"""

from __future__ import annotations

from pathlib import Path

from shared.privacy import api, coordinator
from shared.runtime import ServiceSpec

service = ServiceSpec(
    name="privacy",
    schema=coordinator.SCHEMA,
    migrations=Path(__file__).parent / "migrations",
    route_handlers=api.route_handlers,
    jobs=coordinator.jobs,
    cron_jobs=coordinator.cron_jobs,
)
