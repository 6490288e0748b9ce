"""Nominations: submit (merging duplicates), accept, withdraw — called by the API and the pages.

Each runs in its own UnitOfWork: a refusal (shared.refusals) rolls everything back; events go to
the outbox and the e-mails are sent once the transaction commits.
"""

from __future__ import annotations

import uuid
from typing import Any

from services.ambassadors import domain, mails, store
from services.ambassadors import refusals as _codes  # noqa: F401 - registers the codes
from services.ambassadors.commands import PRODUCER, SCHEMA
from services.ambassadors.schemas import NominationCreated, NominationIn, NominationState
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.idempotency import Claimed, Replay
from shared.refusals import Status, conflict, forbidden, invalid, not_found
from shared.unit_of_work import UnitOfWork


def check_nomination(data: NominationIn) -> None:
    """What the body's schema cannot say: consent given, a justification worth reading."""
    if not data.consent:
        raise invalid("consent", "ambassadors.nomination.consent")
    if len(data.justification.strip()) < 20:
        raise invalid("justification", "ambassadors.nomination.justification_short")


async def submit(
    runtime: Any,
    edition_id: uuid.UUID,
    data: NominationIn,
    requested: Claimed | None = None,
) -> NominationCreated | Replay:
    """Record a nomination; a second nomination of the same candidate joins the first.

    A new candidacy mails the candidate, so the candidate's address counts against the mail
    limit here, in the transaction: over the limit nothing is stored (a nomination merged into
    an existing candidacy mails the candidate nothing and is never held back by it)."""
    check_nomination(data)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        conn = uow.conn
        edition = await store.edition(conn, edition_id, for_update=True)
        if edition is None:
            raise not_found("ambassadors.edition.not_found", edition_id=edition_id)
        now = utcnow()
        reason = domain.nominations_closed_reason(
            edition["nominations_close_at"], edition["published_at"] is not None, now
        )
        if reason:
            raise conflict("ambassadors.nomination.closed", reason=reason)
        candidate_email = domain.normalise_email(data.candidate_email)
        existing = await store.open_candidacy(conn, edition_id, candidate_email)
        seq = await store.next_seq(conn, edition_id)
        nomination_id = uuid.uuid4()
        reference = domain.format_reference(edition["year"], edition["number"], seq)
        acceptance_token = None if existing else domain.new_token()
        withdrawal_token = domain.new_token()
        status = "merged" if existing else "awaiting_acceptance"
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
            status=status,
            merged_into=existing["id"] if existing else None,
            acceptance_token_hash=domain.hash_token(acceptance_token) if acceptance_token else None,
            withdrawal_token_hash=domain.hash_token(withdrawal_token),
            submitted_at=now,
            merged_at=now if existing else None,
        )
        answer = NominationCreated(
            id=nomination_id,
            reference=reference,
            status=status,
            merged_into=existing["id"] if existing else None,
        )
        # Every submission is one application to the competition (the programme's indicator),
        # so NominationSubmitted is emitted for duplicates too; NominationMerged records it.
        uow.emit(
            ev.AmbassadorsNominationSubmitted(
                nomination_id=nomination_id,
                edition_id=edition_id,
                language=data.language,
                nominator_group=data.nominator_group,
                submitted_at=now,
            )
        )
        if existing:
            uow.emit(
                ev.AmbassadorsNominationMerged(
                    nomination_id=nomination_id, merged_into=existing["id"], merged_at=now
                )
            )
        else:
            assert acceptance_token is not None
            await runtime.limiter.check_address(data.candidate_email)
            await mails.queue(
                uow,
                mails.ask_candidate(
                    runtime.settings,
                    to=candidate_email,
                    language=data.language,
                    candidate_name=data.candidate_name.strip(),
                    year=edition["year"],
                    nomination_id=nomination_id,
                    token=acceptance_token,
                    reference=reference,
                ),
            )
        await mails.queue(
            uow,
            mails.acknowledge_nominator(
                runtime.settings,
                to=data.nominator_email,
                language=data.language,
                year=edition["year"],
                nomination_id=nomination_id,
                token=withdrawal_token,
                reference=reference,
                merged=existing is not None,
            ),
        )
        await uow.remember(201, answer)
    return answer


async def accept(runtime: Any, nomination_id: uuid.UUID, token: str) -> NominationState:
    """The candidate accepts with the token from their e-mail; accepting twice changes nothing."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        row = await store.nomination(uow.conn, nomination_id, for_update=True)
        if row is None:
            raise not_found("ambassadors.nomination.not_found", nomination_id=nomination_id)
        if not domain.tokens_match(token, row["acceptance_token_hash"]):
            raise forbidden("ambassadors.nomination.wrong_acceptance_token")
        state = NominationState(id=row["id"], reference=row["reference"], status="accepted")
        if row["status"] == "accepted":
            return state
        if row["status"] != "awaiting_acceptance":
            raise conflict("ambassadors.nomination.not_acceptable", status=Status(row["status"]))
        edition = await store.edition(uow.conn, row["edition_id"])
        assert edition is not None
        now = utcnow()
        reason = domain.scoring_closed_reason(
            edition["jury_deadline_at"], edition["published_at"] is not None, now
        )
        if reason:
            raise conflict("ambassadors.nomination.acceptance_closed", reason=reason)
        await store.accept(uow.conn, nomination_id, now)
        uow.emit(ev.AmbassadorsNominationAccepted(nomination_id=nomination_id, accepted_at=now))
    return state


def check_withdrawal(token: str | None, coordinator: str | None) -> None:
    """Someone withdraws with the token from their e-mail, or as the coordinator."""
    if coordinator is None and token is None:
        raise invalid("token", "ambassadors.nomination.token_missing")


async def withdraw(
    runtime: Any,
    nomination_id: uuid.UUID,
    *,
    token: str | None,
    coordinator: str | None,
) -> NominationState:
    """Withdraw a nomination: by its nominator (their token), the candidate (declining) or the
    coordinator.

    The candidate and the coordinator withdraw the whole candidacy, with every duplicate merged
    into it. A nominator withdraws their own submission; when others support the same candidacy
    the candidacy stays and only the coordinator can withdraw it.
    """
    check_withdrawal(token, coordinator)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        row = await store.nomination(conn, nomination_id, for_update=True)
        if row is None:
            raise not_found("ambassadors.nomination.not_found", nomination_id=nomination_id)
        by_candidate = token is not None and domain.tokens_match(
            token, row["acceptance_token_hash"]
        )
        by_nominator = token is not None and domain.tokens_match(
            token, row["withdrawal_token_hash"]
        )
        if coordinator is None and not (by_candidate or by_nominator):
            raise forbidden("ambassadors.nomination.wrong_withdrawal_token")
        if row["status"] == "withdrawn":
            raise conflict("ambassadors.nomination.already_withdrawn")
        edition = await store.edition(conn, row["edition_id"])
        assert edition is not None
        if edition["published_at"] is not None:
            raise conflict("ambassadors.edition.published")
        whole_candidacy = by_candidate or coordinator is not None
        supporters = [
            s for s in await store.supporters(conn, nomination_id) if s["id"] != nomination_id
        ]
        if not whole_candidacy and row["status"] != "merged" and supporters:
            raise conflict("ambassadors.nomination.supported_by_others")
        now = utcnow()
        by = (
            "coordinator:" + coordinator
            if coordinator
            else ("candidate" if by_candidate else "nominator")
        )
        withdrawn = [nomination_id] + (
            [s["id"] for s in supporters] if row["status"] != "merged" else []
        )
        for nid in withdrawn:
            await store.withdraw(conn, nid, now, by)
            uow.emit(ev.AmbassadorsNominationWithdrawn(nomination_id=nid, withdrawn_at=now))
    return NominationState(id=row["id"], reference=row["reference"], status="withdrawn")
