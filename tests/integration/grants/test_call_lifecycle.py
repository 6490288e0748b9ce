"""The whole life of a call: opened, applied to, checked, evaluated, decided, reported on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.grants.jobs import flag_overdue_reports
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.grants.helpers import (
    eur,
    new_application,
    new_call,
    new_organisation,
    outbox_events,
    submitted_application,
    wait_until,
)

SCORES = {
    "top": {"relevance": 10, "feasibility": 5},
    "mid": {"relevance": 8, "feasibility": 4},
    "low": {"relevance": 5, "feasibility": 2},
}


async def test_a_call_runs_from_opening_to_published_awards_and_reports(
    platform: RunningPlatform,
) -> None:
    client = platform.client
    coordinator = platform.auth("coordinator")
    call_id = await new_call(
        platform, closes_in=4, budget_total=eur(700_000), allow_partial_funding=True
    )
    call = (await client.get(f"/api/grants/calls/{call_id}")).json()
    closes_at = datetime.fromisoformat(call["closes_at"])
    assert call["status"] == "open" and [c["key"] for c in call["criteria"]] == [
        "relevance",
        "feasibility",
    ]

    (org_a, a), (org_b, b), (org_c, c), (_, d), (_, e) = [
        await new_organisation(platform) for _ in range(5)
    ]
    app_a = await submitted_application(platform, call_id, a, requested=300_000)
    app_b = await submitted_application(platform, call_id, b, requested=300_000)
    app_c = await submitted_application(platform, call_id, c, requested=200_000)
    app_e = await submitted_application(platform, call_id, e, requested=100_000)
    late = await new_application(platform, call_id, d, requested=100_000)

    # The pool: one evaluator declares a link to organisation A.
    evaluators = {}
    for name, linked in (("linked", [org_a]), ("second", []), ("third", [])):
        subject = f"eval-{name}-{uuid.uuid4().hex[:6]}"
        resp = await client.post(
            f"/api/grants/calls/{call_id}/evaluators",
            headers=coordinator,
            json={
                "subject": subject,
                "name": f"Evaluator {name}",
                "email": f"{subject}@example.org",
                "linked_organisations": linked,
            },
        )
        assert resp.status_code == 201, resp.text
        evaluators[name] = platform.auth("evaluator", subject=subject)

    for app_id in (app_a, app_b, app_c):
        resp = await client.post(
            f"/api/grants/applications/{app_id}/formal-check",
            headers=coordinator,
            json={"eligible": True},
        )
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"status": "eligible", "evaluators_assigned": 2}
    resp = await client.post(
        f"/api/grants/applications/{app_e}/formal-check",
        headers=coordinator,
        json={"eligible": False, "reason": "The statute does not cover inclusion work."},
    )
    assert resp.json()["status"] == "ineligible"

    queues = {}
    for name, headers in evaluators.items():
        resp = await client.get("/api/grants/evaluations/queue", headers=headers)
        queues[name] = {i["application_id"] for i in resp.json()["items"]}
    assert app_a not in queues["linked"], "never assigned to an organisation they are linked to"
    assert sorted(len(q) for q in queues.values()) == [2, 2, 2], "load is balanced"

    await wait_until(closes_at)
    resp = await client.post(f"/api/grants/applications/{late}/submit", headers=d)
    assert resp.status_code == 409
    assert "deadline" in resp.json()["detail"] and "Europe/Warsaw" in resp.json()["detail"]

    # An evaluator of B declares a conflict and is replaced by the one not yet on it.
    on_b = [n for n, q in queues.items() if app_b in q]
    spare = next(n for n in evaluators if n not in on_b)
    resp = await client.post(
        f"/api/grants/applications/{app_b}/evaluations",
        headers=evaluators[on_b[0]],
        json={"conflict_of_interest": True},
    )
    assert resp.status_code == 201 and resp.json()["status"] == "conflict_declared"
    spare_queue = (
        await client.get("/api/grants/evaluations/queue", headers=evaluators[spare])
    ).json()["items"]
    assert app_b in {i["application_id"] for i in spare_queue}

    grade = {app_a: "top", app_b: "mid", app_c: "low"}
    first_done = False
    for headers in evaluators.values():
        queue = (await client.get("/api/grants/evaluations/queue", headers=headers)).json()["items"]
        for item in queue:
            if item["submitted"]:
                continue
            app_id = item["application_id"]
            seen = (
                await client.get(f"/api/grants/applications/{app_id}/evaluations", headers=headers)
            ).json()
            assert all(v["scores"] is None for v in seen), (
                "no one's scores are visible before one's own"
            )
            resp = await client.post(
                f"/api/grants/applications/{app_id}/evaluations",
                headers=headers,
                json={"scores": SCORES[grade[app_id]], "comment": "Solid plan."},
            )
            assert resp.status_code == 201, resp.text
            first_done = True
    assert first_done

    ranking = (await client.get(f"/api/grants/calls/{call_id}/ranking", headers=coordinator)).json()
    assert ranking["ready"], ranking["blocking"]
    assert [i["application_id"] for i in ranking["items"]] == [app_a, app_b, app_c]
    assert ranking["items"][0]["score"] == 100.0

    resp = await client.post(f"/api/grants/calls/{call_id}/decision", headers=coordinator)
    assert resp.status_code == 200, resp.text
    assert resp.json()["awarded"] == [
        {"application_id": app_a, "amount": eur(300_000), "rank": 1},
        {"application_id": app_b, "amount": eur(300_000), "rank": 2},
        {"application_id": app_c, "amount": eur(100_000), "rank": 3},  # cut to what remains
    ]
    again = await client.post(f"/api/grants/calls/{call_id}/decision", headers=coordinator)
    assert again.status_code == 409
    public = (await client.get(f"/api/grants/calls/{call_id}/awards")).json()["awarded"]
    assert [(w["application_id"], w["amount"]["amount"]) for w in public] == [
        (app_a, 300_000),
        (app_b, 300_000),
        (app_c, 100_000),
    ]
    mine = (await client.get(f"/api/grants/applications/{app_a}", headers=a)).json()
    assert mine["status"] == "awarded" and mine["award"] == eur(300_000)

    async def decision_mails() -> bool:
        texts = [p.read_text(errors="replace") for p in platform.settings.mail_dir.glob("*.eml")]
        return (
            sum(
                "Warsztaty" in t and ("przyznano" in t.lower() or "awarded" in t.lower())
                for t in texts
            )
            >= 3
        )

    await eventually(decision_mails, what="decision e-mails to the three applicants")

    report = {
        "activities": "Twelve workshops held in the Multicultural Centre.",
        "participants_reached": 48,
        "spent": eur(295_000),
    }
    resp = await client.post(f"/api/grants/applications/{app_a}/report", headers=a, json=report)
    assert resp.status_code == 201, resp.text
    assert (
        await client.post(f"/api/grants/applications/{app_a}/report", headers=a, json=report)
    ).status_code == 409
    assert (
        await client.post(f"/api/grants/applications/{app_e}/report", headers=e, json=report)
    ).status_code == 409

    far = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
    await flag_overdue_reports({"runtime": platform.runtime}, today=far)
    await flag_overdue_reports({"runtime": platform.runtime}, today=far)
    overdue = [
        p["application_id"]
        for t, p in await outbox_events(platform)
        if t == "grants.report_overdue"
    ]
    assert overdue.count(app_b) == overdue.count(app_c) == 1 and app_a not in overdue

    types_a = [t for t, _ in await outbox_events(platform, application_id=app_a)]
    for expected in (
        "grants.application_submitted",
        "grants.formal_check_completed",
        "grants.evaluator_assigned",
        "grants.evaluation_submitted",
        "grants.grant_awarded",
        "grants.report_submitted",
    ):
        assert expected in types_a, expected
    published = [
        p
        for t, p in await outbox_events(platform, call_id=call_id)
        if t == "grants.decision_published"
    ]
    assert published == [{**published[0], "awarded_count": 3, "awarded_total": eur(700_000)}]
    assert [t for t, _ in await outbox_events(platform, application_id=late)] == [], (
        "drafts announce nothing"
    )
