"""Minutes and votes of the Council: draft minutes of a held meeting, their approval at a later
meeting held with a quorum, and resolutions voted at a held meeting with a quorum."""

from __future__ import annotations

import uuid

from services.participation.council import domain, meetings_store, queries, translations
from services.participation.council.commands import PRODUCER, SCHEMA
from services.participation.council.commands.meetings import locked_meeting
from services.participation.council.schemas import (
    ApproveIn,
    Meeting,
    MinutesIn,
    Resolution,
    ResolutionIn,
)
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.refusals import Kind, conflict, invalid, refuse
from shared.runtime import Runtime
from shared.unit_of_work import UnitOfWork


async def draft_minutes(runtime: Runtime, meeting_id: uuid.UUID, data: MinutesIn) -> Meeting:
    """Write or rewrite the draft minutes of a held meeting; approved minutes are final."""
    if not data.text.strip():
        raise invalid("text", "council.minutes.empty")
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        row = await locked_meeting(uow.conn, meeting_id)
        if row["minutes_approved_at"] is not None:
            raise conflict("council.minutes.final")
        if row["status"] != "held":
            raise conflict("council.minutes.not_held")
        await meetings_store.save_minutes(uow.conn, meeting_id, data.text.strip(), utcnow())
        return queries.meeting_view(await meetings_store.meeting(uow.conn, meeting_id))


async def approve_minutes(runtime: Runtime, meeting_id: uuid.UUID, data: ApproveIn) -> Meeting:
    """Record that a later meeting, held with a quorum, approved these minutes; they become
    public. An unknown approving meeting is refused (404) naming `at_meeting_id`."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        row = await locked_meeting(uow.conn, meeting_id)
        approving = await meetings_store.meeting(uow.conn, data.at_meeting_id)
        if approving is None:
            raise refuse(
                Kind.NOT_FOUND, "council.minutes.approving_not_found", field="at_meeting_id"
            )
        refused = domain.minutes_approval_problem(
            row["status"],
            row["starts_at"],
            bool(row["minutes_text"]),
            row["minutes_approved_at"] is not None,
            approving["status"],
            approving["starts_at"],
            approving["quorum_reached"],
        )
        if refused:
            raise refused
        now = utcnow()
        await meetings_store.approve_minutes(uow.conn, meeting_id, now, data.at_meeting_id)
        view = queries.meeting_view(await meetings_store.meeting(uow.conn, meeting_id))
        uow.emit(
            ev.CouncilMinutesApproved(
                meeting_id=meeting_id, approved_at=now, approved_at_meeting_id=data.at_meeting_id
            )
        )
    return view


async def vote(
    runtime: Runtime,
    meeting_id: uuid.UUID,
    data: ResolutionIn,
    i18n: translations.I18n | None = None,
) -> Resolution:
    """Record a vote on a resolution or recommendation at a held meeting with a quorum
    (`i18n`: the title's and text's translations typed on the secretariat's page)."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        row = await locked_meeting(conn, meeting_id)
        if row["status"] != "held":
            raise conflict("council.vote.not_held")
        if not row["quorum_reached"]:
            raise conflict(
                "council.vote.no_quorum",
                present=row["members_present"],
                in_office=row["members_in_office"],
            )
        refused = domain.vote_problem(
            data.votes_for, data.votes_against, data.votes_abstaining, row["members_present"]
        )
        if refused:
            raise refused
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
        await translations.save(conn, "resolution", resolution_id, i18n)
        uow.emit(
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
        )
    return queries.resolution_view(saved)
