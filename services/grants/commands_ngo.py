"""What people do to act for an organisation, with no staff step: register a new one from a
public page, or ask to join one already registered and be approved by one of its
representatives. Each function is one use case in one `UnitOfWork`, used by the pages (and by
tests); the organisation itself is registered by `commands.register_organisation`, the API's.

- **Registration.** `request_registration` stores who asked (name, address, language) under a
  subject of their own and mails them a one-time sign-in link to the organisation form. Nothing
  else exists until that form is sent (`commands.register_organisation` then binds the person as
  the organisation's representative and completes the registration); a request never completed
  is forgotten after `PENDING_DAYS` (`purge_pending`). An address that already acts for an
  organisation gets the same page and a mail with sign-in links instead, so the form never says
  whether an address is known.
- **Joining.** `request_join` (by NIP or the organisation's id) mails a link with which the
  person confirms (`confirm_join`); the organisation's representatives are then asked by mail to
  decide (`decide_join`); only one of them may, and the person hears the result.

Events carry ids, flags and times only.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from services.grants import domain, mails, store
from services.grants.schemas import JoinRequestIn, RegistrationIn
from shared import addresses
from shared.auth import Principal
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.people import invitation_link, new_subject
from shared.refusals import Kind, Refused, conflict, forbidden, invalid, not_found
from shared.unit_of_work import UnitOfWork

SCHEMA = "grants"
PRODUCER = "grants"
# A registration or a join request not completed (confirmed) within this many days lapses.
PENDING_DAYS = 7
ORGANISATION_FORM = "/grants/organisation/new"


def join_page(request_id: uuid.UUID) -> str:
    return f"/grants/join/{request_id}"


def decision_page(request_id: uuid.UUID) -> str:
    return f"/grants/join-requests/{request_id}"


def lapsed(requested_at: datetime, now: datetime) -> bool:
    return now - requested_at > timedelta(days=PENDING_DAYS)


async def _one_person(conn: Any, email: str) -> None:
    """Requests from one address wait for each other (one person, one subject)."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('grants.person:' || $1))", email)


async def _sign_in_links(uow: UnitOfWork, known: list[Any]) -> list[tuple[str, str]]:
    return [
        (
            r["organisation"],
            invitation_link(
                uow.runtime,
                subject=r["subject"],
                role="ngo",
                org=r["organisation_id"],
                next="/grants",
            ),
        )
        for r in known
    ]


async def request_registration(
    runtime: Any, data: RegistrationIn, *, now: datetime | None = None
) -> None:
    """A person asks to register a new organisation: a sign-in link to the organisation form
    (or, for an address already acting for one, sign-in links) goes to their address."""
    now = now or utcnow()
    if not data.consent:
        raise invalid("consent", "people.consent")
    email = addresses.normalise(data.email)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        await _one_person(conn, email)
        known = list(await store.representatives_by_email(conn, email))
        if known:
            await mails.already_registered(
                uow,
                runtime.settings,
                to=email,
                lang=known[0]["language"],
                links=await _sign_in_links(uow, known),
            )
            return
        pending = await store.pending_registration(conn, email)
        subject = (
            pending["subject"]
            if pending
            else (await store.subject_for_email(conn, email) or new_subject())
        )
        await store.save_registration(
            conn,
            subject=subject,
            email=email,
            name=data.name.strip(),
            language=data.language,
            requested_at=now,
        )
        await mails.registration_link(
            uow,
            runtime.settings,
            to=email,
            lang=data.language,
            name=data.name.strip(),
            link=invitation_link(runtime, subject=subject, role="ngo", next=ORGANISATION_FORM),
        )


async def registration_for(conn: Any, who: Principal, now: datetime) -> Any:
    """The caller's open registration, if they came through one (None for API callers); a
    lapsed one is refused. Used by `commands.register_organisation` in its transaction."""
    row = await store.registration_of(conn, who.subject)
    if row is None or row["completed_at"] is not None:
        return None
    if lapsed(row["requested_at"], now):
        raise conflict("registration.expired")
    return row


async def request_join(
    runtime: Any, data: JoinRequestIn, *, now: datetime | None = None
) -> uuid.UUID | None:
    """A person asks to act for a registered organisation: a link to confirm the request goes
    to their address (a person who already acts for it gets a sign-in link instead). The
    request's id (None in that case)."""
    now = now or utcnow()
    if data.organisation_id is None and not (data.nip or "").strip():
        raise invalid("nip", "join.organisation_missing")
    if data.organisation_id is None and (problem := domain.nip_problem(data.nip or "")):
        raise Refused(Kind.INVALID, problem)
    if not data.consent:
        raise invalid("consent", "people.consent")
    email = addresses.normalise(data.email)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        if data.organisation_id is not None:
            org = await store.organisation(conn, data.organisation_id)
            if org is None:
                raise invalid("organisation_id", "join.organisation_missing")
        else:
            org = await store.organisation_by_nip(conn, domain.normalise_nip(data.nip or ""))
            if org is None:
                raise invalid("nip", "join.organisation_unknown")
        await _one_person(conn, email)
        known = [
            r
            for r in await store.representatives_by_email(conn, email)
            if r["organisation_id"] == org["id"]
        ]
        if known:
            await mails.already_registered(
                uow,
                runtime.settings,
                to=email,
                lang=known[0]["language"],
                links=await _sign_in_links(uow, known),
            )
            return None
        name = data.name.strip()
        open_request = await store.open_join_request(conn, org["id"], email)
        if open_request is not None:
            request_id, subject = open_request["id"], open_request["subject"]
            await store.refresh_join_request(conn, request_id, name, data.language, now)
        else:
            request_id = uuid.uuid4()
            subject = await store.subject_for_email(conn, email) or new_subject()
            await store.insert_join_request(
                conn,
                id=request_id,
                organisation_id=org["id"],
                subject=subject,
                email=email,
                name=name,
                language=data.language,
                requested_at=now,
            )
        await mails.join_confirmation(
            uow,
            runtime.settings,
            to=email,
            lang=data.language,
            organisation=org["name"],
            link=invitation_link(runtime, subject=subject, role="ngo", next=join_page(request_id)),
        )
    return request_id


async def confirm_join(
    runtime: Any, who: Principal, request_id: uuid.UUID, *, now: datetime | None = None
) -> None:
    """The person who asked confirms their request (signed in by the link mailed to them); the
    organisation's representatives are asked to decide. Confirming twice changes nothing."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        row = await store.join_request(conn, request_id, for_update=True)
        if row is None:
            raise not_found("join.not_found", request_id=request_id)
        if row["subject"] != who.subject:
            raise forbidden("join.not_yours")
        if row["decided_at"] is not None:
            raise conflict("join.already_decided")
        if row["confirmed_at"] is not None:
            return
        if lapsed(row["requested_at"], now):
            raise conflict("join.expired")
        await store.confirm_join_request(conn, request_id, now)
        uow.emit(
            ev.GrantsRepresentativeJoinRequested(
                request_id=request_id, organisation_id=row["organisation_id"], requested_at=now
            )
        )
        page = decision_page(request_id)
        approvers = await store.representatives_of(conn, row["organisation_id"])
        for rep in approvers:
            await mails.join_to_decide(
                uow,
                runtime.settings,
                to=rep["email"],
                lang=rep["language"],
                organisation=row["organisation"],
                applicant=row["name"],
                applicant_email=row["email"],
                link=invitation_link(
                    runtime,
                    subject=rep["subject"],
                    role="ngo",
                    org=row["organisation_id"],
                    next=page,
                ),
            )
        if not approvers:  # nobody to sign in: the organisation's address, with the page
            org = await store.organisation(conn, row["organisation_id"])
            await mails.join_to_decide(
                uow,
                runtime.settings,
                to=org["email"],
                lang=org["language"],
                organisation=row["organisation"],
                applicant=row["name"],
                applicant_email=row["email"],
                link=f"{runtime.settings.public_url}{page}",
            )


async def decide_join(
    runtime: Any,
    who: Principal,
    request_id: uuid.UUID,
    approve: bool,
    *,
    now: datetime | None = None,
) -> None:
    """A representative of the organisation approves (the person then acts for it) or declines a
    confirmed request; the person is told by mail."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        row = await store.join_request(conn, request_id, for_update=True)
        if row is None:
            raise not_found("join.not_found", request_id=request_id)
        org_id = row["organisation_id"]
        if not await store.is_representative(conn, org_id, who.subject):
            raise forbidden("join.not_representative")
        if row["decided_at"] is not None:
            raise conflict("join.already_decided")
        if row["confirmed_at"] is None:
            raise conflict("join.not_confirmed")
        await store.decide_join_request(conn, request_id, approve, who.subject, now)
        link = None
        if approve:
            await store.add_representative(
                conn,
                org_id,
                row["subject"],
                email=row["email"],
                name=row["name"],
                language=row["language"],
            )
            link = invitation_link(
                runtime, subject=row["subject"], role="ngo", org=org_id, next="/grants"
            )
        uow.emit(
            ev.GrantsRepresentativeJoinDecided(
                request_id=request_id, organisation_id=org_id, approved=approve, decided_at=now
            )
        )
        await mails.join_result(
            uow,
            runtime.settings,
            to=row["email"],
            lang=row["language"],
            organisation=row["organisation"],
            approved=approve,
            link=link,
        )


async def purge_pending(runtime: Any, *, now: datetime | None = None) -> int:
    """Forget registrations and join requests never completed within `PENDING_DAYS` (the
    personal data of people who did not go on). The number forgotten."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        return await store.purge_registrations(uow.conn, now - timedelta(days=PENDING_DAYS))
