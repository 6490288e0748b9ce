"""The thin flow: a question asked on the web is counted by the indicators service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually


async def new_edition(platform: RunningPlatform, **overrides: object) -> dict:
    body = {
        "title": "Ławka Dialogu dla cudzoziemców",
        "held_on": (datetime.now(UTC) + timedelta(days=20)).date().isoformat(),
        "venue": "Centrum Wielokulturowe, ul. Józefińska 14",
        "audience": "foreign residents and minority organisations",
        "submissions_close_at": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
        "answer_due_days": 30,
        **overrides,
    }
    resp = await platform.client.post(
        "/api/bench/editions", json=body, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


async def indicator(platform: RunningPlatform, indicator_id: str, year: int) -> float | None:
    resp = await platform.client.get(
        f"/api/indicators?year={year}", headers=platform.auth("coordinator")
    )
    assert resp.status_code == 200, resp.text
    return next(i["value"] for i in resp.json()["indicators"] if i["id"] == indicator_id)


QUESTION = {
    "text": "Kiedy w szkołach będzie więcej lekcji polskiego dla dzieci z Ukrainy?",
    "topic": "education",
    "language": "uk",
    "consent": True,
    "email": "olena@example.org",
    "group": "forced_migrant",
}


async def test_a_web_question_grows_questions_received_by_one(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    year = datetime.now(UTC).year
    before = await indicator(platform, "bench.questions_received", year)

    resp = await platform.client.post(
        f"/api/bench/editions/{edition['id']}/questions",
        json=QUESTION,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["status"] == "received"
    assert body["reference"].startswith(f"LD-{edition['year']}-")

    async def grown() -> bool:
        return await indicator(platform, "bench.questions_received", year) == before + 1

    await eventually(grown, what="bench.questions_received to grow by one")

    track = await platform.client.get(
        f"/api/bench/questions/{body['reference']}", params={"token": body["tracking_token"]}
    )
    assert track.status_code == 200
    assert track.json() == {"reference": body["reference"], "status": "received"}


async def test_a_repeated_idempotency_key_creates_one_question(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    key = str(uuid.uuid4())
    url = f"/api/bench/editions/{edition['id']}/questions"
    first = await platform.client.post(url, json=QUESTION, headers={"Idempotency-Key": key})
    second = await platform.client.post(url, json=QUESTION, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    listed = await platform.client.get(
        f"/api/bench/editions/{edition['id']}/questions", headers=platform.auth("responder")
    )
    assert listed.json()["total"] == 1

    other = await platform.client.post(
        url, json={**QUESTION, "topic": "housing"}, headers={"Idempotency-Key": key}
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.text
