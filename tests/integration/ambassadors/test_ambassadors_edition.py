"""An edition from public nominations to published laureates, on real servers."""

from __future__ import annotations

from ambassadors_helpers import (
    accepted_nomination,
    appoint,
    close_nominations,
    mail_to,
    new_edition,
    nominate,
    nomination_body,
    outbox_events,
    score,
    token_from_mail,
)

from tests.helpers.platform import RunningPlatform


async def test_an_edition_runs_from_nominations_to_published_laureates(
    platform: RunningPlatform,
) -> None:
    coordinator = platform.auth("coordinator")
    edition = await new_edition(platform, titles=2)
    eid = edition["id"]
    first = await accepted_nomination(platform, eid, candidate_name="Olena")
    second = await accepted_nomination(platform, eid, candidate_name="Rahul")
    third = await accepted_nomination(platform, eid, candidate_name="Maryna")
    unaccepted, _ = await nominate(platform, eid, candidate_name="Never answered")
    _, harsh = await appoint(platform, eid)
    _, lenient = await appoint(platform, eid)

    for nid, (h, ln) in {first["id"]: (8, 10), second["id"]: (5, 9), third["id"]: (2, 7)}.items():
        assert (await score(platform, nid, harsh, h, h)).status_code == 201
        assert (await score(platform, nid, lenient, ln, ln)).status_code == 201

    progress = await platform.client.get(
        f"/api/ambassadors/editions/{eid}/jury", headers=coordinator
    )
    assert [(j["eligible"], j["scored"], j["pending"]) for j in progress.json()["items"]] == [
        (3, 3, 0),
        (3, 3, 0),
    ]

    ranking = (
        await platform.client.get(f"/api/ambassadors/editions/{eid}/ranking", headers=coordinator)
    ).json()
    assert [i["nomination_id"] for i in ranking["items"]] == [
        first["id"],
        second["id"],
        third["id"],
    ]
    assert unaccepted["id"] not in [i["nomination_id"] for i in ranking["items"]]
    top = ranking["items"][0]
    assert top["weighted_mean"] == 9.0 and top["jurors_scored"] == 2 and top["rank"] == 1
    assert [i["normalised_rank"] for i in ranking["items"]] == [1, 2, 3]

    before = await platform.client.get(f"/api/ambassadors/editions/{eid}/results")
    assert before.status_code == 404

    laureates = [first["id"], second["id"]]
    early = await platform.client.post(
        f"/api/ambassadors/editions/{eid}/results",
        json={"laureates": laureates},
        headers=coordinator,
    )
    assert early.status_code == 409, early.text
    assert "nominations are open" in early.json()["detail"]
    assert (
        await platform.client.get(f"/api/ambassadors/editions/{eid}/results")
    ).status_code == 404
    assert "ambassadors.results_published" not in [
        e.type for e in await outbox_events(platform, edition_id=eid)
    ]

    await close_nominations(platform, eid)
    published = await platform.client.post(
        f"/api/ambassadors/editions/{eid}/results",
        json={"laureates": laureates},
        headers=coordinator,
    )
    assert published.status_code == 200, published.text
    public = await platform.client.get(f"/api/ambassadors/editions/{eid}/results")
    assert public.status_code == 200
    assert [lt["nomination_id"] for lt in public.json()["laureates"]] == laureates
    again = await platform.client.post(
        f"/api/ambassadors/editions/{eid}/results",
        json={"laureates": laureates},
        headers=coordinator,
    )
    assert again.status_code == 409 and "already published" in again.text

    meeting = await platform.client.post(
        f"/api/ambassadors/editions/{eid}/mayor-meetings",
        json={
            "held_on": "2026-06-01",
            "place": "Pałac Wielopolskich",
            "ambassadors_present": laureates,
        },
        headers=coordinator,
    )
    assert meeting.status_code == 201, meeting.text
    page = await platform.client.get(f"/ambassadors/editions/{eid}/results?lang=en")
    assert page.status_code == 200 and "Pałac Wielopolskich" in page.text
    # No laureate has agreed to the publication of their name yet: none is shown.
    assert "Olena" not in page.text and "Laureate (name not published)" in page.text
    assert [lt["candidate_name"] for lt in public.json()["laureates"]] == [None, None]

    types = [e.type for e in await outbox_events(platform, edition_id=eid)]
    for expected in (
        "ambassadors.edition_created",
        "ambassadors.nomination_submitted",
        "ambassadors.juror_appointed",
        "ambassadors.results_published",
        "ambassadors.mayor_meeting_recorded",
    ):
        assert expected in types
    assert types.count("ambassadors.nomination_submitted") == 4
    assert (
        len(await outbox_events(platform, nomination_id=first["id"])) >= 3
    )  # submitted, accepted, scored


async def test_a_duplicate_nomination_is_merged_and_keeps_every_nominator(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    first, body = await nominate(platform, edition["id"])
    duplicate, _ = await nominate(
        platform,
        edition["id"],
        candidate_email=body["candidate_email"].upper(),
        nominator_name="Second nominator",
    )
    assert first["status"] == "awaiting_acceptance"
    assert duplicate["status"] == "merged" and duplicate["merged_into"] == first["id"]
    listed = await platform.client.get(
        f"/api/ambassadors/editions/{edition['id']}/nominations",
        headers=platform.auth("coordinator"),
    )
    rows = {r["id"]: r for r in listed.json()["items"]}
    assert rows[first["id"]]["nominators"] == 2
    merged = await outbox_events(platform, nomination_id=duplicate["id"])
    assert [e.type for e in merged] == [
        "ambassadors.nomination_submitted",
        "ambassadors.nomination_merged",
    ]
    assert len(await mail_to(platform, body["candidate_email"])) == 1  # asked once only


async def test_only_the_candidates_token_accepts(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    created, body = await nominate(platform, edition["id"])
    url = f"/api/ambassadors/nominations/{created['id']}/acceptance"
    wrong = await platform.client.post(url, json={"token": "not-the-token-at-all"})
    assert wrong.status_code == 403
    nominator_token = await token_from_mail(platform, body["nominator_email"], "withdraw")
    assert (await platform.client.post(url, json={"token": nominator_token})).status_code == 403
    token = await token_from_mail(platform, body["candidate_email"], "accept")
    assert (await platform.client.post(url, json={"token": token})).json()["status"] == "accepted"
    assert (await platform.client.post(url, json={"token": token})).status_code == 200
    assert (
        len(await outbox_events(platform, nomination_id=created["id"])) == 2
    )  # submitted, accepted once


async def test_a_nominator_withdraws_with_the_emailed_link(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    created, body = await nominate(platform, edition["id"])
    token = await token_from_mail(platform, body["nominator_email"], "withdraw")
    url = f"/api/ambassadors/nominations/{created['id']}/withdrawal"
    resp = await platform.client.post(url, json={"token": token})
    assert resp.status_code == 200 and resp.json()["status"] == "withdrawn"
    assert (await platform.client.post(url, json={"token": token})).status_code == 409
    accept_token = await token_from_mail(platform, body["candidate_email"], "accept")
    late = await platform.client.post(
        f"/api/ambassadors/nominations/{created['id']}/acceptance", json={"token": accept_token}
    )
    assert late.status_code == 409


async def test_bad_nominations_are_refused_and_nothing_is_stored(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    url = f"/api/ambassadors/editions/{edition['id']}/nominations"
    before = len(await outbox_events(platform, edition_id=edition["id"]))
    no_consent = await platform.client.post(url, json=nomination_body(consent=False))
    assert no_consent.status_code == 422 and no_consent.json()["errors"][0]["field"] == "consent"
    too_long = await platform.client.post(url, json=nomination_body(justification="x" * 5001))
    assert too_long.status_code == 400 and "justification" in too_long.text
    unknown = await platform.client.post(
        url, json={**nomination_body(), "favourite_colour": "blue"}
    )
    assert unknown.status_code == 400 and "favourite_colour" in unknown.text
    assert len(await outbox_events(platform, edition_id=edition["id"])) == before

    closed = await new_edition(platform, nominations_close_at="2020-01-01T00:00:00+01:00")
    late = await platform.client.post(
        f"/api/ambassadors/editions/{closed['id']}/nominations", json=nomination_body()
    )
    assert late.status_code == 409 and "closed" in late.text
    missing = await platform.client.post(
        "/api/ambassadors/editions/00000000-0000-0000-0000-000000000000/nominations",
        json=nomination_body(),
    )
    assert missing.status_code == 404


async def test_editions_need_a_coordinator_and_sound_criteria(platform: RunningPlatform) -> None:
    body = {
        "year": 2026,
        "nominations_close_at": "2026-10-01T00:00:00+02:00",
        "criteria": [
            {"key": "a", "name": "Impact", "weight": 1},
            {"key": "a", "name": "Again", "weight": 1},
        ],
    }
    assert (await platform.client.post("/api/ambassadors/editions", json=body)).status_code == 401
    juror = platform.auth("juror")
    assert (
        await platform.client.post("/api/ambassadors/editions", json=body, headers=juror)
    ).status_code == 403
    dup = await platform.client.post(
        "/api/ambassadors/editions", json=body, headers=platform.auth("coordinator")
    )
    assert dup.status_code == 422 and "criteria" in dup.text
