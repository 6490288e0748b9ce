"""Two tiny services for tests of "Your work" (GET /work): one counts open work from its own
schema (asserting the kit's read-only transaction there), one always fails. `work_site` runs a
real platform (web part only) with just these two."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
from litestar import get

from shared.auth import Principal
from shared.people import PeopleHooks, WorkItem
from shared.runtime import ServiceSpec
from tests.helpers.platform import RunningPlatform, running_platform, test_settings

LABELS = {
    "pl": ("Wnioski do sprawdzenia", "Posiedzenia do zaplanowania"),
    "uk": ("Заявки для перевірки", "Засідання для планування"),
    "en": ("Applications to check", "Meetings to schedule"),
}


async def no_identities(conn: asyncpg.Connection, email: str) -> list[Any]:
    return []


async def counted_work(conn: asyncpg.Connection, principal: Principal, lang: str) -> list[WorkItem]:
    """Counts from the service's own schema, in the read-only transaction the kit opened."""
    schema, read_only = await conn.fetchrow(
        "select current_schema(), current_setting('transaction_read_only')"
    )
    assert schema == "worktest_good" and read_only == "on", (schema, read_only)
    check, meetings = LABELS[lang]
    items = []
    if principal.has("coordinator"):
        items += [
            WorkItem("coordinator", "Nothing here", 0, "/nothing"),  # zero: not shown
            WorkItem("coordinator", check, 4, "/grants/coordinator"),
            WorkItem("coordinator", meetings, 3, "/council/staff?todo=1", overdue=2),
        ]
    if principal.has("juror"):
        items.append(WorkItem("juror", f"{check} (jury)", 5, "/ambassadors/jury"))
    return items


async def failing_work(conn: asyncpg.Connection, principal: Principal, lang: str) -> list[WorkItem]:
    await conn.execute("select 1")
    raise RuntimeError("the broken service's table is gone")


@get("/bench/staff", include_in_schema=False)
async def bench_stand_in() -> str:
    """Stands in for the Bench's page, so the header and the empty page may link it."""
    return "the Bench"


def work_spec(name: str, open_work: Any, routes: list[Any] | None = None) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        schema=f"worktest_{name}",
        migrations=None,
        route_handlers=routes or [],
        people=PeopleHooks(identities=no_identities, open_work=open_work),
    )


@contextlib.asynccontextmanager
async def work_site(servers: Any, tmp: Path) -> AsyncIterator[RunningPlatform]:
    """A platform serving the kit's pages and the two test services (the good one has a
    stand-in for `/bench/staff`, so the header and the empty page can link an area)."""
    settings = test_settings(tmp, servers.database_url, servers.nats_url, servers.redis_url)
    services = [
        work_spec("good", counted_work, [bench_stand_in]),
        work_spec("broken", failing_work),
    ]
    async with running_platform(settings, services, frozenset({"web"})) as running:
        yield running
