"""The coordinator's API for personal data requests: export (art. 15) and erasure (art. 17).

The address travels in a POST body, never in a URL, so it stays out of access logs.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from msgspec import Meta

from shared import idempotency
from shared.auth import current_user, requires
from shared.http import field_error
from shared.privacy import EMAIL_PATTERN, Person, normalise_email
from shared.privacy import coordinator as co
from shared.runtime import Runtime

TAGS = ["privacy"]


class PersonIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Whose data: their e-mail address (any case) and, for a signed-in user, their subject id."""

    email: Annotated[str, Meta(pattern=EMAIL_PATTERN, max_length=254)]
    subject: (
        Annotated[str, Meta(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")] | None
    ) = None

    def person(self) -> Person:
        try:
            return Person(email=normalise_email(self.email), subject=self.subject)
        except ValueError as exc:
            raise field_error("email", "enter an e-mail address like name@example.org") from exc


@post(
    "/api/privacy/erasures",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=202,
)
async def request_erasure(
    request: Request[Any, Any, Any], data: PersonIn, runtime: Runtime
) -> Response[co.ErasureView]:
    """Erase everything held about an address in every service (GDPR art. 17).

    Answers 202 with the request; `GET /api/privacy/erasures/{id}` follows it to `completed`.
    Rows that count toward an indicator are anonymised, not deleted, so no indicator changes.
    Asking again while a request for the address is pending returns that request; asking after
    it completed erases whatever was added since (nothing, usually). Honours `Idempotency-Key`.
    """
    user = current_user(request)
    assert user is not None
    person = data.person()
    # The key's fingerprint is taken over a keyed hash: the stored fingerprint names nobody.
    fingerprint = co.subject_hash(runtime, f"{person.email}\n{person.subject or ''}").encode()
    async with runtime.pool(co.SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, fingerprint, "privacy.erasure")
        if replay:
            return idempotency.replay_response(replay)  # type: ignore[return-value]
        view, _created = await co.request_erasure(conn, runtime, person, by=user.subject)
        await idempotency.remember(conn, key, 202, view)
    # Also when it was pending already: a job lost with Redis is queued again (one per request).
    await co.enqueue(runtime, view.id)
    return Response(view, status_code=202)


@get("/api/privacy/erasures/{request_id:uuid}", guards=[requires("coordinator")], tags=TAGS)
async def get_erasure(request_id: uuid.UUID, runtime: Runtime) -> co.ErasureView:
    """An erasure request: its status and, per service, what was erased (counts) and tries."""
    found = await co.view(runtime, request_id)
    if found is None:
        raise NotFoundException(f"no erasure request {request_id}")
    return found


@post("/api/privacy/exports", guards=[requires("coordinator")], tags=TAGS, status_code=200)
async def export(
    request: Request[Any, Any, Any], data: PersonIn, runtime: Runtime
) -> co.ExportDocument:
    """Everything held about an address, per service and table, as one JSON document (art. 15).

    The request is recorded (who asked, when, and a keyed hash of the address); the document is
    not kept.
    """
    user = current_user(request)
    assert user is not None
    return await co.export(runtime, data.person(), by=user.subject)


route_handlers = [request_erasure, get_erasure, export]
