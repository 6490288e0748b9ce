"""Helpers for the Council's integration tests: a call, members, meetings, the outbox."""

from __future__ import annotations

import email
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from email.policy import default as default_policy
from typing import Any

from shared.events import decode
from tests.helpers.platform import RunningPlatform

SECRETARY = "council_secretary"


def now() -> datetime:
    return datetime.now(UTC)


async def open_call(platform: RunningPlatform, **overrides: Any) -> dict[str, Any]:
    body = {
        "title": "Nabór do Rady ds. Równego Traktowania 2026-2028",
        "description": "Szukamy osób i organizacji, które chcą współtworzyć politykę równego traktowania.",
        "term_start": date.today().replace(month=1, day=1).isoformat(),
        "term_end": date.today().replace(year=date.today().year + 2, month=12, day=31).isoformat(),
        "opens_at": (now() - timedelta(days=1)).isoformat(),
        "closes_at": (now() + timedelta(days=14)).isoformat(),
        "seats": {"association": 2, "resident": 1, "city": 1},
        **overrides,
    }
    resp = await platform.client.post(
        "/api/council/calls", json=body, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def application(**overrides: Any) -> dict[str, Any]:
    return {
        "applicant_kind": "organisation",
        "category": "association",
        "name": "Olena Kovalenko",
        "organisation": "Fundacja Dom Ukraiński",
        "email": f"olena-{uuid.uuid4().hex[:8]}@example.org",
        "motivation": "Pomagamy rodzinom z Ukrainy w Krakowie od 2014 roku i chcemy wnieść ich głos.",
        "consent": True,
        "language": "uk",
        **overrides,
    }


async def appoint(platform: RunningPlatform, **body: Any) -> dict[str, Any]:
    resp = await platform.client.post(
        "/api/council/members", json=body, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


async def direct_member(
    platform: RunningPlatform, name: str = "Jan Nowak", **overrides: Any
) -> dict[str, Any]:
    """A member appointed directly (no call), in office today, with an e-mail for invitations."""
    return await appoint(
        platform,
        name=name,
        organisation="Urząd Miasta Krakowa",
        email=f"member-{uuid.uuid4().hex[:8]}@example.org",
        category="city",
        term_start=(date.today() - timedelta(days=400)).isoformat(),
        term_end=(date.today() + timedelta(days=400)).isoformat(),
        language="pl",
        **overrides,
    )


async def in_office(platform: RunningPlatform) -> list[dict[str, Any]]:
    resp = await platform.client.get(
        "/api/council/members/register?limit=500", headers=platform.auth(SECRETARY)
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


async def quorum(platform: RunningPlatform) -> dict[str, Any]:
    resp = await platform.client.get("/api/council/settings", headers=platform.auth(SECRETARY))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def meeting(
    platform: RunningPlatform, starts_at: datetime | None = None, title: str = "Posiedzenie Rady"
) -> str:
    resp = await platform.client.post(
        "/api/council/meetings",
        json={
            "title": title,
            "starts_at": (starts_at or now() - timedelta(hours=2)).isoformat(),
            "place": "Sala Obrad, Plac Wszystkich Świętych 3-4",
        },
        headers=platform.auth(SECRETARY),
    )
    assert resp.status_code == 201, resp.text
    assert set(resp.json()) == {"id"}
    return resp.json()["id"]


async def held(platform: RunningPlatform, meeting_id: str, attendees: list[dict[str, Any]]) -> Any:
    return await platform.client.post(
        f"/api/council/meetings/{meeting_id}/held",
        json={"attendees": attendees},
        headers=platform.auth(SECRETARY),
    )


async def held_with_quorum(
    platform: RunningPlatform, meeting_id: str, guests: int = 0
) -> dict[str, Any]:
    """Held with just the members a quorum needs: those in office on the meeting's day (the
    register of today may differ: another test may have appointed members since, or ended a
    term), as many as the council's rule asks for that many."""
    from services.participation.council.domain import WARSAW, QuorumRule

    settings = await quorum(platform)
    resp = await platform.client.get(
        f"/api/council/meetings/{meeting_id}", headers=platform.auth(SECRETARY)
    )
    assert resp.status_code == 200, resp.text
    day = datetime.fromisoformat(resp.json()["starts_at"]).astimezone(WARSAW).date()
    resp = await platform.client.get(
        "/api/council/members/register?limit=500&include_former=true",
        headers=platform.auth(SECRETARY),
    )
    assert resp.status_code == 200, resp.text
    that_day = [
        m
        for m in resp.json()["items"]
        if date.fromisoformat(m["term_start"]) <= day
        and m["left_on"] is None  # as the council counts them (store.members_in_office)
        and date.fromisoformat(m["term_end"]) >= day
    ]
    rule = QuorumRule(settings["quorum_percent"], settings["quorum_minimum"])
    members = that_day[: rule.required(len(that_day))]
    attendees = [
        {"name": m["name"], "organisation": m["organisation"], "member_id": m["id"]}
        for m in members
    ]
    attendees += [
        {"name": f"Gość {i}", "organisation": "Stowarzyszenie Interkulturalni"}
        for i in range(guests)
    ]
    resp = await held(platform, meeting_id, attendees)
    assert resp.status_code == 200, resp.text
    assert resp.json()["quorum_reached"] is True
    return resp.json()


async def outbox_events(
    platform: RunningPlatform, event_type: str, **payload_match: Any
) -> list[Any]:
    """Events of `event_type` in the participation outbox whose payload matches `payload_match`."""
    async with platform.runtime.pool("participation").acquire() as conn:
        rows = await conn.fetch(
            "select body from outbox where subject = $1 order by seq", f"okr.{event_type}"
        )
    events = [decode(bytes(r["body"])) for r in rows]
    return [e for e in events if all(getattr(e.payload, k) == v for k, v in payload_match.items())]


def mails_to(platform: RunningPlatform, address: str) -> list[email.message.EmailMessage]:
    folder = platform.settings.mail_dir
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        msg = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        if address in str(msg["To"]):
            found.append(msg)
    return found  # type: ignore[return-value]


def body_of(msg: Any) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def rsvp_token(msg: Any) -> str:
    match = re.search(r"/council/invitation\?token=([A-Za-z0-9_\-]+)", body_of(msg))
    assert match, body_of(msg)
    return match.group(1)
