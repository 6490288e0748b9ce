"""Nominations: submit (merging duplicates), accept, withdraw — shared by the API and the pages.

Each command runs inside the caller's transaction and returns what to answer, the events to add
to the outbox (the caller adds them last) and the e-mails to send once the transaction commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from litestar.exceptions import NotFoundException, PermissionDeniedException

from services.ambassadors import domain, mails, store
from services.ambassadors.schemas import NominationCreated, NominationIn, NominationState
from shared.config import Settings
from shared.events import catalogue as ev
from shared.events import new_event, utcnow
from shared.http import Conflict
from shared.logs import correlation_id

PRODUCER = "ambassadors"


def event(payload: ev.Payload) -> Any:  # type: ignore[name-defined]
    """An envelope of this service for the outbox."""
    return new_event(payload, producer=PRODUCER, correlation_id=correlation_id.get())


@dataclass
class Outcome:
    """What a command produced: the answer, events for the outbox, mails to send after commit."""

    answer: Any
    events: list[Any] = field(default_factory=list)
    mail_ids: list[uuid.UUID] = field(default_factory=list)


async def submit(
    conn: asyncpg.Connection, settings: Settings, edition_id: uuid.UUID, data: NominationIn
) -> Outcome:
    """Record a nomination; a second nomination of the same candidate joins the first."""
    edition = await store.edition(conn, edition_id, for_update=True)
    if edition is None:
        raise NotFoundException(f"no edition {edition_id}")
    now = utcnow()
    reason = domain.nominations_closed_reason(
        edition["nominations_close_at"], edition["published_at"] is not None, now
    )
    if reason:
        raise Conflict(f"this edition takes no more nominations: {reason}")
    candidate_email = domain.normalise_email(data.candidate_email)
    existing = await store.open_candidacy(conn, edition_id, candidate_email)
    seq = await store.next_seq(conn, edition_id)
    nomination_id = uuid.uuid4()
    reference = domain.format_reference(edition["year"], edition["number"], seq)
    acceptance_token = None if existing else domain.new_token()
    withdrawal_token = domain.new_token()
    await store.insert_nomination(
        conn,
        id=nomination_id,
        edition_id=edition_id,
        seq=seq,
        reference=reference,
        candidate_name=data.candidate_name.strip(),
        candidate_email=candidate_email,
        justification=data.justification.strip(),
        nominator_name=data.nominator_name.strip(),
        nominator_email=domain.normalise_email(data.nominator_email),
        nominator_group=data.nominator_group,
        language=data.language,
        consent=data.consent,
        status="merged" if existing else "awaiting_acceptance",
        merged_into=existing["id"] if existing else None,
        acceptance_token_hash=domain.hash_token(acceptance_token) if acceptance_token else None,
        withdrawal_token_hash=domain.hash_token(withdrawal_token),
        submitted_at=now,
        merged_at=now if existing else None,
    )
    outcome = Outcome(
        NominationCreated(
            id=nomination_id,
            reference=reference,
            status="merged" if existing else "awaiting_acceptance",
            merged_into=existing["id"] if existing else None,
        )
    )
    # Every submission is one application to the competition (the programme's indicator), so
    # NominationSubmitted is emitted for duplicates too; NominationMerged records the merge.
    outcome.events.append(
        event(
            ev.AmbassadorsNominationSubmitted(
                nomination_id=nomination_id,
                edition_id=edition_id,
                language=data.language,
                nominator_group=data.nominator_group,
                submitted_at=now,
            )
        )
    )
    if existing:
        outcome.events.append(
            event(
                ev.AmbassadorsNominationMerged(
                    nomination_id=nomination_id,
                    merged_into=existing["id"],
                    merged_at=now,
                )
            )
        )
    else:
        assert acceptance_token is not None
        outcome.mail_ids.append(
            await mails.ask_candidate(
                conn,
                settings,
                to=candidate_email,
                language=data.language,
                candidate_name=data.candidate_name.strip(),
                year=edition["year"],
                nomination_id=nomination_id,
                token=acceptance_token,
                reference=reference,
            )
        )
    outcome.mail_ids.append(
        await mails.acknowledge_nominator(
            conn,
            settings,
            to=data.nominator_email,
            language=data.language,
            year=edition["year"],
            nomination_id=nomination_id,
            token=withdrawal_token,
            reference=reference,
            merged=existing is not None,
        )
    )
    return outcome


async def accept(conn: asyncpg.Connection, nomination_id: uuid.UUID, token: str) -> Outcome:
    """The candidate accepts with the token from their e-mail; accepting twice changes nothing."""
    row = await store.nomination(conn, nomination_id, for_update=True)
    if row is None:
        raise NotFoundException(f"no nomination {nomination_id}")
    if not domain.tokens_match(token, row["acceptance_token_hash"]):
        raise PermissionDeniedException("this token does not accept this nomination")
    state = NominationState(id=row["id"], reference=row["reference"], status="accepted")
    if row["status"] == "accepted":
        return Outcome(state)
    if row["status"] != "awaiting_acceptance":
        raise Conflict(f"the nomination is {row['status']} and can no longer be accepted")
    edition = await store.edition(conn, row["edition_id"])
    assert edition is not None
    reason = domain.scoring_closed_reason(
        edition["jury_deadline_at"], edition["published_at"] is not None, utcnow()
    )
    if reason:
        raise Conflict(f"too late to accept: {reason}")
    now = utcnow()
    await store.accept(conn, nomination_id, now)
    return Outcome(
        state,
        events=[
            event(ev.AmbassadorsNominationAccepted(nomination_id=nomination_id, accepted_at=now))
        ],
    )


async def withdraw(
    conn: asyncpg.Connection,
    nomination_id: uuid.UUID,
    *,
    token: str | None,
    coordinator: str | None,
) -> Outcome:
    """Withdraw a nomination: by its nominator (their token), the candidate (declining) or the coordinator.

    The candidate and the coordinator withdraw the whole candidacy, with every duplicate merged
    into it. A nominator withdraws their own submission; when others support the same candidacy
    the candidacy stays and only the coordinator can withdraw it.
    """
    row = await store.nomination(conn, nomination_id, for_update=True)
    if row is None:
        raise NotFoundException(f"no nomination {nomination_id}")
    by_candidate = token is not None and domain.tokens_match(token, row["acceptance_token_hash"])
    by_nominator = token is not None and domain.tokens_match(token, row["withdrawal_token_hash"])
    if coordinator is None and not (by_candidate or by_nominator):
        raise PermissionDeniedException("this token does not withdraw this nomination")
    if row["status"] == "withdrawn":
        raise Conflict("the nomination is already withdrawn")
    edition = await store.edition(conn, row["edition_id"])
    assert edition is not None
    if edition["published_at"] is not None:
        raise Conflict("the results of this edition are published")
    whole_candidacy = by_candidate or coordinator is not None
    supporters = [
        s for s in await store.supporters(conn, nomination_id) if s["id"] != nomination_id
    ]
    if not whole_candidacy and row["status"] != "merged" and supporters:
        raise Conflict(
            "other nominators support this candidacy: ask the programme coordinator to withdraw it"
        )
    now = utcnow()
    by = (
        "coordinator:" + coordinator
        if coordinator
        else ("candidate" if by_candidate else "nominator")
    )
    withdrawn = [nomination_id] + (
        [s["id"] for s in supporters] if row["status"] != "merged" else []
    )
    outcome = Outcome(NominationState(id=row["id"], reference=row["reference"], status="withdrawn"))
    for nid in withdrawn:
        await store.withdraw(conn, nid, now, by)
        outcome.events.append(
            event(ev.AmbassadorsNominationWithdrawn(nomination_id=nid, withdrawn_at=now))
        )
    return outcome
