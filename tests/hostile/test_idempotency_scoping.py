"""An Idempotency-Key belongs to the caller who used it first.

Keys were stored per route only: NGO B sending NGO A's key and body to A's `/report` got A's
201 replayed (without B's right to A's application ever being checked), and another client
replaying an anonymous question's key got the first asker's `tracking_token`. Now `claim` scopes
every key to its caller (signed-in subject and organisation; else the client address, with the
body's hash as the fingerprint a replay must match), and grants checks the caller's right to
the object before any replay. The caller who sent it still gets the stored response.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.conftest import Servers
from tests.helpers.platform import RunningPlatform, client_ip, limited_platform
from tests.integration.grants.helpers import (
    eur,
    new_call,
    new_organisation,
    submitted_application,
    wait_until,
)
from tests.integration.test_thin_flow import QUESTION, new_edition

REPORT = {
    "activities": "Twelve workshops held in the Multicultural Centre.",
    "participants_reached": 48,
    "spent": eur(295_000),
}


async def awarded_application(platform: RunningPlatform, ngo: dict[str, str]) -> str:
    """An application of `ngo` that won a grant (the call closed, was evaluated and decided)."""
    client, coordinator = platform.client, platform.auth("coordinator")
    call_id = await new_call(platform, closes_in=3)
    closes_at = datetime.fromisoformat(
        (await client.get(f"/api/grants/calls/{call_id}")).json()["closes_at"]
    )
    app_id = await submitted_application(platform, call_id, ngo, requested=300_000)
    evaluators = []
    for _ in range(2):
        subject = f"ev-{uuid.uuid4().hex[:6]}"
        added = await client.post(
            f"/api/grants/calls/{call_id}/evaluators",
            headers=coordinator,
            json={"subject": subject, "name": "Ewa Nowak", "email": f"{subject}@example.org"},
        )
        assert added.status_code == 201, added.text
        evaluators.append(platform.auth("evaluator", subject=subject))
    checked = await client.post(
        f"/api/grants/applications/{app_id}/formal-check",
        headers=coordinator,
        json={"eligible": True},
    )
    assert checked.status_code == 200, checked.text
    await wait_until(closes_at)
    for headers in evaluators:
        scored = await client.post(
            f"/api/grants/applications/{app_id}/evaluations",
            headers=headers,
            json={"scores": {"relevance": 9, "feasibility": 4}},
        )
        assert scored.status_code == 201, scored.text
    decided = await client.post(f"/api/grants/calls/{call_id}/decision", headers=coordinator)
    assert decided.status_code == 200, decided.text
    assert [w["application_id"] for w in decided.json()["awarded"]] == [app_id]
    return app_id


async def test_another_ngo_replaying_a_key_gets_its_own_refusal_not_the_first_response(
    platform: RunningPlatform,
) -> None:
    _, ngo_a = await new_organisation(platform)
    _, ngo_b = await new_organisation(platform)
    app_id = await awarded_application(platform, ngo_a)
    url = f"/api/grants/applications/{app_id}/report"
    key = {"Idempotency-Key": f"report-{uuid.uuid4()}"}

    first = await platform.client.post(url, json=REPORT, headers={**ngo_a, **key})
    assert first.status_code == 201, first.text

    stolen = await platform.client.post(url, json=REPORT, headers={**ngo_b, **key})
    assert stolen.status_code == 403, stolen.text
    assert "Idempotent-Replayed" not in stolen.headers

    again = await platform.client.post(url, json=REPORT, headers={**ngo_a, **key})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"


async def test_an_anonymous_replay_from_another_client_never_gets_the_askers_token(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path) as platform:
        edition = await new_edition(platform)
        url = f"/api/bench/editions/{edition['id']}/questions"
        key = f"ask-{uuid.uuid4()}"
        asker = {"Idempotency-Key": key, "X-Forwarded-For": client_ip()}
        other = {"Idempotency-Key": key, "X-Forwarded-For": client_ip()}

        first = await platform.client.post(url, json=QUESTION, headers=asker)
        assert first.status_code == 201, first.text
        token = first.json()["tracking_token"]

        replayed: Any = await platform.client.post(url, json=QUESTION, headers=other)
        assert replayed.status_code < 500, replayed.text
        assert token not in replayed.text
        assert replayed.headers.get("Idempotent-Replayed") != "true"

        # The asker's own retry is still answered with what they were first told.
        again = await platform.client.post(url, json=QUESTION, headers=asker)
        assert again.status_code == 201 and again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
        changed = await platform.client.post(
            url, json={**QUESTION, "topic": "housing"}, headers=asker
        )
        assert changed.status_code == 422 and "Idempotency-Key" in changed.text


async def test_a_signed_in_callers_key_is_theirs_alone_on_every_creating_route(
    platform: RunningPlatform,
) -> None:
    """Two coordinators (different subjects) using one key each create their own object."""
    key = f"edition-{uuid.uuid4()}"
    body = {
        "title": "Ławka Dialogu",
        "held_on": "2030-05-20",
        "venue": "Centrum Wielokulturowe",
        "audience": "residents",
        "submissions_close_at": "2030-05-10T12:00:00Z",
    }
    made = []
    for subject in ("coordinator-one", "coordinator-two"):
        headers = {**platform.auth("coordinator", subject=subject), "Idempotency-Key": key}
        resp = await platform.client.post("/api/bench/editions", json=body, headers=headers)
        assert resp.status_code == 201 and "Idempotent-Replayed" not in resp.headers, resp.text
        made.append(resp.json()["id"])
    assert made[0] != made[1]
