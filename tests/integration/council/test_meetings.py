"""A council meeting from scheduling to approved minutes; quorum; counted once; the events."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.council.helpers import (
    SECRETARY,
    direct_member,
    held,
    held_with_quorum,
    in_office,
    mails_to,
    meeting,
    now,
    outbox_events,
    quorum,
    rsvp_token,
)


async def test_a_meeting_runs_from_invitation_to_approved_public_minutes(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform, name="Maria Wiśniewska")
    first = await meeting(
        platform, starts_at=now() - timedelta(days=1), title="Posiedzenie Rady nr 1"
    )
    [scheduled] = await outbox_events(
        platform, "council.meeting_scheduled", meeting_id=uuid.UUID(first)
    )

    async def invited() -> list:
        # The appointment notice may arrive first: wait for the invitation itself.
        return [
            m for m in mails_to(platform, member["email"]) if "Zaproszenie" in str(m["Subject"])
        ]

    invitation = (await eventually(invited, what="invitation mail"))[0]
    token = rsvp_token(invitation)
    answered = await platform.client.post(
        "/api/council/rsvp", json={"token": token, "response": "yes"}
    )
    assert answered.status_code == 200 and answered.json()["response"] == "yes"
    proposal = await platform.client.post(
        "/api/council/proposals",
        json={"token": token, "title": "Dostępność informacji po ukraińsku w urzędach"},
    )
    assert proposal.status_code == 201 and proposal.json()["status"] == "proposed"
    decided = await platform.client.post(
        f"/api/council/agenda/{proposal.json()['id']}/decision",
        json={"status": "accepted"},
        headers=platform.auth(SECRETARY),
    )
    assert decided.status_code == 200
    forged = await platform.client.post(
        "/api/council/rsvp", json={"token": "x" * 32, "response": "yes"}
    )
    assert forged.status_code == 403

    first_held = await held_with_quorum(platform, first, guests=2)
    assert (
        first_held["guests"] == 2
        and first_held["participants"] == first_held["members_present"] + 2
    )
    closed_rsvp = await platform.client.post(
        "/api/council/rsvp", json={"token": token, "response": "no"}
    )
    assert closed_rsvp.status_code == 409

    minutes_url = f"/api/council/meetings/{first}/minutes"
    draft = await platform.client.put(
        minutes_url, json={"text": "Obecni: ... Ustalenia: ..."}, headers=platform.auth(SECRETARY)
    )
    assert draft.status_code == 200 and draft.json()["minutes_status"] == "draft"
    resolution = await platform.client.post(
        f"/api/council/meetings/{first}/resolutions",
        headers=platform.auth(SECRETARY),
        json={
            "kind": "recommendation",
            "title": "Tłumaczenie procedur meldunkowych",
            "text": "Rada rekomenduje tłumaczenie procedur na język ukraiński i angielski.",
            "votes_for": first_held["members_present"],
            "votes_against": 0,
            "votes_abstaining": 0,
        },
    )
    assert resolution.status_code == 201 and resolution.json()["adopted"] is True
    [voted] = await outbox_events(platform, "council.resolution_voted", meeting_id=uuid.UUID(first))
    assert voted.payload.votes_for == first_held["members_present"]

    hidden = await platform.client.get(f"/api/council/minutes/{first}")
    assert hidden.status_code == 404

    second = await meeting(
        platform, starts_at=now() - timedelta(hours=1), title="Posiedzenie Rady nr 2"
    )
    early = await platform.client.post(
        f"{minutes_url}/approval", json={"at_meeting_id": second}, headers=platform.auth(SECRETARY)
    )
    assert early.status_code == 409 and "not recorded as held" in early.json()["detail"]
    same = await platform.client.post(
        f"{minutes_url}/approval", json={"at_meeting_id": first}, headers=platform.auth(SECRETARY)
    )
    assert same.status_code == 409
    await held_with_quorum(platform, second)
    approved = await platform.client.post(
        f"{minutes_url}/approval", json={"at_meeting_id": second}, headers=platform.auth(SECRETARY)
    )
    assert approved.status_code == 200 and approved.json()["minutes_status"] == "approved"
    [event] = await outbox_events(platform, "council.minutes_approved", meeting_id=uuid.UUID(first))
    assert event.payload.approved_at_meeting_id == uuid.UUID(second)

    changed = await platform.client.put(
        minutes_url, json={"text": "Poprawione"}, headers=platform.auth(SECRETARY)
    )
    assert changed.status_code == 409 and "approved" in changed.json()["detail"]
    again = await platform.client.post(
        f"{minutes_url}/approval", json={"at_meeting_id": second}, headers=platform.auth(SECRETARY)
    )
    assert again.status_code == 409

    public = await platform.client.get(f"/api/council/minutes/{first}")
    assert public.status_code == 200
    body = public.json()
    assert (
        body["minutes"] == "Obecni: ... Ustalenia: ..."
        and body["attendance"] == []
        and body["rsvps"] == []
    )
    assert [r["title"] for r in body["resolutions"]] == ["Tłumaczenie procedur meldunkowych"]
    assert [a["title"] for a in body["agenda"]] == ["Dostępność informacji po ukraińsku w urzędach"]
    listed = await platform.client.get("/api/council/minutes?limit=500")
    assert first in [m["id"] for m in listed.json()["items"]] and second not in [
        m["id"] for m in listed.json()["items"]
    ]
    assert scheduled.payload.starts_at is not None


async def test_a_meeting_recorded_held_twice_counts_once(platform: RunningPlatform) -> None:
    member = await direct_member(platform)
    meeting_id = await meeting(platform)
    attendees = [
        {"name": member["name"], "organisation": member["organisation"], "member_id": member["id"]},
        {"name": "Iryna Bondarenko", "organisation": "Fundacja Ukraina"},
        {"name": "Kofi Mensah"},
    ]
    first = await held(platform, meeting_id, attendees)
    assert first.status_code == 200, first.text
    assert first.json()["participants"] == 3 and first.json()["members_present"] == 1
    second = await held(platform, meeting_id, attendees + [{"name": "Ktoś Jeszcze"}])
    assert second.status_code == 409 and "counts once" in second.json()["detail"]

    [event] = await outbox_events(
        platform, "council.meeting_held", meeting_id=uuid.UUID(meeting_id)
    )
    assert (event.payload.participants, event.payload.members_present, event.payload.guests) == (
        3,
        1,
        2,
    )
    detail = await platform.client.get(
        f"/api/council/meetings/{meeting_id}", headers=platform.auth(SECRETARY)
    )
    assert len(detail.json()["attendance"]) == 3

    async def published() -> bool:
        async with platform.runtime.pool("participation").acquire() as conn:
            return await conn.fetchval(
                "select published_at is not null from outbox where event_id = $1", event.id
            )

    await eventually(published, what="the meeting_held event to be published to JetStream")


async def test_attendance_of_a_non_member_is_recorded_as_a_guest(platform: RunningPlatform) -> None:
    former = await direct_member(platform, name="Piotr Zieliński")
    await platform.client.post(
        f"/api/council/members/{former['id']}/leave",
        json={"reason": "resigned"},
        headers=platform.auth(SECRETARY),
    )
    meeting_id = await meeting(platform)
    resp = await held(
        platform,
        meeting_id,
        [
            {"name": "Piotr Zieliński", "member_id": former["id"]},
            {"name": "Nieznana osoba", "member_id": str(uuid.uuid4())},
        ],
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json()["members_present"], resp.json()["guests"], resp.json()["participants"]) == (
        0,
        2,
        2,
    )
    assert resp.json()["quorum_reached"] is False
    detail = await platform.client.get(
        f"/api/council/meetings/{meeting_id}", headers=platform.auth(SECRETARY)
    )
    assert [a["member_id"] for a in detail.json()["attendance"]] == [None, None]


async def test_a_vote_without_quorum_is_refused_and_votes_cannot_exceed_members_present(
    platform: RunningPlatform,
) -> None:
    await direct_member(platform)
    await direct_member(platform)
    settings = await quorum(platform)
    assert settings["quorum_required"] == settings["members_in_office"] // 2 + 1
    members = await in_office(platform)
    short = await meeting(platform)
    below = members[: settings["quorum_required"] - 1]
    resp = await held(platform, short, [{"name": m["name"], "member_id": m["id"]} for m in below])
    assert resp.json()["quorum_reached"] is False
    vote = {
        "kind": "resolution",
        "title": "Uchwała w sprawie języka",
        "text": "Treść uchwały.",
        "votes_for": len(below),
        "votes_against": 0,
        "votes_abstaining": 0,
    }
    refused = await platform.client.post(
        f"/api/council/meetings/{short}/resolutions", json=vote, headers=platform.auth(SECRETARY)
    )
    assert refused.status_code == 409 and "quorum" in refused.json()["detail"]
    assert (
        await outbox_events(platform, "council.resolution_voted", meeting_id=uuid.UUID(short)) == []
    )

    full = await meeting(platform)
    present = (await held_with_quorum(platform, full))["members_present"]
    too_many = await platform.client.post(
        f"/api/council/meetings/{full}/resolutions",
        headers=platform.auth(SECRETARY),
        json={**vote, "votes_for": present, "votes_abstaining": 1},
    )
    assert too_many.status_code == 422 and "members present" in too_many.json()["detail"]
    rejected = await platform.client.post(
        f"/api/council/meetings/{full}/resolutions",
        headers=platform.auth(SECRETARY),
        json={**vote, "votes_for": 0, "votes_against": 1, "votes_abstaining": present - 1},
    )
    assert rejected.status_code == 201 and rejected.json()["adopted"] is False


async def test_the_quorum_is_configurable(platform: RunningPlatform) -> None:
    coordinator = platform.auth("coordinator")
    try:
        resp = await platform.client.put(
            "/api/council/settings",
            json={"quorum_percent": 0, "quorum_minimum": 1},
            headers=coordinator,
        )
        assert resp.status_code == 200 and resp.json()["quorum_required"] == 1
        member = (await in_office(platform))[0]
        meeting_id = await meeting(platform)
        resp = await held(
            platform, meeting_id, [{"name": member["name"], "member_id": member["id"]}]
        )
        assert resp.json()["quorum_reached"] is True
        bad = await platform.client.put(
            "/api/council/settings", json={"quorum_percent": 150}, headers=coordinator
        )
        assert bad.status_code in (400, 422)
        assert (
            await platform.client.put(
                "/api/council/settings", json={}, headers=platform.auth(SECRETARY)
            )
        ).status_code == 403
    finally:
        await platform.client.put(
            "/api/council/settings",
            json={"quorum_percent": 50, "quorum_minimum": 1},
            headers=coordinator,
        )


async def test_meeting_rules_refuse_bad_input(platform: RunningPlatform) -> None:
    secretary = platform.auth(SECRETARY)
    assert (await platform.client.post("/api/council/meetings", json={})).status_code == 401
    assert (
        await platform.client.post("/api/council/meetings", json={}, headers=platform.auth("ngo"))
    ).status_code == 403
    naive = await platform.client.post(
        "/api/council/meetings",
        headers=secretary,
        json={"title": "Posiedzenie", "starts_at": "2026-03-01T17:00:00", "place": "Sala"},
    )
    assert naive.status_code in (400, 422) and "starts_at" in naive.text
    future = await meeting(platform, starts_at=now() + timedelta(days=10))
    early = await held(platform, future, [{"name": "Ktoś"}])
    assert early.status_code == 409
    member = await direct_member(platform)
    twice = await held(
        platform,
        future,
        [{"name": "Anna", "member_id": member["id"]}, {"name": "Anna", "member_id": member["id"]}],
    )
    assert twice.status_code == 422, twice.text
    assert twice.json()["errors"][0]["field"] == "attendees[1].member_id"
    cancelled = await platform.client.post(
        f"/api/council/meetings/{future}/cancel", headers=secretary
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (
        len(
            await outbox_events(platform, "council.meeting_cancelled", meeting_id=uuid.UUID(future))
        )
        == 1
    )
    assert (await held(platform, future, [{"name": "Ktoś"}])).status_code == 409
    assert (await held(platform, str(uuid.uuid4()), [{"name": "Ktoś"}])).status_code == 404
    assert await outbox_events(platform, "council.meeting_held", meeting_id=uuid.UUID(future)) == []


async def test_monthly_meetings_are_scheduled_a_month_apart(platform: RunningPlatform) -> None:
    resp = await platform.client.post(
        "/api/council/meetings/monthly",
        headers=platform.auth(SECRETARY),
        json={
            "title": "Posiedzenie Rady",
            "first_starts_at": "2031-01-31T17:00:00+01:00",
            "place": "Sala Obrad",
            "count": 3,
        },
    )
    assert resp.status_code == 201, resp.text
    ids = [item["id"] for item in resp.json()["items"]]
    starts = [
        (
            await platform.client.get(
                f"/api/council/meetings/{i}", headers=platform.auth(SECRETARY)
            )
        ).json()["starts_at"]
        for i in ids
    ]
    assert [s[:10] for s in starts] == ["2031-01-31", "2031-02-28", "2031-03-31"]
    assert starts[2].endswith("15:00:00Z")  # 17:00 in Warsaw, summer time from 30 March 2031


async def test_reminders_go_once_to_members_who_did_not_decline(platform: RunningPlatform) -> None:
    from services.participation.council.jobs import send_meeting_reminders

    coming = await direct_member(platform, name="Ewa Lis")
    declining = await direct_member(platform, name="Adam Kos")
    meeting_id = await meeting(platform, starts_at=now() + timedelta(hours=20))

    def invitation_to(member: dict) -> list:
        return [
            m for m in mails_to(platform, member["email"]) if "Zaproszenie" in str(m["Subject"])
        ]

    async def invitations() -> bool:
        return bool(invitation_to(coming)) and bool(invitation_to(declining))

    await eventually(invitations, what="invitations")
    token = rsvp_token(invitation_to(declining)[0])
    assert (
        await platform.client.post("/api/council/rsvp", json={"token": token, "response": "no"})
    ).status_code == 200

    await send_meeting_reminders({"runtime": platform.runtime})
    await send_meeting_reminders({"runtime": platform.runtime})

    async def reminded() -> list:
        return [
            m for m in mails_to(platform, coming["email"]) if "Przypomnienie" in str(m["Subject"])
        ]

    assert len(await eventually(reminded, what="a reminder")) == 1
    assert not [
        m for m in mails_to(platform, declining["email"]) if "Przypomnienie" in str(m["Subject"])
    ]
    await platform.client.post(
        f"/api/council/meetings/{meeting_id}/cancel", headers=platform.auth(SECRETARY)
    )


async def test_a_meeting_is_not_recorded_held_before_it_starts(platform: RunningPlatform) -> None:
    """A meeting later today cannot be recorded held now (409 saying when), and nothing changes."""
    starts = now() + timedelta(hours=3)
    meeting_id = await meeting(platform, starts_at=starts)
    early = await held(platform, meeting_id, [{"name": "Kofi Mensah"}])
    assert early.status_code == 409, early.text
    assert "before it has started" in early.json()["detail"]
    detail = await platform.client.get(
        f"/api/council/meetings/{meeting_id}", headers=platform.auth(SECRETARY)
    )
    assert detail.json()["status"] == "scheduled" and detail.json()["attendance"] == []
    assert (
        await outbox_events(platform, "council.meeting_held", meeting_id=uuid.UUID(meeting_id))
        == []
    )
