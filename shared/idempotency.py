"""Idempotency-Key for creating POSTs: a repeat returns the first response, creates nothing.

The key is claimed inside the transaction that creates the object, so "claimed" and "created"
commit or roll back together; a concurrent repeat blocks on the unique key until the first
transaction ends and then reads its stored response.

A key belongs to its caller: `claim` reads the caller from the request itself, so no call site
can forget it. A signed-in caller is their subject (and the organisation they act for); an
anonymous one is their client address (as the rate limits count it, `TRUSTED_PROXIES`
honoured), and a replay must also bring the same body (its hash is the key's fingerprint).
Another caller sending the same key is a new request, checked and authorised like any other:
NGO B replaying NGO A's key on A's application gets B's own 403, never A's 201, and another
client's replay of an anonymous question never gets the asker's tracking token. The caller is
stored as a keyed hash (HMAC with the secret key), never as an address or a subject.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response

from shared.auth import current_user
from shared.http import field_error
from shared.refusals import N_, Wording, invalid, register

HEADER = "Idempotency-Key"


class Replay(msgspec.Struct):
    status: int
    body: bytes


class Claimed(msgspec.Struct, frozen=True):
    """A key claimed by one caller in one scope: what `remember` stores the response under."""

    scope: str  # the call site's scope and the caller's keyed hash
    key: str
    fingerprint: str = ""  # of the request (method, path, body): a replay must be the same


REUSED = register(
    {
        "idempotency.reused": Wording(
            N_("This request was already sent with other content. Reload the page and try again."),
            "was already used for a different request",
        )
    }
)


def caller_of(request: Request[Any, Any, Any]) -> str:
    """Who is asking, as a keyed hash: the signed-in subject (and organisation), else the
    client address."""
    limiter = request.app.state.runtime.limiter
    user = current_user(request)
    if user is not None:
        who = f"user\n{user.subject}\n{user.org or ''}"
    else:
        who = f"anonymous\n{limiter.client_of(request.scope)}"
    return hmac.new(limiter.salt, who.encode(), hashlib.sha256).hexdigest()[:32]


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


def requested(request: Request[Any, Any, Any], body: bytes, scope: str) -> Claimed | None:
    """The edge's half: the request's key bound to its caller and its content, or None when it
    sent no key. The command's unit of work claims it (`UnitOfWork.claim`)."""
    key = key_of(request)
    if key is None:
        return None
    return Claimed(
        scope=f"{scope}@{caller_of(request)}",
        key=key,
        fingerprint=_fingerprint(request.method, request.url.path, body),
    )


async def claim_key(conn: asyncpg.Connection, claimed: Claimed) -> Replay | None:
    """The transaction's half: claim the key; the stored Replay when this caller sent the same
    request before (refused, 422, when the content differs)."""
    inserted = await conn.fetchval(
        "insert into idempotency_keys(scope, key, fingerprint) values ($1, $2, $3) "
        "on conflict do nothing returning true",
        claimed.scope,
        claimed.key,
        claimed.fingerprint,
    )
    if inserted:
        return None
    row = await conn.fetchrow(
        "select fingerprint, status, body from idempotency_keys where scope=$1 and key=$2",
        claimed.scope,
        claimed.key,
    )
    if row["fingerprint"] != claimed.fingerprint:
        raise invalid(HEADER, "idempotency.reused")
    return Replay(status=row["status"], body=bytes(row["body"]))


async def claim(
    conn: asyncpg.Connection, request: Request[Any, Any, Any], body: bytes, scope: str
) -> tuple[Claimed | None, Replay | None]:
    """Claim the request's key for its caller in the current transaction; a Replay when this
    caller used it before for the same request (422 for a different one).

    Call it after the route's guards and before creating anything; pass what it returns to
    `remember`. (Commands in a UnitOfWork take `requested(...)` instead.)"""
    claimed = requested(request, body, scope)
    if claimed is None:
        return None, None
    return claimed, await claim_key(conn, claimed)


async def remember(
    conn: asyncpg.Connection, claimed: Claimed | None, status: int, content: Any
) -> None:
    """Store the response of a claimed key (same transaction as the creation)."""
    if claimed is None:
        return
    await conn.execute(
        "update idempotency_keys set status=$3, body=$4 where scope=$1 and key=$2",
        claimed.scope,
        claimed.key,
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


def respond(answer: Any, status_code: int = 201) -> Response[Any]:
    """The edge's answer to a command run with `requested(...)`: its answer with the route's
    status, or the first answer again (marked as a replay) when the key was replayed."""
    if isinstance(answer, Replay):
        return replay_response(answer)
    return Response(answer, status_code=status_code)
