"""Steps of an Ambassador of Multiculturalism edition, driven over HTTP against the real platform."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from typing import Any

from shared.events import decode
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually

CRITERIA = [
    {"key": "impact", "name": "Impact on the community", "weight": 2},
    {"key": "engagement", "name": "Long-term engagement", "weight": 1},
]


def address(name: str) -> str:
    """A fresh e-mail address, so tests never read each other's mail."""
    return f"{name}-{uuid.uuid4().hex[:8]}@example.org"


async def new_edition(platform: RunningPlatform, **overrides: Any) -> dict[str, Any]:
    body = {
        "year": datetime.now(UTC).year,
        "nominations_close_at": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
        "criteria": CRITERIA,
        **overrides,
    }
    resp = await platform.client.post(
        "/api/ambassadors/editions", json=body, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def nomination_body(candidate_email: str | None = None, **overrides: Any) -> dict[str, Any]:
    return {
        "candidate_name": "Olena Kovalenko",
        "candidate_email": candidate_email or address("candidate"),
        "justification": "Runs Polish lessons for Ukrainian children in Nowa Huta every Saturday since 2022.",
        "nominator_name": "Jan Nowak",
        "nominator_email": address("nominator"),
        "consent": True,
        **overrides,
    }


async def nominate(
    platform: RunningPlatform, edition_id: str, **overrides: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    body = nomination_body(**overrides)
    resp = await platform.client.post(
        f"/api/ambassadors/editions/{edition_id}/nominations", json=body
    )
    assert resp.status_code == 201, resp.text
    return resp.json(), body


async def mail_to(platform: RunningPlatform, recipient: str, *, count: int = 1) -> list[Any]:
    """The messages delivered to `recipient` (waits until `count` have arrived)."""

    async def arrived() -> list[Any]:
        found = []
        for path in platform.settings.mail_dir.glob("*.eml"):
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if recipient in str(message["To"]):
                found.append(message)
        return found if len(found) >= count else []

    return await eventually(arrived, timeout=15, what=f"{count} message(s) to {recipient}")


async def token_from_mail(platform: RunningPlatform, recipient: str, kind: str) -> str:
    """The token of the `kind` link (accept, withdraw) e-mailed to `recipient`."""
    message = (await mail_to(platform, recipient))[0]
    match = re.search(rf"/{kind}\?token=([A-Za-z0-9_\-]+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


async def accepted_nomination(
    platform: RunningPlatform, edition_id: str, **overrides: Any
) -> dict[str, Any]:
    created, body = await nominate(platform, edition_id, **overrides)
    token = await token_from_mail(platform, body["candidate_email"], "accept")
    resp = await platform.client.post(
        f"/api/ambassadors/nominations/{created['id']}/acceptance", json={"token": token}
    )
    assert resp.status_code == 200, resp.text
    return created


async def appoint(
    platform: RunningPlatform, edition_id: str, **extra: Any
) -> tuple[str, dict[str, str]]:
    """Appoint a fresh juror; returns their subject and their bearer headers."""
    subject = f"juror-{uuid.uuid4().hex[:8]}"
    body = {"subject": subject, "name": "Anna Juror", "email": address("juror"), **extra}
    resp = await platform.client.post(
        f"/api/ambassadors/editions/{edition_id}/jury",
        json=body,
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 201, resp.text
    return subject, platform.auth("juror", subject)


async def score(
    platform: RunningPlatform,
    nomination_id: str,
    headers: dict[str, str],
    impact: int,
    engagement: int,
):
    return await platform.client.post(
        f"/api/ambassadors/nominations/{nomination_id}/scores",
        json={"scores": {"impact": impact, "engagement": engagement}, "comment": "Solid work."},
        headers=headers,
    )


async def outbox_events(platform: RunningPlatform, **payload_filter: str) -> list[Any]:
    """Events in the ambassadors outbox whose payload has every given field (as a string)."""
    rows = await platform.runtime.pool("ambassadors").fetch("select body from outbox order by seq")
    events = [decode(bytes(r["body"])) for r in rows]
    return [
        e
        for e in events
        if all(str(getattr(e.payload, k, None)) == v for k, v in payload_filter.items())
    ]


async def close_nominations(platform: RunningPlatform, edition_id: str) -> None:
    """Let the nominations' closing time pass (the clock moving on, not an API call)."""
    async with platform.runtime.pool("ambassadors").acquire() as conn:
        await conn.execute(
            "update editions set nominations_close_at = now() - interval '1 second' where id = $1",
            uuid.UUID(edition_id),
        )
