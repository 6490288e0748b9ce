"""Building blocks for grants tests: organisations, calls and applications through the API."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.helpers.platform import RunningPlatform

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
CRITERIA = [
    {"key": "relevance", "name": "Relevance to the programme", "weight": 2, "max_points": 10},
    {"key": "feasibility", "name": "Feasibility and budget", "weight": 1, "max_points": 5},
]


def valid_nip() -> str:
    while True:
        digits = [random.randint(0, 9) for _ in range(9)]
        check = sum(d * w for d, w in zip(digits, NIP_WEIGHTS, strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def eur(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "EUR"}


async def new_organisation(
    platform: RunningPlatform, kind: str = "ngo"
) -> tuple[str, dict[str, str]]:
    """A registered organisation and the headers of its representative (token with its org)."""
    subject = f"ngo-{uuid.uuid4().hex[:8]}"
    resp = await platform.client.post(
        "/api/grants/organisations",
        json={
            "name": "Fundacja Otwarte Drzwi",
            "nip": valid_nip(),
            "kind": kind,
            "email": f"{subject}@example.org",
        },
        headers=platform.auth("ngo", subject=subject),
    )
    assert resp.status_code == 201, resp.text
    org_id = resp.json()["id"]
    return org_id, platform.auth("ngo", subject=subject, org=uuid.UUID(org_id))


async def new_call(platform: RunningPlatform, *, closes_in: float = 3600, **overrides: Any) -> str:
    now = datetime.now(UTC)
    body = {
        "title": "Małe granty na integrację 2026",
        "budget_total": eur(900_000),
        "max_per_grant": eur(300_000),
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(seconds=closes_in)).isoformat(),
        "criteria": CRITERIA,
        "objectives": [3, 6],
        **overrides,
    }
    resp = await platform.client.post(
        "/api/grants/calls", json=body, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def application_body(
    requested: int = 300_000, lines: tuple[int, ...] | None = None
) -> dict[str, Any]:
    lines = lines or (requested // 2, requested - requested // 2)
    return {
        "title": "Warsztaty językowe dla rodzin",
        "summary": "Cotygodniowe warsztaty języka polskiego dla rodzin z doświadczeniem migracji.",
        "objectives": [3],
        "requested": eur(requested),
        "budget_lines": [
            {"category": "fees", "description": f"line {i}", "amount": eur(a)}
            for i, a in enumerate(lines)
        ],
    }


async def new_application(
    platform: RunningPlatform, call_id: str, headers: dict[str, str], **kw: Any
) -> str:
    resp = await platform.client.post(
        f"/api/grants/calls/{call_id}/applications", json=application_body(**kw), headers=headers
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "draft"
    return resp.json()["id"]


async def submitted_application(
    platform: RunningPlatform, call_id: str, headers: dict[str, str], **kw: Any
) -> str:
    app_id = await new_application(platform, call_id, headers, **kw)
    resp = await platform.client.post(f"/api/grants/applications/{app_id}/submit", headers=headers)
    assert resp.status_code == 200, resp.text
    return app_id


async def wait_until(moment: datetime) -> None:
    delay = (moment - datetime.now(UTC)).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay + 0.05)


async def outbox_events(
    platform: RunningPlatform, **match: str
) -> list[tuple[str, dict[str, Any]]]:
    """(event type, payload) of grants outbox rows whose payload fields equal `match`."""
    import msgspec

    rows = await platform.runtime.pool("grants").fetch("select body from outbox order by seq")
    found = []
    for row in rows:
        envelope = msgspec.json.decode(bytes(row["body"]))
        payload = envelope.get("payload") or envelope.get("data") or {}
        if all(str(payload.get(k)) == v for k, v in match.items()):
            found.append((envelope.get("type"), payload))
    return found


async def award_as_the_city(
    platform: RunningPlatform, call_id: Any, app_ids: list[Any], *, now: datetime
) -> None:
    """What the city does after a call closes, through its use-case functions: two evaluators,
    the formal check, both evaluations of each application, and the decision published at
    `now` (after the call closed: no waiting for the real deadline)."""
    from services.grants import commands
    from services.grants.schemas import EvaluationIn, EvaluatorIn, FormalCheckIn
    from shared.auth import Principal

    runtime = platform.runtime
    coordinator = Principal(subject="coordinator-award", roles=("coordinator",))
    call = uuid.UUID(str(call_id))
    subjects = [f"eval-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    for subject in subjects:
        await commands.add_evaluator(
            runtime,
            call,
            EvaluatorIn(subject=subject, name="Ewa Ocena", email=f"{subject}@example.org"),
        )
    for app_id in app_ids:
        app = uuid.UUID(str(app_id))
        await commands.formal_check(runtime, coordinator, app, FormalCheckIn(eligible=True))
        for subject in subjects:
            await commands.evaluate(
                runtime,
                Principal(subject=subject, roles=("evaluator",)),
                app,
                EvaluationIn(scores={"relevance": 9, "feasibility": 4}),
            )
    await commands.publish_decision(runtime, call, None, now=now)


async def queued_mails(platform: RunningPlatform, address: str) -> list[Any]:
    """The messages queued for `address` in the grants schema, oldest first."""
    from email import message_from_bytes, policy

    rows = await platform.runtime.pool("grants").fetch(
        "select message from outgoing_mail where recipient = $1 order by created_at", address
    )
    return [message_from_bytes(bytes(r["message"]), policy=policy.default) for r in rows]


def body_of(message: Any) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def links_in(text: str) -> list[str]:
    import re

    return re.findall(r"https?://\S+", text)
