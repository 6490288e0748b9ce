"""Who an e-mail address is at the Dialogue Bench, and what they have to do there
(`shared.people.PeopleHooks`, wired as `people=` on the participation service).

- `identities`: an active responder of the registry (migration 007) is a `responder` whose home
  is the staff queue; the coordinator comes from the identity provider or `login-link`, not
  from an address.
- `open_work`: for a responder, their questions waiting for an answer (overdue counted) and
  those the asker wrote about again since; for the coordinator, questions to moderate, to
  assign, overdue, and mail held for moderation.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from services.participation.bench import store_responders as sr
from services.participation.bench.mails import catalogs
from shared import addresses
from shared.auth import Principal
from shared.people import Identity, PeopleHooks, WorkItem
from shared.refusals import N_

HOME = "/bench/staff"


async def identities(conn: asyncpg.Connection, email: str) -> list[Identity]:
    address = addresses.normalise_or_none(email)
    if address is None:
        return []
    row = await sr.active_by_email(conn, address)
    if row is None:
        return []
    return [
        Identity(
            subject=row["subject"],
            role="responder",
            language=row["language"],
            name=row["name"],
            home=HOME,
            what=catalogs.gettext(row["language"], N_("responder, Dialogue Bench")),
        )
    ]


def _item(lang: str, role: str, label: str, count: int, href: str, overdue: int = 0) -> WorkItem:
    return WorkItem(
        role=role, label=catalogs.gettext(lang, label), count=count, href=href, overdue=overdue
    )


async def open_work(conn: asyncpg.Connection, principal: Principal, lang: str) -> list[WorkItem]:
    items: list[WorkItem] = []
    if principal.has("responder"):
        mine: Any = await sr.responder_work(conn, principal.subject)
        if mine["open"]:
            items.append(
                _item(
                    lang,
                    "responder",
                    N_("Dialogue Bench questions to answer"),
                    mine["open"],
                    f"{HOME}?assigned=me&status=assigned",
                    mine["overdue"],
                )
            )
        if mine["followups"]:
            items.append(
                _item(
                    lang,
                    "responder",
                    N_("Dialogue Bench questions whose asker wrote again"),
                    mine["followups"],
                    f"{HOME}?assigned=me",
                )
            )
    if principal.has("coordinator"):
        work: Any = await sr.coordinator_work(conn)
        rows = [
            (
                N_("Dialogue Bench questions to moderate"),
                work["moderation"],
                f"{HOME}?status=received",
                work["moderation_overdue"],
            ),
            (
                N_("Dialogue Bench questions to assign"),
                work["unassigned"],
                f"{HOME}?status=accepted",
                work["unassigned_overdue"],
            ),
            (
                N_("Dialogue Bench answers waiting for your review"),
                work["in_review"],
                f"{HOME}?status=answer_in_review",
                work["in_review_overdue"],
            ),
            (
                N_("Dialogue Bench questions past their due date"),
                work["overdue"],
                HOME,
                work["overdue"],
            ),
            (
                N_("E-mail to the Dialogue Bench held for moderation"),
                work["held_mail"],
                f"{HOME}/inbound-mail",
                0,
            ),
        ]
        items.extend(
            _item(lang, "coordinator", label, count, href, overdue)
            for label, count, href, overdue in rows
            if count
        )
    return items


hooks = PeopleHooks(identities=identities, open_work=open_work)
