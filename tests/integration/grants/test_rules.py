"""Every rule the server enforces: 4xx with field messages, 403 for others' objects, 409 with reasons."""

from __future__ import annotations

import uuid

from tests.helpers.platform import RunningPlatform
from tests.integration.grants.helpers import (
    application_body,
    eur,
    new_application,
    new_call,
    new_organisation,
    outbox_events,
    submitted_application,
    valid_nip,
)


def bad_nip() -> str:
    nip = valid_nip()
    return nip[:9] + str((int(nip[9]) + 1) % 10)


async def test_an_invalid_nip_checksum_is_refused_and_nothing_is_stored(
    platform: RunningPlatform,
) -> None:
    nip = bad_nip()
    resp = await platform.client.post(
        "/api/grants/organisations",
        headers=platform.auth("ngo"),
        json={
            "name": "Stowarzyszenie Most",
            "nip": nip,
            "kind": "ngo",
            "email": "most@example.org",
        },
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "nip"
    assert (
        await platform.runtime.pool("grants").fetchval(
            "select count(*) from organisations where nip=$1", nip
        )
        == 0
    )


async def test_a_bad_krs_and_unknown_fields_are_refused(platform: RunningPlatform) -> None:
    body = {"name": "Fundacja", "nip": valid_nip(), "kind": "ngo", "email": "f@example.org"}
    krs = await platform.client.post(
        "/api/grants/organisations", headers=platform.auth("ngo"), json={**body, "krs": "12ab"}
    )
    assert krs.status_code == 422 and krs.json()["errors"][0]["field"] == "krs"
    extra = await platform.client.post(
        "/api/grants/organisations", headers=platform.auth("ngo"), json={**body, "x": 1}
    )
    assert extra.status_code == 400


async def test_a_fresh_representative_acts_for_the_organisation_they_registered(
    platform: RunningPlatform,
) -> None:
    subject = f"ngo-{uuid.uuid4().hex[:6]}"
    headers = platform.auth("ngo", subject=subject)
    assert (
        await platform.client.get("/api/grants/organisations/mine", headers=headers)
    ).status_code == 403
    resp = await platform.client.post(
        "/api/grants/organisations",
        headers=headers,
        json={
            "name": "Fundacja Nowa",
            "nip": valid_nip(),
            "kind": "minority_organisation",
            "email": "n@example.org",
        },
    )
    mine = await platform.client.get("/api/grants/organisations/mine", headers=headers)
    assert mine.json()["id"] == resp.json()["id"] and mine.json()["kind"] == "minority_organisation"


async def test_only_coordinators_create_calls_and_only_ngos_apply(
    platform: RunningPlatform,
) -> None:
    assert (await platform.client.post("/api/grants/calls", json={})).status_code == 401
    assert (
        await platform.client.post("/api/grants/calls", json={}, headers=platform.auth("ngo"))
    ).status_code == 403
    call_id = await new_call(platform)
    resp = await platform.client.post(
        f"/api/grants/calls/{call_id}/applications",
        json=application_body(),
        headers=platform.auth("evaluator"),
    )
    assert resp.status_code == 403


async def test_a_request_over_the_maximum_or_not_adding_up_is_refused_naming_the_difference(
    platform: RunningPlatform,
) -> None:
    call_id = await new_call(platform)
    _, headers = await new_organisation(platform)
    url = f"/api/grants/calls/{call_id}/applications"
    over = await platform.client.post(url, headers=headers, json=application_body(310_000))
    assert over.status_code == 422 and "10000 over the maximum" in over.json()["detail"]
    body = application_body(300_000, (200_000, 50_000))
    short = await platform.client.post(url, headers=headers, json=body)
    assert short.status_code == 422
    assert short.json()["errors"][0] == {
        "field": "budget_lines",
        "message": "add up to 250000, which is 50000 less than the requested 300000",
    }
    pln = await platform.client.post(
        url,
        headers=headers,
        json={**application_body(), "requested": {"amount": 300_000, "currency": "PLN"}},
    )
    assert pln.status_code == 422
    off_objective = await platform.client.post(
        url, headers=headers, json={**application_body(), "objectives": [1]}
    )
    assert (
        off_objective.status_code == 422
        and off_objective.json()["errors"][0]["field"] == "objectives"
    )


async def test_another_organisations_representative_gets_403(platform: RunningPlatform) -> None:
    call_id = await new_call(platform)
    _, owner = await new_organisation(platform)
    _, other = await new_organisation(platform)
    app_id = await new_application(platform, call_id, owner)
    for method, path in (("post", "submit"), ("post", "withdraw"), ("get", "")):
        resp = await platform.client.request(
            method.upper(), f"/api/grants/applications/{app_id}/{path}".rstrip("/"), headers=other
        )
        assert resp.status_code == 403, (path, resp.text)


async def test_submitted_applications_are_frozen_and_submitted_once(
    platform: RunningPlatform,
) -> None:
    call_id = await new_call(platform)
    _, headers = await new_organisation(platform)
    app_id = await new_application(platform, call_id, headers)
    edited = await platform.client.put(
        f"/api/grants/applications/{app_id}", headers=headers, json=application_body(200_000)
    )
    assert edited.status_code == 200
    assert (
        await platform.client.post(f"/api/grants/applications/{app_id}/submit", headers=headers)
    ).status_code == 200
    again = await platform.client.post(f"/api/grants/applications/{app_id}/submit", headers=headers)
    assert again.status_code == 409 and "already submitted" in again.json()["detail"]
    frozen = await platform.client.put(
        f"/api/grants/applications/{app_id}", headers=headers, json=application_body()
    )
    assert frozen.status_code == 409
    view = (await platform.client.get(f"/api/grants/applications/{app_id}", headers=headers)).json()
    assert view["requested"] == eur(200_000) and view["status"] == "submitted"


async def test_a_withdrawn_application_is_announced_only_if_it_was_submitted(
    platform: RunningPlatform,
) -> None:
    call_id = await new_call(platform)
    _, headers = await new_organisation(platform)
    draft = await new_application(platform, call_id, headers)
    sent = await submitted_application(platform, call_id, headers)
    for app_id in (draft, sent):
        assert (
            await platform.client.post(
                f"/api/grants/applications/{app_id}/withdraw", headers=headers
            )
        ).json() == {"status": "withdrawn"}
    assert [t for t, _ in await outbox_events(platform, application_id=draft)] == []
    assert "grants.application_withdrawn" in [
        t for t, _ in await outbox_events(platform, application_id=sent)
    ]


async def test_formal_check_needs_a_reason_to_refuse_and_happens_once(
    platform: RunningPlatform,
) -> None:
    call_id = await new_call(platform)
    _, headers = await new_organisation(platform)
    app_id = await submitted_application(platform, call_id, headers)
    url = f"/api/grants/applications/{app_id}/formal-check"
    coordinator = platform.auth("coordinator")
    no_reason = await platform.client.post(url, headers=coordinator, json={"eligible": False})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    assert (
        await platform.client.post(url, headers=coordinator, json={"eligible": True})
    ).status_code == 200
    assert (
        await platform.client.post(url, headers=coordinator, json={"eligible": True})
    ).status_code == 409


async def test_evaluators_score_only_what_they_are_assigned_within_each_maximum(
    platform: RunningPlatform,
) -> None:
    call_id = await new_call(platform)
    _, headers = await new_organisation(platform)
    app_id = await submitted_application(platform, call_id, headers)
    coordinator = platform.auth("coordinator")
    subjects = [f"ev-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    for s in subjects:
        await platform.client.post(
            f"/api/grants/calls/{call_id}/evaluators",
            headers=coordinator,
            json={"subject": s, "name": "Ewa Nowak", "email": f"{s}@example.org"},
        )
    dup = await platform.client.post(
        f"/api/grants/calls/{call_id}/evaluators",
        headers=coordinator,
        json={"subject": subjects[0], "name": "Ewa Nowak", "email": "e@example.org"},
    )
    assert dup.status_code == 409
    await platform.client.post(
        f"/api/grants/applications/{app_id}/formal-check",
        headers=coordinator,
        json={"eligible": True},
    )
    url = f"/api/grants/applications/{app_id}/evaluations"
    stranger = await platform.client.post(
        url, headers=platform.auth("evaluator"), json={"scores": {"relevance": 1, "feasibility": 1}}
    )
    assert stranger.status_code == 403
    evaluator = platform.auth("evaluator", subject=subjects[0])
    over = await platform.client.post(
        url, headers=evaluator, json={"scores": {"relevance": 11, "feasibility": 1}}
    )
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "scores.relevance"
    ok = await platform.client.post(
        url, headers=evaluator, json={"scores": {"relevance": 7, "feasibility": 3}}
    )
    assert ok.status_code == 201 and ok.json() == {"status": "scored", "score": 66.67}
    assert (
        await platform.client.post(
            url, headers=evaluator, json={"scores": {"relevance": 7, "feasibility": 3}}
        )
    ).status_code == 409
    blind = (
        await platform.client.get(url, headers=platform.auth("evaluator", subject=subjects[1]))
    ).json()
    assert [v["scores"] for v in blind] == [None]


async def test_a_coordinator_cannot_score_even_as_the_assigned_evaluators_account(
    platform: RunningPlatform,
) -> None:
    """Scoring is the evaluator's alone: the coordinator role never passes the guard, even for a
    subject that holds the assignment (it would otherwise score in someone's name)."""
    call_id = await new_call(platform)
    _, headers = await new_organisation(platform)
    app_id = await submitted_application(platform, call_id, headers)
    coordinator = platform.auth("coordinator")
    subjects = [f"ev-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    for s in subjects:
        resp = await platform.client.post(
            f"/api/grants/calls/{call_id}/evaluators",
            headers=coordinator,
            json={"subject": s, "name": "Ewa Nowak", "email": f"{s}@example.org"},
        )
        assert resp.status_code == 201, resp.text
    resp = await platform.client.post(
        f"/api/grants/applications/{app_id}/formal-check",
        headers=coordinator,
        json={"eligible": True},
    )
    assert resp.json()["evaluators_assigned"] == 2
    url = f"/api/grants/applications/{app_id}/evaluations"
    as_coordinator = platform.auth("coordinator", subject=subjects[0])
    resp = await platform.client.post(
        url, headers=as_coordinator, json={"scores": {"relevance": 7, "feasibility": 3}}
    )
    assert resp.status_code == 403, resp.text
    assert "evaluator" in resp.json()["detail"]
    queue = await platform.client.get("/api/grants/evaluations/queue", headers=as_coordinator)
    assert queue.status_code == 403
    seen = (await platform.client.get(url, headers=coordinator)).json()
    assert [v["submitted"] for v in seen] == [False, False], "nothing was scored"
    # The evaluator themself still can.
    ok = await platform.client.post(
        url,
        headers=platform.auth("evaluator", subject=subjects[0]),
        json={"scores": {"relevance": 7, "feasibility": 3}},
    )
    assert ok.status_code == 201, ok.text


async def test_no_decision_before_the_deadline_or_while_evaluations_are_missing(
    platform: RunningPlatform,
) -> None:
    call_id = await new_call(platform)
    _, headers = await new_organisation(platform)
    await submitted_application(platform, call_id, headers)
    resp = await platform.client.post(
        f"/api/grants/calls/{call_id}/decision", headers=platform.auth("coordinator")
    )
    assert resp.status_code == 409
    assert "closes at" in resp.json()["detail"] and "formal check" in resp.json()["detail"]
    awards = await platform.client.get(f"/api/grants/calls/{call_id}/awards")
    assert awards.status_code == 409


async def test_a_repeated_idempotency_key_creates_one_call(platform: RunningPlatform) -> None:
    from tests.integration.grants.helpers import CRITERIA

    body = {
        "title": "Granty 2027",
        "budget_total": eur(100_000),
        "max_per_grant": eur(50_000),
        "opens_at": "2026-01-01T00:00:00+01:00",
        "closes_at": "2099-01-01T00:00:00+01:00",
        "criteria": CRITERIA,
    }
    headers = {**platform.auth("coordinator"), "Idempotency-Key": str(uuid.uuid4())}
    first = await platform.client.post("/api/grants/calls", json=body, headers=headers)
    second = await platform.client.post("/api/grants/calls", json=body, headers=headers)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()


async def test_a_call_with_a_bad_shape_is_refused_per_field(platform: RunningPlatform) -> None:
    from tests.integration.grants.helpers import CRITERIA

    base = {
        "title": "Granty",
        "budget_total": eur(100_000),
        "max_per_grant": eur(50_000),
        "opens_at": "2099-01-02T00:00:00+01:00",
        "closes_at": "2099-01-01T00:00:00+01:00",
        "criteria": CRITERIA,
    }
    coordinator = platform.auth("coordinator")
    backwards = await platform.client.post("/api/grants/calls", json=base, headers=coordinator)
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "closes_at"
    one = await platform.client.post(
        "/api/grants/calls", headers=coordinator, json={**base, "evaluators_per_application": 1}
    )
    assert one.status_code == 400
    mixed = await platform.client.post(
        "/api/grants/calls",
        headers=coordinator,
        json={
            **base,
            "opens_at": "2098-01-01T00:00:00Z",
            "max_per_grant": {"amount": 1, "currency": "PLN"},
        },
    )
    assert mixed.status_code == 422
