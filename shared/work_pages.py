"""`GET /work` — "Your work": what a signed-in person has to do now, in every service.

Every service with people answers `PeopleHooks.open_work(conn, principal, lang)` (shared/people.py)
on its own pool, in a read-only transaction, all at once. A service whose answer fails (or takes
longer than `OPEN_WORK_TIMEOUT` seconds) is named on the page as "could not be counted now" and
logged; what the others answered still shows. The items are grouped by role, overdue first,
each a link to the page where the work is done; nothing to do shows a friendly page with links to
the role's areas (shared/web/navigation.py). Anonymous visitors are sent to sign in first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get

from shared.auth import ROLES, Principal, requires
from shared.people import WorkItem
from shared.runtime import Runtime, ServiceSpec
from shared.web.forms import user_of
from shared.web.i18n import negotiate_language
from shared.web.navigation import ROLE_NAMES, SERVICE_NAMES, WORK, areas_for, served_paths
from shared.web.templates import kit_pages

log = logging.getLogger("openkrakow.work")

OPEN_WORK_TIMEOUT = 5.0


@dataclass(frozen=True)
class RoleWork:
    """One role's open work on the page."""

    role: str
    name: str  # msgid of the role's name
    items: list[WorkItem]


@dataclass(frozen=True)
class OpenWork:
    """What every service answered, and the services that could not answer."""

    groups: list[RoleWork]
    failed: list[str]  # msgids (or plain names) of the services that could not be counted


async def _open_work_of(
    runtime: Runtime, spec: ServiceSpec, principal: Principal, lang: str
) -> Sequence[WorkItem]:
    assert spec.people is not None
    async with runtime.pool(spec.schema).acquire() as conn, conn.transaction(readonly=True):
        return await spec.people.open_work(conn, principal, lang)


async def open_work(runtime: Runtime, principal: Principal, lang: str) -> OpenWork:
    """Asks every service at once; a failing one is logged and reported, never the whole page."""
    specs = [spec for spec in runtime.services if spec.people is not None]
    answers = await asyncio.gather(
        *(
            asyncio.wait_for(_open_work_of(runtime, spec, principal, lang), OPEN_WORK_TIMEOUT)
            for spec in specs
        ),
        return_exceptions=True,
    )
    items: list[WorkItem] = []
    failed: list[str] = []
    for spec, answer in zip(specs, answers, strict=True):
        if isinstance(answer, BaseException):
            log.error(
                "open work of %s could not be counted for %s: %r",
                spec.name,
                principal.subject,
                answer,
                exc_info=answer,
            )
            failed.append(SERVICE_NAMES.get(spec.name, spec.name))
            continue
        items.extend(item for item in answer if item.count > 0)
    order = {role: i for i, role in enumerate(ROLES)}
    groups: dict[str, list[WorkItem]] = {}
    for item in items:
        groups.setdefault(item.role, []).append(item)
    return OpenWork(
        groups=[
            RoleWork(
                role,
                ROLE_NAMES.get(role, role),
                # Overdue work first; otherwise as the services listed it.
                sorted(found, key=lambda i: i.overdue == 0),
            )
            for role, found in sorted(groups.items(), key=lambda g: order.get(g[0], len(order)))
        ],
        failed=failed,
    )


@get(WORK, guards=[requires(*ROLES)], include_in_schema=False)
async def work_page(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """The signed-in person's open work in every service, grouped by role, each a link."""
    principal = user_of(request)
    work = await open_work(runtime, principal, negotiate_language(request))
    areas = [a for a in areas_for(principal, served_paths(request)) if a.href != WORK]
    return kit_pages.render(request, "work.html", work=work, areas=areas)


work_routes: list[Any] = [work_page]

__all__ = ["OpenWork", "RoleWork", "open_work", "work_routes"]
