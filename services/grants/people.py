"""The small grants' NGO representatives for the kit's e-mail sign-in and home page
(`shared.people.PeopleHooks`): who an address represents, and what a representative has to do.
Both run on the grants pool in a read-only transaction opened by the kit."""

from __future__ import annotations

from typing import Any

from services.grants import domain, store
from services.grants.mails import catalogs
from shared import addresses
from shared.auth import Principal
from shared.events import utcnow
from shared.people import Identity, WorkItem
from shared.refusals import N_


async def ngo_identities(conn: Any, email: str) -> list[Identity]:
    """One `ngo` identity per organisation the address represents (its sign-in link acts for
    that organisation and leads to /grants)."""
    try:
        address = addresses.normalise(email)
    except addresses.BadAddress:
        return []
    return [
        Identity(
            subject=r["subject"],
            role="ngo",
            org=r["organisation_id"],
            language=r["language"],
            name=r["name"],
            home="/grants",
            what=r["organisation"],
        )
        for r in await store.representatives_by_email(conn, address)
    ]


async def ngo_work(conn: Any, principal: Principal, lang: str) -> list[WorkItem]:
    """A representative's open work: drafts of calls still open, final reports due (overdue
    ones counted apart), and requests of others to act for the organisation."""
    if not principal.has("ngo"):
        return []
    if principal.org is not None:
        orgs = [principal.org]
    else:
        orgs = await store.represented_organisations(conn, principal.subject)
    if not orgs:
        return []
    now = utcnow()
    counts = await store.ngo_work(conn, orgs, now, domain.warsaw_today(now))
    _ = catalogs.gettext
    items = [
        WorkItem("ngo", _(lang, N_("Draft applications to submit")), counts["drafts"], "/grants"),
        WorkItem(
            "ngo",
            _(lang, N_("Final reports to submit")),
            counts["reports_due"],
            "/grants",
            overdue=counts["reports_overdue"],
        ),
        WorkItem(
            "ngo",
            _(lang, N_("Requests to act for your organisation")),
            counts["joins"],
            "/grants/join-requests",
        ),
    ]
    return [item for item in items if item.count]
