"""What the jury does, whichever door it uses: the coordinator appoints a juror, a juror scores
a candidacy or recuses. The jury API and the jury's pages call these, so blindness, links to
candidates and recusal are written once (the reads are in queries.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.ambassadors import domain, mails, queries, store
from services.ambassadors import refusals as _codes  # noqa: F401 - registers the codes
from services.ambassadors.commands import PRODUCER, SCHEMA
from services.ambassadors.schemas import Juror, JurorIn, ScoreRecorded, ScoresIn
from shared import people
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.idempotency import Claimed, Replay
from shared.refusals import conflict, invalid, not_found
from shared.unit_of_work import UnitOfWork

NOT_SCORED = {
    "awaiting_acceptance": "ambassadors.scores.not_accepted_yet",
    "merged": "ambassadors.scores.merged",
    "withdrawn": "ambassadors.scores.withdrawn",
}


async def appoint_juror(
    runtime: Any,
    coordinator: str,
    edition_id: uuid.UUID,
    data: JurorIn,
    requested: Claimed | None = None,
) -> Juror | Replay:
    """Appoint a juror, with the candidacies they declared a link to; they are invited by
    e-mail with a one-time link to their page.

    Without `data.subject` (the coordinator's page) the subject this schema already holds for
    the address is reused, else a new one is made, so one person has one subject here. One
    seat per address and per subject in an edition (409)."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        conn = uow.conn
        edition = await queries.edition_or_refuse(conn, edition_id, for_update=True)
        if edition["published_at"] is not None:
            raise conflict("ambassadors.edition.published")
        for n in data.linked_nominations:
            linked = await store.nomination(conn, n)
            if linked is None or linked["edition_id"] != edition_id:
                raise invalid(
                    "linked_nominations", "ambassadors.jury.linked_unknown", nomination_id=n
                )
        email, name = data.email.strip().lower(), data.name.strip()
        if data.subject and await store.juror_by_subject(conn, edition_id, data.subject):
            raise conflict("ambassadors.jury.already_member", subject=data.subject)
        if await store.juror_by_email(conn, edition_id, email) is not None:
            raise conflict("ambassadors.jury.address_taken")
        subject = (
            data.subject or await store.subject_of_address(conn, email) or people.new_subject()
        )
        juror_id, now = uuid.uuid4(), utcnow()
        if not await store.insert_juror(
            conn,
            id=juror_id,
            edition_id=edition_id,
            subject=subject,
            name=name,
            email=email,
            appointed_by=coordinator,
            appointed_at=now,
            language=data.language,
        ):
            raise conflict("ambassadors.jury.already_member", subject=subject)
        await store.add_links(conn, juror_id, data.linked_nominations)
        juror = Juror(
            id=juror_id,
            edition_id=edition_id,
            subject=subject,
            name=name,
            linked_nominations=sorted(set(data.linked_nominations)),
        )
        await mails.queue(
            uow,
            mails.welcome_juror(
                runtime.settings,
                to=email,
                language=data.language,
                name=name,
                year=edition["year"],
                nominations_close_at=edition["nominations_close_at"],
                deadline=edition["jury_deadline_at"],
                link=people.invitation_link(
                    uow.runtime, subject=subject, role="juror", next="/ambassadors/jury", name=name
                ),
            ),
        )
        await uow.remember(201, juror)
        uow.emit(
            ev.AmbassadorsJurorAppointed(edition_id=edition_id, juror_id=juror_id, appointed_at=now)
        )
    return juror


async def remove_juror(
    runtime: Any, coordinator: str, edition_id: uuid.UUID, juror_id: uuid.UUID
) -> None:
    """Take a juror off the edition's jury before they have decided anything: a juror who has
    scored or recused stays (the ranking rests on their decisions), and nothing changes once
    the results are published (409)."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        edition = await queries.edition_or_refuse(conn, edition_id, for_update=True)
        if edition["published_at"] is not None:
            raise conflict("ambassadors.edition.published")
        juror = await store.juror(conn, juror_id)
        if juror is None or juror["edition_id"] != edition_id:
            raise not_found("ambassadors.jury.juror_not_found", juror_id=juror_id)
        if await store.decisions_of_juror(conn, juror_id):
            raise conflict("ambassadors.jury.has_decided", name=juror["name"])
        await store.delete_juror(conn, juror_id)


async def submit_scores(
    runtime: Any, subject: str, nomination_id: uuid.UUID, data: ScoresIn
) -> ScoreRecorded:
    """Score each criterion (final once submitted) or recuse.

    Refused 404 (no nomination), 403 (not on the jury, or linked to the candidate), 422 naming
    the score that does not fit the edition's criteria, 409 (not an accepted candidacy, scoring
    closed, a decision already made)."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        row, juror = await queries.juror_access(conn, subject, nomination_id)
        edition = await store.edition(conn, row["edition_id"])
        criteria = [c["key"] for c in await store.criteria(conn, row["edition_id"])]
        problems = domain.scorecard_problems(data.scores, criteria, data.conflict_of_interest)
        if problems:
            name, message = next(iter(problems.items()))
            raise invalid(name, "ambassadors.scores.invalid", problem=message)
        if row["status"] != "accepted":
            raise conflict(NOT_SCORED[row["status"]], merged_into=row["merged_into"])
        now = utcnow()
        reason = domain.scoring_closed_reason(
            edition["jury_deadline_at"], edition["published_at"] is not None, now
        )
        if reason:
            raise conflict("ambassadors.scores.closed", reason=reason)
        recused = data.conflict_of_interest
        if not await store.insert_scorecard(
            conn,
            juror_id=juror["id"],
            nomination_id=nomination_id,
            scores=None if recused else data.scores,
            comment=(data.comment or "").strip() or None,
            recused=recused,
            submitted_at=now,
        ):
            raise conflict("ambassadors.scores.final")
        uow.emit(
            ev.AmbassadorsScoreSubmitted(
                nomination_id=nomination_id,
                juror_id=juror["id"],
                recused=recused,
                submitted_at=now,
            )
        )
    return ScoreRecorded(
        nomination_id=nomination_id, juror_id=juror["id"], recused=recused, submitted_at=now
    )


async def remind_jurors(runtime: Any, now: datetime) -> int:
    """Remind every juror with undecided nominations 3 days and 1 day before the jury deadline;
    the number of reminders queued.

    Each (juror, days before) reminder is claimed in jury_reminders in the transaction that
    queues its e-mail, so a re-run, or two workers at once, never send a reminder twice.
    """
    async with runtime.pool(SCHEMA).acquire() as conn:
        editions = await store.editions_in_jury_phase(conn, now)
    queued = 0
    for edition in editions:
        due = [
            d
            for d in domain.REMINDER_DAYS
            if domain.reminder_due(edition["jury_deadline_at"], now, d)
        ]
        if not due:
            continue
        async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
            for juror in await store.jury_progress(uow.conn, edition["id"]):
                pending = juror["eligible"] - juror["scored"] - juror["recused"]
                if pending <= 0:
                    continue
                # Claim every due stage: a juror appointed late gets one reminder, not two.
                claimed = [await store.claim_reminder(uow.conn, juror["id"], d) for d in due]
                if any(claimed):
                    await mails.queue(
                        uow,
                        mails.remind_juror(
                            runtime.settings,
                            to=juror["email"],
                            language=juror["language"],
                            link=people.invitation_link(
                                uow.runtime,
                                subject=juror["subject"],
                                role="juror",
                                next="/ambassadors/jury",
                                name=juror["name"],
                            ),
                            name=juror["name"],
                            year=edition["year"],
                            deadline=edition["jury_deadline_at"],
                            pending=pending,
                        ),
                    )
                    queued += 1
    return queued
