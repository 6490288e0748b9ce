"""The secretariat's API of the Council (coordinator and council secretary): the quorum rule,
calls, applications, appointments and departures, meetings, agenda, minutes and votes."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, delete, get, post, put
from litestar.params import Parameter

from services.participation.council import queries
from services.participation.council.api import SECRETARIAT, TAGS, created
from services.participation.council.commands import meetings, members, minutes, secretaries
from services.participation.council.schemas import (
    AgendaDecisionIn,
    AgendaItem,
    AgendaItemIn,
    ApplicationView,
    AppointmentIn,
    ApproveIn,
    CallIn,
    HeldIn,
    HeldView,
    LeaveIn,
    Meeting,
    MeetingDetail,
    MeetingIn,
    Member,
    MinutesIn,
    MonthlyIn,
    Resolution,
    ResolutionIn,
    Secretary,
    SecretaryIn,
    SettingsIn,
    SettingsView,
)
from shared import idempotency
from shared.auth import requires
from shared.http import Page, Paging, paging
from shared.runtime import Runtime

# --- settings ---------------------------------------------------------------------------


@get("/api/council/settings", guards=[SECRETARIAT], tags=TAGS)
async def get_settings(runtime: Runtime) -> SettingsView:
    """The quorum rule and what it requires today."""
    return await queries.settings(runtime)


@put("/api/council/settings", guards=[requires("coordinator")], tags=TAGS)
async def put_settings(data: SettingsIn, runtime: Runtime) -> SettingsView:
    """Set the quorum: more than `quorum_percent` % of members in office, at least `quorum_minimum`."""
    return await members.update_settings(runtime, data)


# --- calls, applications, members -------------------------------------------------------


@post("/api/council/calls", guards=[SECRETARIAT], tags=TAGS, status_code=201)
async def open_call(
    request: Request[Any, Any, Any], data: CallIn, runtime: Runtime
) -> Response[Any]:
    """Open a call for members: the term, the seats per category, when applications are taken."""
    members.check_call(data)
    requested = idempotency.requested(request, await request.body(), "council.open_call")
    return created(await members.open_call(runtime, data, requested))


@get(
    "/api/council/calls/{call_id:uuid}/applications",
    guards=[SECRETARIAT],
    tags=TAGS,
    dependencies={"page": paging},
)  # type: ignore[dict-item]
async def list_applications(
    call_id: uuid.UUID, runtime: Runtime, page: Paging
) -> Page[ApplicationView]:
    """The call's applications, oldest first, with the applicants' details."""
    items, total = await queries.applications(runtime, call_id, page.limit, page.offset)
    return Page(items=items, total=total)


@post("/api/council/members", guards=[SECRETARIAT], tags=TAGS, status_code=201)
async def appoint(
    request: Request[Any, Any, Any], data: AppointmentIn, runtime: Runtime
) -> Response[Any]:
    """Appoint a member for a term (from an application, or directly); `replaces` a member who leaves."""
    requested = idempotency.requested(request, await request.body(), "council.appoint")
    return created(await members.appoint(runtime, data, requested))


@post(
    "/api/council/members/{member_id:uuid}/leave", guards=[SECRETARIAT], tags=TAGS, status_code=200
)
async def leave(member_id: uuid.UUID, data: LeaveIn, runtime: Runtime) -> Member:
    """A member resigns, is dismissed, or their term ended; the seat becomes free."""
    return await members.leave(runtime, member_id, data)


@get(
    "/api/council/members/register", guards=[SECRETARIAT], tags=TAGS, dependencies={"page": paging}
)  # type: ignore[dict-item]
async def member_register(
    runtime: Runtime,
    page: Paging,
    include_former: bool = Parameter(query="include_former", default=False),
) -> Page[Member]:
    """The secretariat's register of members, with contact details (and former members on request)."""
    rows, total = await queries.members(runtime, include_former, page.limit, page.offset)
    return Page(items=[queries.member_view(r) for r in rows], total=total)


# --- meetings ---------------------------------------------------------------------------


@post("/api/council/meetings", guards=[SECRETARIAT], tags=TAGS, status_code=201)
async def create_meeting(
    request: Request[Any, Any, Any], data: MeetingIn, runtime: Runtime
) -> Response[Any]:
    """Schedule a meeting; members in office are invited by e-mail with their RSVP link."""
    requested = idempotency.requested(request, await request.body(), "council.create_meeting")
    return created(await meetings.schedule_meeting(runtime, data, requested))


@post("/api/council/meetings/monthly", guards=[SECRETARIAT], tags=TAGS, status_code=201)
async def create_monthly(
    request: Request[Any, Any, Any], data: MonthlyIn, runtime: Runtime
) -> Response[Any]:
    """Schedule `count` meetings a month apart (same day and Warsaw time; clamped to month end)."""
    requested = idempotency.requested(request, await request.body(), "council.create_monthly")
    return created(await meetings.schedule_monthly(runtime, data, requested))


@get("/api/council/meetings", guards=[SECRETARIAT], tags=TAGS, dependencies={"page": paging})  # type: ignore[dict-item]
async def list_meetings(runtime: Runtime, page: Paging) -> Page[Meeting]:
    """Every meeting in date order."""
    items, total = await queries.meetings(runtime, page.limit, page.offset)
    return Page(items=items, total=total)


@get("/api/council/meetings/{meeting_id:uuid}", guards=[SECRETARIAT], tags=TAGS)
async def get_meeting(meeting_id: uuid.UUID, runtime: Runtime) -> MeetingDetail:
    """A meeting with agenda, RSVPs, attendance, minutes and resolutions."""
    return await queries.detail(runtime, meeting_id)


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
    return await meetings.add_agenda_item(runtime, meeting_id, data)


@post(
    "/api/council/agenda/{item_id:uuid}/decision", guards=[SECRETARIAT], tags=TAGS, status_code=200
)
async def decide_item(item_id: uuid.UUID, data: AgendaDecisionIn, runtime: Runtime) -> AgendaItem:
    """The secretariat accepts or declines a member's proposal."""
    return await meetings.decide_item(runtime, item_id, data)


# --- minutes and votes ------------------------------------------------------------------


@put("/api/council/meetings/{meeting_id:uuid}/minutes", guards=[SECRETARIAT], tags=TAGS)
async def draft_minutes(meeting_id: uuid.UUID, data: MinutesIn, runtime: Runtime) -> Meeting:
    """Write or rewrite the draft minutes of a held meeting; approved minutes are final (409)."""
    return await minutes.draft_minutes(runtime, meeting_id, data)


@post(
    "/api/council/meetings/{meeting_id:uuid}/minutes/approval",
    guards=[SECRETARIAT],
    tags=TAGS,
    status_code=200,
)
async def approve_minutes(meeting_id: uuid.UUID, data: ApproveIn, runtime: Runtime) -> Meeting:
    """Record that a later meeting, held with a quorum, approved these minutes; they become public."""
    return await minutes.approve_minutes(runtime, meeting_id, data)


@post(
    "/api/council/meetings/{meeting_id:uuid}/resolutions",
    guards=[SECRETARIAT],
    tags=TAGS,
    status_code=201,
)
async def vote(meeting_id: uuid.UUID, data: ResolutionIn, runtime: Runtime) -> Resolution:
    """Record a vote on a resolution or recommendation at a held meeting; without quorum: 409."""
    return await minutes.vote(runtime, meeting_id, data)


# --- the secretariat's people ----------------------------------------------------------


@get("/api/council/secretaries", guards=[requires("coordinator")], tags=TAGS)
async def list_secretaries(runtime: Runtime) -> list[Secretary]:
    """The council secretaries the coordinator registered (name, e-mail, language)."""
    return await queries.secretaries(runtime)


@post("/api/council/secretaries", guards=[requires("coordinator")], tags=TAGS, status_code=201)
async def register_secretary(data: SecretaryIn, runtime: Runtime) -> Secretary:
    """Register a council secretary: they get an invitation mail with a one-time sign-in link;
    an address already registered is 409."""
    return await secretaries.register(runtime, data)


@delete(
    "/api/council/secretaries/{secretary_id:uuid}",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=204,
)
async def remove_secretary(secretary_id: uuid.UUID, runtime: Runtime) -> None:
    """Take a secretary off the register (their address no longer signs in as one)."""
    await secretaries.remove(runtime, secretary_id)


route_handlers: list[Any] = [
    list_secretaries,
    register_secretary,
    remove_secretary,
    get_settings,
    put_settings,
    open_call,
    list_applications,
    appoint,
    leave,
    member_register,
    create_meeting,
    list_meetings,
    get_meeting,
    cancel_meeting,
    record_held,
    create_monthly,
    add_agenda_item,
    decide_item,
    draft_minutes,
    approve_minutes,
    vote,
]
