"""Bad input on the question endpoint: a clear 4xx, nothing stored, nothing published."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.platform import RunningPlatform
from tests.integration.test_thin_flow import QUESTION, new_edition


async def counts(platform: RunningPlatform) -> tuple[int, int]:
    """Questions stored and their events (only these: the session's background jobs add other
    events meanwhile, e.g. an edition closed by the clock, an answer delivered)."""
    from shared.events import subject_for

    pool = platform.runtime.pool("participation")
    return (
        await pool.fetchval("select count(*) from bench_questions"),
        await pool.fetchval(
            "select count(*) from outbox where subject = $1",
            subject_for("bench.question_received"),
        ),
    )


CASES: list[Any] = [
    pytest.param(
        {k: v for k, v in QUESTION.items() if k != "text"}, 400, "text", id="missing-text"
    ),
    pytest.param({**QUESTION, "text": 12345678901}, 400, "text", id="text-wrong-type"),
    pytest.param({**QUESTION, "text": "short"}, 400, "text", id="text-too-short"),
    pytest.param({**QUESTION, "text": "x" * 2001}, 400, "text", id="text-too-long"),
    pytest.param({**QUESTION, "topic": "weather"}, 400, "topic", id="unknown-topic"),
    pytest.param({**QUESTION, "language": "de"}, 400, "language", id="unknown-language"),
    pytest.param({**QUESTION, "group": "aliens"}, 400, "group", id="unknown-group"),
    pytest.param({**QUESTION, "email": "not-an-address"}, 400, "email", id="bad-email"),
    pytest.param({**QUESTION, "consent": False}, 422, "consent", id="email-without-consent"),
    pytest.param({**QUESTION, "admin": True}, 400, "admin", id="unknown-field"),
    pytest.param({**QUESTION, "text": "          \n        "}, 422, "text", id="blank-text"),
    pytest.param(
        {**QUESTION, "text": "A question with a NUL \u0000 inside it"},
        400,
        "body",
        id="nul-character",
    ),
]


@pytest.mark.parametrize(("body", "status", "field"), CASES)
async def test_bad_question_is_refused_with_a_message_naming_the_field(
    platform: RunningPlatform, body: dict[str, Any], status: int, field: str
) -> None:
    edition = await new_edition(platform)
    before = await counts(platform)
    resp = await platform.client.post(f"/api/bench/editions/{edition['id']}/questions", json=body)
    assert resp.status_code == status, resp.text
    problem = resp.json()
    assert problem["status"] == status
    assert any(e["field"] == field for e in problem["errors"]), problem
    assert await counts(platform) == before


async def test_a_body_over_one_mebibyte_is_413(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    before = await counts(platform)
    body = json.dumps({**QUESTION, "text": "x" * (1024 * 1024 + 10)})
    resp = await platform.client.post(
        f"/api/bench/editions/{edition['id']}/questions",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 413
    assert await counts(platform) == before


async def test_malformed_json_is_400(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    resp = await platform.client.post(
        f"/api/bench/editions/{edition['id']}/questions",
        content=b'{"text": ',
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 400


async def test_a_closed_edition_is_409_with_the_reason(platform: RunningPlatform) -> None:
    from datetime import UTC, datetime, timedelta

    edition = await new_edition(
        platform, submissions_close_at=(datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    )
    before = await counts(platform)
    resp = await platform.client.post(
        f"/api/bench/editions/{edition['id']}/questions", json=QUESTION
    )
    assert resp.status_code == 409
    assert "closed" in resp.json()["detail"]
    assert await counts(platform) == before


async def test_an_unknown_edition_is_404(platform: RunningPlatform) -> None:
    resp = await platform.client.post(
        "/api/bench/editions/8f7c1f5e-0000-4000-8000-000000000000/questions", json=QUESTION
    )
    assert resp.status_code == 404


async def test_a_wrong_tracking_token_reveals_nothing(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    created = (
        await platform.client.post(f"/api/bench/editions/{edition['id']}/questions", json=QUESTION)
    ).json()
    wrong = await platform.client.get(
        f"/api/bench/questions/{created['reference']}", params={"token": "x" * 32}
    )
    missing = await platform.client.get(
        "/api/bench/questions/LD-1999-01-0001", params={"token": "x" * 32}
    )
    assert wrong.status_code == missing.status_code == 403
    assert wrong.json()["detail"] == missing.json()["detail"]


@pytest.mark.parametrize("field", ["title", "venue", "audience"])
async def test_an_edition_named_only_in_spaces_is_refused_and_not_created(
    platform: RunningPlatform, field: str
) -> None:
    before = await platform.client.get("/api/bench/editions", params={"limit": 1})
    body = {
        "title": "Ławka Dialogu",
        "held_on": "2031-06-01",
        "venue": "Centrum Wielokulturowe",
        "audience": "everyone",
        "submissions_close_at": "2031-05-20T18:00:00+00:00",
        field: "      ",
    }
    resp = await platform.client.post(
        "/api/bench/editions", json=body, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["errors"][0]["field"] == field
    after = await platform.client.get("/api/bench/editions", params={"limit": 1})
    assert after.json()["total"] == before.json()["total"]
