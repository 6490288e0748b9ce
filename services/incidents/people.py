"""Who an e-mail address is here, and what a signed-in person has to do (`shared.people`).

- A member of the response team (kept by the coordinator at `/incidents/staff/team`): the
  kit's e-mail sign-in mails them a link to `/incidents/staff`.
- Their open work, and the coordinator's: reports waiting for triage, overdue after 7 days.
"""

from __future__ import annotations

import asyncpg

from services.incidents import domain, store
from services.incidents.i18n import catalogs
from shared import addresses
from shared.auth import Principal
from shared.events import utcnow
from shared.people import Identity, PeopleHooks, WorkItem
from shared.web.forms import N_


async def identities(conn: asyncpg.Connection, email: str) -> list[Identity]:
    try:
        address = addresses.normalise(email)
    except addresses.BadAddress:
        return []
    row = await store.member_by_email(conn, address)
    if row is None:
        return []
    return [
        Identity(
            subject=row["subject"],
            role="response_team",
            language=row["language"],
            name=row["name"],
            home="/incidents/staff",
        )
    ]


async def open_work(conn: asyncpg.Connection, principal: Principal, lang: str) -> list[WorkItem]:
    roles = [r for r in ("coordinator", "response_team") if principal.has(r)]
    if not roles:
        return []
    waiting = await store.waiting(conn)
    if not waiting:
        return []
    now = utcnow()
    overdue = sum(1 for r in waiting if domain.overdue("received", r["reported_at"], now))
    label = catalogs.gettext(lang, N_("Incident reports waiting for triage"))
    return [
        WorkItem(roles[0], label, len(waiting), "/incidents/staff?status=received", overdue=overdue)
    ]


hooks = PeopleHooks(identities=identities, open_work=open_work)
