"""The indicators' part of a coordinator's open work (`shared.people.PeopleHooks`): programme
tasks past their deadline, risks raised by their indicators this year, and the values reported
by hand that this year still lacks (the dashboard's "Needs attention now" shows the same).
Nobody signs in as someone of this service, so it knows no address."""

from __future__ import annotations

from typing import Any

from services.indicators import labels, programme, store
from services.indicators.domain import current_year
from services.indicators.queries import registry
from shared.auth import Principal
from shared.people import Identity, WorkItem
from shared.refusals import N_

MISSING = N_("Indicators reported by hand without a value for %(year)s")
OVERDUE_TASKS = N_("Programme tasks past their deadline")
RISKS_RAISED = N_("Programme risks raised by their indicators in %(year)s")


async def identities(conn: Any, email: str) -> list[Identity]:
    """No one is known by an address here (coordinators are known to the kit)."""
    return []


async def open_work(conn: Any, principal: Principal, lang: str) -> list[WorkItem]:
    """For a coordinator: the indicators reported by hand with no value for this year yet,
    leading to the first one's card on the dashboard."""
    if not principal.has("coordinator"):
        return []
    year = current_year()
    say = labels.catalogs.gettext
    items = []
    late = await programme.overdue_tasks(conn)
    if late:
        items.append(
            WorkItem(
                role="coordinator",
                label=say(lang, OVERDUE_TASKS),
                count=len(late),
                href="/programme/tasks?overdue=1",
                overdue=len(late),
            )
        )
    raised = [r for r in await programme.risks(conn, year) if r.raised]
    if raised:
        items.append(
            WorkItem(
                role="coordinator",
                label=say(lang, RISKS_RAISED) % {"year": year},
                count=len(raised),
                href=f"/programme/risks?year={year}",
            )
        )
    entered = {r["indicator_id"] for r in await store.manual_values(conn, [year])}
    missing = [i for i in await registry(conn) if i.source == "manual" and i.id not in entered]
    if missing:
        anchor = missing[0].id.replace(".", "-")
        items.append(
            WorkItem(
                role="coordinator",
                label=say(lang, MISSING) % {"year": year},
                count=len(missing),
                href=f"/dashboard?year={year}#{anchor}",
            )
        )
    return items
