"""Who an e-mail address is in the Council, and what a signed-in person has to do there
(`shared.people.PeopleHooks`, wired on the participation service's spec).

- A member in office (or appointed for a term still to come) is a `council_member` whose home
  is `/council/my`; a secretary the coordinator registered is a `council_secretary` whose home
  is `/council/staff`.
- Open work: the secretariat (secretary or coordinator) — the next meetings without an agreed
  agenda, minutes to draft or approve, applications not yet considered, members' proposals to
  decide; a member — invitations not answered, and their next meeting.
"""

from __future__ import annotations

import uuid

import asyncpg

from services.participation.council import meetings_store, queries, store
from services.participation.council.pages import catalogs
from shared import addresses
from shared.auth import Principal
from shared.events import utcnow
from shared.people import Identity, PeopleHooks, WorkItem
from shared.web.forms import N_

WHAT = {
    "council_member": N_("Council on Equal Treatment: member"),
    "council_secretary": N_("Council on Equal Treatment: secretariat"),
}
PAGE_LANGUAGES = ("pl", "en", "uk")


def _what(role: str, language: str | None) -> str:
    lang = language if language in PAGE_LANGUAGES else PAGE_LANGUAGES[0]
    return catalogs.gettext(lang, WHAT[role])


async def identities(conn: asyncpg.Connection, email: str) -> list[Identity]:
    """The council roles the address holds now (none for an unknown or malformed address)."""
    try:
        address = addresses.normalise(email)
    except ValueError:
        return []
    found: list[Identity] = []
    members = await store.members_by_email(conn, address.lower(), queries.today())
    if members:
        first = members[0]
        found.append(
            Identity(
                subject=first["subject"],
                role="council_member",
                language=first["language"],
                name=first["name"],
                home="/council/my",
                what=_what("council_member", first["language"]),
            )
        )
    secretary = await store.secretary_by_email(conn, address)
    if secretary is not None:
        found.append(
            Identity(
                subject=secretary["subject"],
                role="council_secretary",
                language=secretary["language"],
                name=secretary["name"],
                home="/council/staff",
                what=_what("council_secretary", secretary["language"]),
            )
        )
    return found


def _t(lang: str, msgid: str) -> str:
    return catalogs.gettext(lang, msgid)


async def open_work(conn: asyncpg.Connection, principal: Principal, lang: str) -> list[WorkItem]:
    """Counted links to what the person has to do in the Council now (labels in `lang`)."""
    now = utcnow()
    items: list[WorkItem] = []
    if principal.has("council_secretary", "coordinator"):
        role = "council_secretary" if principal.has("council_secretary") else "coordinator"
        work = await meetings_store.secretariat_work(conn, now)
        lines = [
            (
                work["to_prepare"],
                N_("Meetings to prepare (no agenda agreed yet)"),
                f"/council/staff/meetings/{uuid.UUID(work['next_meeting'])}"
                if work["next_meeting"]
                else "/council/staff",
            ),
            (
                work["proposals"],
                N_("Members' agenda proposals to decide"),
                "/council/staff#upcoming",
            ),
            (work["minutes_to_draft"], N_("Minutes to draft"), "/council/staff#past"),
            (work["minutes_to_approve"], N_("Minutes to approve"), "/council/staff#past"),
            (work["applications"], N_("Applications not yet considered"), "/council/staff/calls"),
        ]
        items += [
            WorkItem(role=role, label=_t(lang, label), count=int(count), href=href)
            for count, label, href in lines
            if count
        ]
    if principal.has("council_member"):
        work = await meetings_store.member_work(conn, principal.subject, now)
        if work["unanswered"]:
            items.append(
                WorkItem(
                    role="council_member",
                    label=_t(lang, N_("Invitations to answer")),
                    count=int(work["unanswered"]),
                    href="/council/my#meetings",
                )
            )
        if work["upcoming"]:
            items.append(
                WorkItem(
                    role="council_member",
                    label=_t(lang, N_("Council meetings ahead")),
                    count=int(work["upcoming"]),
                    href="/council/my#meetings",
                )
            )
    return items


hooks = PeopleHooks(identities=identities, open_work=open_work)
