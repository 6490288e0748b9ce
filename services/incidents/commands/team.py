"""The response team, kept by the coordinator: add (with an invitation mail carrying a
one-time sign-in link) and remove."""

from __future__ import annotations

import uuid
from typing import Any

from services.incidents import mails, store
from services.incidents import refusals as _codes  # noqa: F401 - registers the codes
from services.incidents.commands import PRODUCER, SCHEMA
from services.incidents.schemas import TeamMember, TeamMemberIn
from shared import addresses
from shared.people import invitation_link, new_subject
from shared.refusals import conflict, not_found
from shared.unit_of_work import UnitOfWork

ROLE = "response_team"
HOME = "/incidents/staff"


async def add_member(runtime: Any, coordinator: str, data: TeamMemberIn) -> TeamMember:
    """Put a person on the team; they are mailed a link to the reports."""
    email = addresses.normalise(data.email)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        row = await store.insert_member(
            uow.conn,
            id=uuid.uuid4(),
            subject=new_subject(),
            name=data.name.strip(),
            email=email,
            language=data.language,
            added_by=coordinator,
        )
        if row is None:
            raise conflict("incidents.team.duplicate")
        link = invitation_link(
            runtime, subject=row["subject"], role=ROLE, next=HOME, name=row["name"]
        )
        await uow.queue_mail(
            mails.invite_member(
                runtime.settings, to=email, language=row["language"], name=row["name"], link=link
            ),
            purpose="incidents.team_invitation",
        )
        return TeamMember(
            id=row["id"],
            name=row["name"],
            email=row["email"],
            language=row["language"],
            added_at=row["added_at"],
        )


async def remove_member(runtime: Any, member_id: uuid.UUID) -> None:
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if not await store.remove_member(uow.conn, member_id):
            raise not_found("incidents.team.not_found", member_id=member_id)
