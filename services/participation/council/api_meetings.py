"""HTTP API of the Council's meetings: scheduling, invitations, agenda, RSVP, attendance.

Minutes and resolutions are in api_minutes.py.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException

from services.participation.council import domain, meetings, meetings_store
from services.participation.council.api_members import SECRETARIAT
from services.participation.council.meetings import locked_meeting, meeting_view
from services.participation.council.schemas import (
    AgendaDecisionIn,
    AgendaItem,
    AgendaItemIn,
    Created,
    HeldIn,
    HeldView,
    Meeting,
    MeetingDetail,
    MeetingIn,
    MonthlyIn,
    ProposalIn,
    Rsvp,
    RsvpIn,
)
from shared import idempotency, outbox
from shared.events import utcnow
from shared.http import Conflict, Page, Paging, paging
from shared.ratelimit import LIMITED
from shared.runtime import Runtime

SCHEMA = "participation"
TAGS = ["council"]


@post("/api/council/meetings", guards=[SECRETARIAT], tags=TAGS, status_code=201)
async def create_meeting(
    request: Request[Any, Any, Any], data: MeetingIn, runtime: Runtime
) -> Response[Any]:
    """Schedule a meeting; members in office are invited by e-mail with their RSVP link."""
    body = await request.body()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, "council.create_meeting")
        if replay:
            return idempotency.replay_response(replay)
        meeting_id, mail_ids = await meetings.schedule_meeting(conn, runtime.settings, data)
        created = Created(id=meeting_id)
        await idempotency.remember(conn, key, 201, created)
    for mail_id in mail_ids:
        await runtime.send_mail_soon(SCHEMA, mail_id)
    return Response(created, status_code=201)


@post("/api/council/meetings/monthly", guards=[SECRETARIAT], tags=TAGS, status_code=201)
async def create_monthly(
    request: Request[Any, Any, Any], data: MonthlyIn, runtime: Runtime
) -> Response[Any]:
    """Schedule `count` meetings a month apart (same day and Warsaw time; clamped to month end)."""
    body = await request.body()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, "council.create_monthly")
        if replay:
            return idempotency.replay_response(replay)
        created, events, all_mail = [], [], []
        for starts_at in domain.monthly_starts(data.first_starts_at, data.count):
            meeting_id, mail_ids, scheduled = await meetings.schedule(
                conn, runtime.settings, data.title.strip(), starts_at, data.place.strip()
            )
            created.append(Created(id=meeting_id))
            events.append(scheduled)
            all_mail.extend(mail_ids)
        page = Page(items=created, total=len(created))
        await idempotency.remember(conn, key, 201, page)
        await outbox.add(conn, *events)
    for mail_id in all_mail:
        await runtime.send_mail_soon(SCHEMA, mail_id)
    return Response(page, status_code=201)


@get("/api/council/meetings", guards=[SECRETARIAT], tags=TAGS, dependencies={"page": paging})  # type: ignore[dict-item]
async def list_meetings(runtime: Runtime, page: Paging) -> Page[Meeting]:
    """Every meeting in date order."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await meetings_store.list_meetings(conn, page.limit, page.offset)
    return Page(items=[meeting_view(r) for r in rows], total=total)


@get("/api/council/meetings/{meeting_id:uuid}", guards=[SECRETARIAT], tags=TAGS)
async def get_meeting(meeting_id: uuid.UUID, runtime: Runtime) -> MeetingDetail:
    """A meeting with agenda, RSVPs, attendance, minutes and resolutions."""
    return await meetings.detail(runtime, meeting_id)


@post(
    "/api/council/meetings/{meeting_id:uuid}/cancel",
    guards=[SECRETARIAT],
    tags=TAGS,
    status_code=200,
)
async def cancel_meeting(meeting_id: uuid.UUID, runtime: Runtime) -> Meeting:
    """Cancel a scheduled meeting (no reminders go out; it is not counted)."""
    return await meetings.cancel(runtime, meeting_id)


@post(
    "/api/council/meetings/{meeting_id:uuid}/held", guards=[SECRETARIAT], tags=TAGS, status_code=200
)
async def record_held(meeting_id: uuid.UUID, data: HeldIn, runtime: Runtime) -> HeldView:
    """Record the meeting as held with its attendance; a second call is 409 and changes nothing.

    An attendee whose member_id is not a member in office on the day is recorded as a guest.
    """
    return await meetings.record_held(runtime, meeting_id, data)


# --- agenda -----------------------------------------------------------------------------


def _agenda_open(row: asyncpg.Record) -> None:
    if row["status"] != "scheduled":
        raise Conflict(f"the meeting is {row['status']}; its agenda is closed")


@post(
    "/api/council/meetings/{meeting_id:uuid}/agenda",
    guards=[SECRETARIAT],
    tags=TAGS,
    status_code=201,
)
async def add_agenda_item(
    meeting_id: uuid.UUID, data: AgendaItemIn, runtime: Runtime
) -> AgendaItem:
    """The secretariat puts an item on the agenda."""
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        _agenda_open(await locked_meeting(conn, meeting_id))
        item = AgendaItem(
            id=uuid.uuid4(),
            title=data.title.strip(),
            description=(data.description or "").strip() or None,
            status="accepted",
            proposed_by_member=False,
        )
        await meetings_store.insert_agenda_item(
            conn,
            id=item.id,
            meeting_id=meeting_id,
            title=item.title,
            description=item.description,
            proposed_by_member=None,
            status="accepted",
        )
    return item


async def invitation(conn: asyncpg.Connection, token: str) -> asyncpg.Record:
    """The invitation a token opens; 403 for an unknown token or a member who left."""
    row = await meetings_store.invitation_by_token(conn, domain.hash_token(token))
    if row is None or row["left_on"] is not None:
        raise PermissionDeniedException("this invitation link is not valid")
    return row


async def propose(
    conn: asyncpg.Connection, token: str, title: str, description: str | None
) -> AgendaItem:
    inv = await invitation(conn, token)
    _agenda_open(await locked_meeting(conn, inv["meeting_id"]))
    item = AgendaItem(
        id=uuid.uuid4(),
        title=title.strip(),
        description=(description or "").strip() or None,
        status="proposed",
        proposed_by_member=True,
    )
    await meetings_store.insert_agenda_item(
        conn,
        id=item.id,
        meeting_id=inv["meeting_id"],
        title=item.title,
        description=item.description,
        proposed_by_member=inv["member_id"],
        status="proposed",
    )
    return item


@post("/api/council/proposals", tags=TAGS, status_code=201, security=[{}], opt=LIMITED)
async def propose_item(
    request: Request[Any, Any, Any], data: ProposalIn, runtime: Runtime
) -> AgendaItem:
    """A member proposes an agenda item with the token link of their invitation.

    Limited per client address (RATE_LIMIT_FORMS, and RATE_LIMIT_TOKEN_FAILURES for wrong
    tokens): over a limit, 429 with Retry-After."""
    await runtime.limiter.check_client(request, "forms")
    async with (
        runtime.limiter.token_attempt(request),
        runtime.pool(SCHEMA).acquire() as conn,
        conn.transaction(),
    ):
        return await propose(conn, data.token, data.title, data.description)


@post(
    "/api/council/agenda/{item_id:uuid}/decision", guards=[SECRETARIAT], tags=TAGS, status_code=200
)
async def decide_item(item_id: uuid.UUID, data: AgendaDecisionIn, runtime: Runtime) -> AgendaItem:
    """The secretariat accepts or declines a member's proposal."""
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        item = await meetings_store.agenda_item(conn, item_id)
        if item is None:
            raise NotFoundException(f"no agenda item {item_id}")
        _agenda_open(await locked_meeting(conn, item["meeting_id"]))
        await meetings_store.set_agenda_status(conn, item_id, data.status)
    return AgendaItem(
        id=item_id,
        title=item["title"],
        description=item["description"],
        status=data.status,
        proposed_by_member=item["proposed_by_member"] is not None,
    )


async def answer(conn: asyncpg.Connection, token: str, response: str) -> asyncpg.Record:
    inv = await invitation(conn, token)
    if inv["meeting_status"] != "scheduled":
        raise Conflict(f"the meeting is {inv['meeting_status']}; replies are closed")
    await meetings_store.set_rsvp(conn, inv["meeting_id"], inv["member_id"], response, utcnow())
    return inv


@post("/api/council/rsvp", tags=TAGS, status_code=200, security=[{}], opt=LIMITED)
async def rsvp(request: Request[Any, Any, Any], data: RsvpIn, runtime: Runtime) -> Rsvp:
    """A member answers an invitation (yes, no, maybe) with its token; a later answer replaces it.

    After too many wrong tokens from a client (RATE_LIMIT_TOKEN_FAILURES), 429 with Retry-After."""
    async with (
        runtime.limiter.token_attempt(request),
        runtime.pool(SCHEMA).acquire() as conn,
        conn.transaction(),
    ):
        inv = await answer(conn, data.token, data.response)
    return Rsvp(member_id=inv["member_id"], name=inv["member_name"], response=data.response)


route_handlers = [
    create_meeting,
    create_monthly,
    list_meetings,
    get_meeting,
    cancel_meeting,
    record_held,
    add_agenda_item,
    propose_item,
    decide_item,
    rsvp,
]
