"""The open call, applications, appointment, resignation and replacement, the public list."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.council.helpers import (
    SECRETARY,
    application,
    appoint,
    body_of,
    mails_to,
    now,
    open_call,
    outbox_events,
)


async def test_an_applicant_applies_is_acknowledged_and_appointed_to_a_public_seat(
    platform: RunningPlatform,
) -> None:
    call = await open_call(platform)
    assert call["accepting_applications"] is True
    assert await outbox_events(platform, "council.call_opened", call_id=uuid.UUID(call["id"]))

    form = application()
    resp = await platform.client.post(f"/api/council/calls/{call['id']}/applications", json=form)
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["status"] == "received" and created["reference"].startswith("RRT-")

    ack = await eventually(
        lambda: _async(mails_to(platform, form["email"])), what="acknowledgement mail"
    )
    assert created["reference"] in body_of(ack[0]) and "Дякуємо" in body_of(ack[0])
    [received] = await outbox_events(
        platform, "council.application_received", application_id=uuid.UUID(created["id"])
    )
    assert (
        received.payload.category == "association"
        and received.payload.applicant_kind == "organisation"
    )
    assert "Olena" not in str(received) and form["email"] not in str(received)

    listed = await platform.client.get(
        f"/api/council/calls/{call['id']}/applications", headers=platform.auth(SECRETARY)
    )
    assert [a["reference"] for a in listed.json()["items"]] == [created["reference"]]

    member = await appoint(platform, application_id=created["id"])
    assert member["term_start"] == call["term_start"] and member["category"] == "association"
    public = await platform.client.get("/api/council/members?limit=500")
    entry = next(m for m in public.json()["items"] if m["id"] == member["id"])
    assert entry["organisation"] == "Fundacja Dom Ukraiński" and "email" not in entry
    again = await platform.client.post(
        "/api/council/members",
        json={"application_id": created["id"]},
        headers=platform.auth("coordinator"),
    )
    assert again.status_code == 409


async def _async(value: object) -> object:
    return value


async def test_a_full_category_refuses_another_appointment_until_a_member_is_replaced(
    platform: RunningPlatform,
) -> None:
    call = await open_call(platform, seats={"resident": 1})
    first = await platform.client.post(
        f"/api/council/calls/{call['id']}/applications",
        json=application(applicant_kind="individual", category="resident", organisation=None),
    )
    second = await platform.client.post(
        f"/api/council/calls/{call['id']}/applications",
        json=application(
            applicant_kind="individual", category="resident", organisation=None, name="Ahmed Yilmaz"
        ),
    )
    member = await appoint(platform, application_id=first.json()["id"])

    full = await platform.client.post(
        "/api/council/members",
        json={"application_id": second.json()["id"]},
        headers=platform.auth("coordinator"),
    )
    assert full.status_code == 409 and "seats" in full.json()["detail"]

    successor = await appoint(platform, application_id=second.json()["id"], replaces=member["id"])
    assert successor["replaces"] == member["id"]
    [left] = await outbox_events(platform, "council.member_left", member_id=uuid.UUID(member["id"]))
    assert left.payload.reason == "replaced"
    public_ids = {
        m["id"]
        for m in (await platform.client.get("/api/council/members?limit=500")).json()["items"]
    }
    assert successor["id"] in public_ids and member["id"] not in public_ids


async def test_a_member_resigns_once_and_leaves_the_public_list(platform: RunningPlatform) -> None:
    call = await open_call(platform)
    app = await platform.client.post(
        f"/api/council/calls/{call['id']}/applications", json=application()
    )
    member = await appoint(platform, application_id=app.json()["id"])
    url = f"/api/council/members/{member['id']}/leave"
    resp = await platform.client.post(
        url, json={"reason": "resigned"}, headers=platform.auth(SECRETARY)
    )
    assert resp.status_code == 200 and resp.json()["left_reason"] == "resigned"
    twice = await platform.client.post(
        url, json={"reason": "resigned"}, headers=platform.auth(SECRETARY)
    )
    assert twice.status_code == 409
    assert (
        len(await outbox_events(platform, "council.member_left", member_id=uuid.UUID(member["id"])))
        == 1
    )
    public_ids = {
        m["id"]
        for m in (await platform.client.get("/api/council/members?limit=500")).json()["items"]
    }
    assert member["id"] not in public_ids


async def test_bad_applications_are_refused_with_a_reason_and_nothing_is_stored(
    platform: RunningPlatform,
) -> None:
    call = await open_call(platform, seats={"association": 3})
    url = f"/api/council/calls/{call['id']}/applications"
    no_consent = await platform.client.post(url, json=application(consent=False))
    assert no_consent.status_code == 422 and no_consent.json()["errors"][0]["field"] == "consent"
    no_org = await platform.client.post(url, json=application(organisation=None))
    assert no_org.status_code == 422 and no_org.json()["errors"][0]["field"] == "organisation"
    no_seat = await platform.client.post(url, json=application(category="city"))
    assert no_seat.status_code == 422 and no_seat.json()["errors"][0]["field"] == "category"
    unknown = await platform.client.post(url, json={**application(), "pesel": "90010112345"})
    assert unknown.status_code in (400, 422) and "pesel" in unknown.text
    bad_email = await platform.client.post(url, json=application(email="not-an-address"))
    assert bad_email.status_code in (400, 422) and "email" in bad_email.text
    listed = await platform.client.get(
        f"/api/council/calls/{call['id']}/applications", headers=platform.auth(SECRETARY)
    )
    assert listed.json()["total"] == 0

    closed = await open_call(
        platform,
        opens_at=(now() - timedelta(days=30)).isoformat(),
        closes_at=(now() - timedelta(days=1)).isoformat(),
    )
    late = await platform.client.post(
        f"/api/council/calls/{closed['id']}/applications", json=application()
    )
    assert late.status_code == 409 and "closed" in late.json()["detail"]
    assert (
        await platform.client.post(
            f"/api/council/calls/{uuid.uuid4()}/applications", json=application()
        )
    ).status_code == 404


async def test_only_the_secretariat_appoints(platform: RunningPlatform) -> None:
    """The coordinator and (since issue 13) the council secretary appoint; nobody else."""
    body = {
        "name": "Anna Kowalska",
        "category": "city",
        "term_start": "2026-01-01",
        "term_end": "2027-12-31",
    }
    assert (await platform.client.post("/api/council/members", json=body)).status_code == 401
    assert (
        await platform.client.post("/api/council/members", json=body, headers=platform.auth("ngo"))
    ).status_code == 403
    assert (
        await platform.client.post(
            "/api/council/members", json=body, headers=platform.auth("council_member")
        )
    ).status_code == 403
    assert (
        await platform.client.post(
            "/api/council/members", json=body, headers=platform.auth(SECRETARY)
        )
    ).status_code == 201
    assert (
        await platform.client.get(
            "/api/council/members/register", headers=platform.auth("responder")
        )
    ).status_code == 403
    bad_term = await platform.client.post(
        "/api/council/calls",
        headers=platform.auth("coordinator"),
        json={
            "title": "Nabór",
            "description": "Opis naboru do rady.",
            "term_start": "2026-01-01",
            "term_end": "2025-01-01",
            "opens_at": now().isoformat(),
            "closes_at": (now() + timedelta(days=1)).isoformat(),
            "seats": {"association": 1},
        },
    )
    assert bad_term.status_code == 422 and bad_term.json()["errors"][0]["field"] == "term_end"
