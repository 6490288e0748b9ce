"""The indicators' part of a coordinator's open work (`shared.people.PeopleHooks`): the values
reported by hand that this year still lacks. Nobody signs in as someone of this service, so it
knows no address."""

from __future__ import annotations

from typing import Any

from services.indicators import labels, store
from services.indicators.domain import current_year
from services.indicators.queries import registry
from shared.auth import Principal
from shared.people import Identity, WorkItem
from shared.refusals import N_

MISSING = N_("Indicators reported by hand without a value for %(year)s")


async def identities(conn: Any, email: str) -> list[Identity]:
    """No one is known by an address here (coordinators are known to the kit)."""
    return []


async def open_work(conn: Any, principal: Principal, lang: str) -> list[WorkItem]:
    """For a coordinator: the indicators reported by hand with no value for this year yet,
    leading to the first one's card on the dashboard."""
    if not principal.has("coordinator"):
        return []
    year = current_year()
    entered = {r["indicator_id"] for r in await store.manual_values(conn, [year])}
    missing = [i for i in await registry(conn) if i.source == "manual" and i.id not in entered]
    if not missing:
        return []
    anchor = missing[0].id.replace(".", "-")
    return [
        WorkItem(
            role="coordinator",
            label=labels.catalogs.gettext(lang, MISSING) % {"year": year},
            count=len(missing),
            href=f"/dashboard?year={year}#{anchor}",
        )
    ]
