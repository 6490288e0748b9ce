"""Idempotency-Key for creating POSTs: a repeat returns the first response, creates nothing.

The key is claimed inside the transaction that creates the object, so "claimed" and "created"
commit or roll back together; a concurrent repeat blocks on the unique key until the first
transaction ends and then reads its stored response.
"""

from __future__ import annotations

import hashlib
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response

from shared.http import field_error

HEADER = "Idempotency-Key"


class Replay(msgspec.Struct):
    status: int
    body: bytes


def _fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def key_of(request: Request[Any, Any, Any]) -> str | None:
    """The request's Idempotency-Key, validated (1..255 visible ASCII characters)."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not (0 < len(key) <= 255) or not key.isascii() or not key.isprintable():
        raise field_error(HEADER, "must be 1 to 255 printable ASCII characters", 400)
    return key


async def claim(
    conn: asyncpg.Connection, request: Request[Any, Any, Any], body: bytes, scope: str
) -> tuple[str | None, Replay | None]:
    """Claim the request's key in the current transaction; a Replay when it was used before."""
    key = key_of(request)
    if key is None:
        return None, None
    fingerprint = _fingerprint(request.method, request.url.path, body)
    inserted = await conn.fetchval(
        "insert into idempotency_keys(scope, key, fingerprint) values ($1, $2, $3) "
        "on conflict do nothing returning true",
        scope,
        key,
        fingerprint,
    )
    if inserted:
        return key, None
    row = await conn.fetchrow(
        "select fingerprint, status, body from idempotency_keys where scope=$1 and key=$2",
        scope,
        key,
    )
    if row["fingerprint"] != fingerprint:
        raise field_error(HEADER, "was already used for a different request", 422)
    return key, Replay(status=row["status"], body=bytes(row["body"]))


async def remember(
    conn: asyncpg.Connection, scope: str, key: str | None, status: int, content: Any
) -> None:
    """Store the response of a claimed key (same transaction as the creation)."""
    if key is None:
        return
    await conn.execute(
        "update idempotency_keys set status=$3, body=$4 where scope=$1 and key=$2",
        scope,
        key,
        status,
        msgspec.json.encode(content),
    )


def replay_response(replay: Replay) -> Response[bytes]:
    """The stored first response, marked as a replay."""
    return Response(
        replay.body,
        status_code=replay.status,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"},
    )
