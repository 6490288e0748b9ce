"""The Council's public API: calls for members and applications, current members, the approved
minutes and resolutions."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post

from services.participation.council import queries
from services.participation.council.api import TAGS, created
from services.participation.council.commands import members
from services.participation.council.schemas import (
    ApplicationIn,
    Call,
    MeetingDetail,
    MemberPublic,
)
from shared import idempotency
from shared.http import Page, Paging, paging
from shared.ratelimit import LIMITED
from shared.runtime import Runtime


@get("/api/council/calls", tags=TAGS, security=[{}], dependencies={"page": paging})  # type: ignore[dict-item]
async def list_calls(runtime: Runtime, page: Paging) -> Page[Call]:
    """Every call for members, newest first (public)."""
    items, total = await queries.calls(runtime, page.limit, page.offset)
    return Page(items=items, total=total)


@get("/api/council/calls/{call_id:uuid}", tags=TAGS, security=[{}])
async def get_call(call_id: uuid.UUID, runtime: Runtime) -> Call:
    """One call for members (public)."""
    return await queries.call(runtime, call_id)


@post(
    "/api/council/calls/{call_id:uuid}/applications",
    tags=TAGS,
    status_code=201,
    security=[{}],
    opt=LIMITED,
)
async def apply(
    request: Request[Any, Any, Any], call_id: uuid.UUID, data: ApplicationIn, runtime: Runtime
) -> Response[Any]:
    """Apply for a seat (organisations and individuals; no account needed).

    Limited per client address (RATE_LIMIT_FORMS) and per e-mail address
    (RATE_LIMIT_MAIL_ADDRESS): over a limit, 429 with Retry-After."""
    await runtime.limiter.check_client(request, "forms")
    members.check_application(data)
    await runtime.limiter.check_address(data.email)
    requested = idempotency.requested(request, await request.body(), f"council.apply:{call_id}")
    return created(await members.receive_application(runtime, call_id, data, requested))


@get("/api/council/members", tags=TAGS, security=[{}], dependencies={"page": paging})  # type: ignore[dict-item]
async def list_members(runtime: Runtime, page: Paging) -> Page[MemberPublic]:
    """The current members (public: name, organisation, category, term)."""
    rows, total = await queries.members(runtime, False, page.limit, page.offset)
    return Page(items=[queries.member_public(r) for r in rows], total=total)


@get("/api/council/minutes", tags=TAGS, security=[{}], dependencies={"page": paging})  # type: ignore[dict-item]
async def public_minutes(runtime: Runtime, page: Paging) -> Page[MeetingDetail]:
    """Meetings with approved minutes, newest first, with their resolutions (public)."""
    items, total = await queries.approved_minutes(runtime, page.limit, page.offset)
    return Page(items=items, total=total)


@get("/api/council/minutes/{meeting_id:uuid}", tags=TAGS, security=[{}])
async def public_meeting_minutes(meeting_id: uuid.UUID, runtime: Runtime) -> MeetingDetail:
    """One meeting's approved minutes and resolutions (public); 404 until approved."""
    return await queries.meeting_minutes(runtime, meeting_id)


route_handlers: list[Any] = [
    list_calls,
    get_call,
    apply,
    list_members,
    public_minutes,
    public_meeting_minutes,
]
