"""HTTP API of the Council's minutes and resolutions, and their public record."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import get, post, put
from litestar.exceptions import NotFoundException

from services.participation.council import domain, meetings, meetings_store
from services.participation.council.api_members import SECRETARIAT, event
from services.participation.council.meetings import (
    locked_meeting,
    meeting_detail,
    resolution_view,
)
from services.participation.council.schemas import (
    ApproveIn,
    Meeting,
    MeetingDetail,
    MinutesIn,
    Resolution,
    ResolutionIn,
)
from shared import outbox
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.http import Conflict, Page, Paging, field_error, paging
from shared.runtime import Runtime

SCHEMA = "participation"
TAGS = ["council"]


@put("/api/council/meetings/{meeting_id:uuid}/minutes", guards=[SECRETARIAT], tags=TAGS)
async def draft_minutes(meeting_id: uuid.UUID, data: MinutesIn, runtime: Runtime) -> Meeting:
    """Write or rewrite the draft minutes of a held meeting; approved minutes are final (409)."""
    return await meetings.draft_minutes(runtime, meeting_id, data)


@post(
    "/api/council/meetings/{meeting_id:uuid}/minutes/approval",
    guards=[SECRETARIAT],
    tags=TAGS,
    status_code=200,
)
async def approve_minutes(meeting_id: uuid.UUID, data: ApproveIn, runtime: Runtime) -> Meeting:
    """Record that a later meeting, held with a quorum, approved these minutes; they become public."""
    return await meetings.approve_minutes(runtime, meeting_id, data)


@post(
    "/api/council/meetings/{meeting_id:uuid}/resolutions",
    guards=[SECRETARIAT],
    tags=TAGS,
    status_code=201,
)
async def vote(meeting_id: uuid.UUID, data: ResolutionIn, runtime: Runtime) -> Resolution:
    """Record a vote on a resolution or recommendation at a held meeting; without quorum: 409."""
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        row = await locked_meeting(conn, meeting_id)
        if row["status"] != "held":
            raise Conflict(
                "votes are recorded at a meeting recorded as held (record attendance first)"
            )
        if not row["quorum_reached"]:
            raise Conflict(
                f"no quorum: {row['members_present']} of {row['members_in_office']} members present; the council cannot vote"
            )
        problem = domain.vote_problem(
            data.votes_for, data.votes_against, data.votes_abstaining, row["members_present"]
        )
        if problem:
            raise field_error("votes_for", problem)
        now = utcnow()
        year = row["starts_at"].astimezone(domain.WARSAW).year
        number = domain.format_resolution_number(
            year, await meetings_store.next_resolution_seq(conn, year)
        )
        resolution_id = uuid.uuid4()
        adopted = domain.adopted(data.votes_for, data.votes_against)
        saved = await meetings_store.insert_resolution(
            conn,
            id=resolution_id,
            meeting_id=meeting_id,
            number=number,
            kind=data.kind,
            title=data.title.strip(),
            text=data.text.strip(),
            votes_for=data.votes_for,
            votes_against=data.votes_against,
            votes_abstaining=data.votes_abstaining,
            adopted=adopted,
            voted_at=now,
        )
        await outbox.add(
            conn,
            event(
                ev.CouncilResolutionAdopted(
                    resolution_id=resolution_id,
                    meeting_id=meeting_id,
                    kind=data.kind,
                    votes_for=data.votes_for,
                    votes_against=data.votes_against,
                    votes_abstaining=data.votes_abstaining,
                    adopted=adopted,
                    voted_at=now,
                )
            ),
        )
    return resolution_view(saved)


@get("/api/council/minutes", tags=TAGS, security=[{}], dependencies={"page": paging})  # type: ignore[dict-item]
async def public_minutes(runtime: Runtime, page: Paging) -> Page[MeetingDetail]:
    """Meetings with approved minutes, newest first, with their resolutions (public)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await meetings_store.list_approved(conn, page.limit, page.offset)
        return Page(items=[await meeting_detail(conn, r, public=True) for r in rows], total=total)


@get("/api/council/minutes/{meeting_id:uuid}", tags=TAGS, security=[{}])
async def public_meeting_minutes(meeting_id: uuid.UUID, runtime: Runtime) -> MeetingDetail:
    """One meeting's approved minutes and resolutions (public); 404 until approved."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await meetings_store.meeting(conn, meeting_id)
        if row is None or row["minutes_approved_at"] is None:
            raise NotFoundException("no approved minutes for this meeting")
        return await meeting_detail(conn, row, public=True)


route_handlers: list[Any] = [
    draft_minutes,
    approve_minutes,
    vote,
    public_minutes,
    public_meeting_minutes,
]
