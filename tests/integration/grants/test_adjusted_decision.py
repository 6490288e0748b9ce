"""The coordinator's adjusted decision (`{"awards": [...]}`): each rule refuses a broken list
with a field message and publishes nothing; a good list is published as given, in rank order."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tests.helpers.platform import RunningPlatform
from tests.integration.grants.helpers import (
    eur,
    new_call,
    new_organisation,
    outbox_events,
    submitted_application,
    wait_until,
)


def pln(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "PLN"}


async def evaluated_call(platform: RunningPlatform) -> tuple[str, str, str]:
    """A closed call (budget 400,000 EUR) with two evaluated applications: A ranks first."""
    client, coordinator = platform.client, platform.auth("coordinator")
    call_id = await new_call(platform, closes_in=4, budget_total=eur(400_000))
    closes_at = datetime.fromisoformat(
        (await client.get(f"/api/grants/calls/{call_id}")).json()["closes_at"]
    )
    (_, a), (_, b) = [await new_organisation(platform) for _ in range(2)]
    app_a = await submitted_application(platform, call_id, a, requested=300_000)
    app_b = await submitted_application(platform, call_id, b, requested=200_000)
    evaluators = []
    for _ in range(2):
        subject = f"eval-{uuid.uuid4().hex[:6]}"
        resp = await client.post(
            f"/api/grants/calls/{call_id}/evaluators",
            headers=coordinator,
            json={"subject": subject, "name": "Ewa Nowak", "email": f"{subject}@example.org"},
        )
        assert resp.status_code == 201, resp.text
        evaluators.append(platform.auth("evaluator", subject=subject))
    for app_id in (app_a, app_b):
        resp = await client.post(
            f"/api/grants/applications/{app_id}/formal-check",
            headers=coordinator,
            json={"eligible": True},
        )
        assert resp.json()["evaluators_assigned"] == 2, resp.text
    await wait_until(closes_at)
    scores = {app_a: {"relevance": 10, "feasibility": 5}, app_b: {"relevance": 6, "feasibility": 3}}
    for headers in evaluators:
        for app_id, given in scores.items():
            resp = await client.post(
                f"/api/grants/applications/{app_id}/evaluations",
                headers=headers,
                json={"scores": given},
            )
            assert resp.status_code == 201, resp.text
    return call_id, app_a, app_b


async def test_an_adjusted_list_is_checked_then_published_as_given(
    platform: RunningPlatform,
) -> None:
    call_id, app_a, app_b = await evaluated_call(platform)
    client, coordinator = platform.client, platform.auth("coordinator")
    url = f"/api/grants/calls/{call_id}/decision"
    ranking = (await client.get(f"/api/grants/calls/{call_id}/ranking", headers=coordinator)).json()
    assert ranking["ready"] and [i["application_id"] for i in ranking["items"]] == [app_a, app_b]

    def award(app_id: str, amount: dict[str, Any]) -> dict[str, Any]:
        return {"application_id": app_id, "amount": amount}

    refused = {
        "listed twice": (
            [award(app_a, eur(100_000)), award(app_a, eur(50_000))],
            f"application {app_a} is listed twice",
        ),
        "two currencies": (
            [award(app_a, eur(100_000)), award(app_b, pln(100_000))],
            "use one currency",
        ),
        "not the call's currency": (
            [award(app_a, pln(100_000)), award(app_b, pln(100_000))],
            "amounts must be in the call's currency, EUR",
        ),
        "over the request": (
            [award(app_b, eur(250_000))],
            f"the amount for {app_b} is more than it requested",
        ),
        "over the budget": (
            [award(app_a, eur(300_000)), award(app_b, eur(200_000))],
            "over the budget",
        ),
        "not positive": ([award(app_a, eur(0))], "must be more than zero"),
        "not in the call": (
            [award(str(uuid.uuid4()), eur(1_000))],
            "is not evaluated in this call",
        ),
    }
    for case, (awards, message) in refused.items():
        resp = await client.post(url, headers=coordinator, json={"awards": awards})
        assert resp.status_code == 422, (case, resp.text)
        (error,) = resp.json()["errors"]
        assert error["field"] == "awards", case
        assert message in error["message"], (case, error["message"])
    assert (await client.get(f"/api/grants/calls/{call_id}/awards")).status_code == 409, (
        "nothing was published"
    )
    assert [t for t, _ in await outbox_events(platform, call_id=call_id) if "award" in t] == []

    # Listed out of rank order, cut below the requests: published as given, ranked.
    resp = await client.post(
        url,
        headers=coordinator,
        json={"awards": [award(app_b, eur(150_000)), award(app_a, eur(250_000))]},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["awarded"] == [
        {"application_id": app_a, "amount": eur(250_000), "rank": 1},
        {"application_id": app_b, "amount": eur(150_000), "rank": 2},
    ]
    public = (await client.get(f"/api/grants/calls/{call_id}/awards")).json()["awarded"]
    assert [(w["application_id"], w["amount"], w["rank"]) for w in public] == [
        (app_a, eur(250_000), 1),
        (app_b, eur(150_000), 2),
    ]
    awarded = [
        p for t, p in await outbox_events(platform, call_id=call_id) if t == "grants.grant_awarded"
    ]
    assert sorted((p["application_id"], p["amount"]["amount"]) for p in awarded) == sorted(
        [(app_a, 250_000), (app_b, 150_000)]
    )
