"""Who an e-mail address is in the competition, and what a signed-in person has to do here
(`shared.people.PeopleHooks`).

- A juror: one identity per seat on the jury of an edition whose results are not published
  yet (the kit's e-mail sign-in mails a link to `/ambassadors/jury`); their open work is the
  candidacies they have still to score or recuse from, overdue once the jury deadline passed.
- The coordinator (signed in through the city's identity provider, never by this hook): per
  unfinished edition, nominations still awaiting the candidate's answer, jurors who have not
  finished scoring within `NEAR_DEADLINE` of the jury deadline, and results to publish once
  nominations have closed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from services.ambassadors import store
from services.ambassadors.i18n import catalogs
from services.ambassadors.mails import edition_title
from shared import addresses
from shared.auth import Principal
from shared.events import utcnow
from shared.people import Identity, PeopleHooks, WorkItem
from shared.web.forms import N_

NEAR_DEADLINE = timedelta(days=3)


async def identities(conn: asyncpg.Connection, email: str) -> list[Identity]:
    """A juror identity per seat of an unfinished edition held by this address."""
    try:
        address = addresses.normalise(email)
    except addresses.BadAddress:
        return []
    return [
        Identity(
            subject=seat["subject"],
            role="juror",
            language=seat["language"],
            name=seat["name"],
            home="/ambassadors/jury",
            what=edition_title(seat["language"], seat["year"]),
        )
        for seat in await store.seats_of_address(conn, address)
    ]


async def open_work(conn: asyncpg.Connection, principal: Principal, lang: str) -> list[WorkItem]:
    items: list[WorkItem] = []
    if principal.has("juror"):
        items += await _juror_work(conn, principal.subject, lang)
    if principal.has("coordinator"):
        items += await _coordinator_work(conn, lang)
    return items


async def _juror_work(conn: asyncpg.Connection, subject: str, lang: str) -> list[WorkItem]:
    now = utcnow()
    rows = await store.pending_of_subject(conn, subject)
    count = sum(r["pending"] for r in rows)
    if not count:
        return []
    overdue = sum(r["pending"] for r in rows if r["jury_deadline_at"] < now)
    label = catalogs.gettext(lang, N_("Candidacies to score (Ambassadors of Multiculturalism)"))
    return [WorkItem("juror", label, count, "/ambassadors/jury", overdue=overdue)]


async def _coordinator_work(conn: asyncpg.Connection, lang: str) -> list[WorkItem]:
    now = utcnow()
    items: list[WorkItem] = []

    def say(message: str, **values: Any) -> str:
        return catalogs.format(lang, message, **values)

    for e in await store.unpublished_editions(conn):
        base = f"/ambassadors/staff/editions/{e['id']}"
        year = e["year"]
        late = e["jury_deadline_at"] < now
        waiting = (await store.status_counts(conn, e["id"])).get("awaiting_acceptance", 0)
        if waiting:
            label = say(
                N_("Ambassadors %(year)s: nominations awaiting the candidate's answer"), year=year
            )
            items.append(
                WorkItem(
                    "coordinator",
                    label,
                    waiting,
                    f"{base}/nominations?status=awaiting_acceptance",
                    overdue=waiting if late else 0,
                )
            )
        if e["jury_deadline_at"] - NEAR_DEADLINE <= now:
            behind = [
                j
                for j in await store.jury_progress(conn, e["id"])
                if j["eligible"] > j["scored"] + j["recused"]
            ]
            if behind:
                label = say(
                    N_("Ambassadors %(year)s: jurors who have not finished scoring"), year=year
                )
                items.append(
                    WorkItem(
                        "coordinator",
                        label,
                        len(behind),
                        f"{base}/jury",
                        overdue=len(behind) if late else 0,
                    )
                )
        if e["nominations_close_at"] <= now:
            label = say(N_("Ambassadors %(year)s: results to publish"), year=year)
            items.append(
                WorkItem("coordinator", label, 1, f"{base}/results", overdue=1 if late else 0)
            )
    return items


hooks = PeopleHooks(identities=identities, open_work=open_work)
