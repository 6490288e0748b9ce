"""The council secretaries the coordinator registers: the platform's record of their address,
so that the e-mail sign-in knows them and the invitation reaches them."""

from __future__ import annotations

import uuid

from services.participation.council import mails, queries, store
from services.participation.council.commands import PRODUCER, SCHEMA
from services.participation.council.schemas import Secretary, SecretaryIn
from shared.people import invitation_link, new_subject
from shared.refusals import Kind, not_found, refuse
from shared.runtime import Runtime
from shared.unit_of_work import UnitOfWork


async def register(runtime: Runtime, data: SecretaryIn) -> Secretary:
    """Register a council secretary and mail them, in their language, a one-time link to the
    secretariat's pages (role council_secretary). An address already registered: refused."""
    email = data.email  # normalised by the schema (shared.addresses)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        await conn.execute("select pg_advisory_xact_lock(hashtext('council_secretaries'))")
        if await store.secretary_by_email(conn, email) is not None:
            raise refuse(Kind.CONFLICT, "council.secretary.exists", field="email")
        subject = await store.subject_for_email(conn, email) or new_subject()
        secretary_id = uuid.uuid4()
        name = data.name.strip()
        await store.insert_secretary(
            conn, id=secretary_id, subject=subject, name=name, email=email, language=data.language
        )
        link = invitation_link(
            runtime, subject=subject, role="council_secretary", next="/council/staff"
        )
        await uow.queue_mail(
            mails.secretary_invitation(runtime.settings, email, data.language, name, link),
            purpose="council.secretary",
        )
        view = queries.secretary_view(await store.secretary(conn, secretary_id))
    return view


async def remove(runtime: Runtime, secretary_id: uuid.UUID) -> None:
    """Take a secretary off the register: their address no longer signs in as a secretary."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if await store.secretary(uow.conn, secretary_id) is None:
            raise not_found("council.secretary.not_found", secretary_id=secretary_id)
        await store.delete_secretary(uow.conn, secretary_id)
