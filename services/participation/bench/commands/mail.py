"""What becomes of each inbound message: the SMTP intake (`intake.py`) stores it raw and calls
`process`; the coordinator decides on a held message with `resolve` (API and page alike).

A message becomes a question (`questions.receive_question`, in the same unit of work as its
settling), a follow-up of its asker's question, or is held for moderation with its reason.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import msgspec

from services.participation.bench import domain, mailparse, mails, store
from services.participation.bench import store_mail as sm
from services.participation.bench import store_questions as sq
from services.participation.bench import store_responders as sr
from services.participation.bench.commands import SCHEMA, unit_of_work
from services.participation.bench.commands.questions import receive_question
from services.participation.bench.schemas import InboundResolutionIn, InboundView, QuestionIn
from shared import addresses
from shared.people import invitation_link
from shared.ratelimit import RateLimited
from shared.refusals import Refused, conflict, invalid, not_found
from shared.runtime import Runtime
from shared.unit_of_work import UnitOfWork

log = logging.getLogger("openkrakow.bench.intake")

MAX_QUESTION_CHARS = 2000


async def process(runtime: Runtime, inbound_id: uuid.UUID) -> str:
    """Decide the fate of a stored message (idempotent: a processed message is left alone)."""
    async with unit_of_work(runtime) as uow:
        row = await sm.inbound(uow.conn, inbound_id, lock=True)
        if row is None or row["status"] != "received":
            return row["status"] if row else "missing"
        outcome = await _decide(uow, row)
    return outcome


async def _hold(
    conn: Any, inbound_id: uuid.UUID, reason: str, detail: str, message_id: str | None = None
) -> str:
    await sm.settle(
        conn,
        inbound_id,
        status="moderation",
        reason=reason,
        detail=mailparse.clean_text(detail)[:1000],
        message_id=message_id,
        keep_raw=True,
    )
    return "moderation"


async def _decide(uow: UnitOfWork, row: Any) -> str:
    conn, runtime = uow.conn, uow.runtime
    inbound_id = row["id"]
    try:
        # Off the event loop: the email package reads a 10 MiB message for seconds, and every
        # request of the process would wait for it.
        parsed = await asyncio.to_thread(mailparse.parse_mail, bytes(row["raw"]), row["mail_from"])
    except mailparse.UnreadableMail as exc:
        return await _hold(conn, inbound_id, "unreadable", str(exc))
    detail = "; ".join(
        [
            *parsed.notes,
            *([f"{parsed.attachments} attachment(s) not kept"] if parsed.attachments else []),
        ]
    )
    if parsed.automatic:
        # Before threading: an auto-reply or bounce to our acknowledgement is not a follow-up.
        return await _hold(
            conn,
            inbound_id,
            "automatic",
            "an automatic message (auto-reply, bounce or list mail)",
            parsed.message_id,
        )
    thread = await sq.question_of_thread(conn, parsed.thread_ids)
    asker = addresses.normalise_or_none(thread["asker_email"]) if thread else None
    if thread is not None and (parsed.sender is None or parsed.sender != asker):
        # Someone else's Message-ID in In-Reply-To/References: not the asker writing again.
        # Taken as a mail of its own (a new question, or held), never added to their question.
        detail = "; ".join([*([detail] if detail else []), "a reply in another asker's thread"])
        thread = None
    if thread is not None:
        thread_question = thread["question_id"]
        if not parsed.text:
            return await _hold(
                conn, inbound_id, "empty", "a reply without new text", parsed.message_id
            )
        if mailparse.UNDECODABLE in parsed.text:
            return await _hold(
                conn, inbound_id, "unreadable", _undecodable(parsed.text), parsed.message_id
            )
        await sq.add_followup(
            conn, thread_question, inbound_id, parsed.text[:10000], sender=parsed.sender
        )
        await sq.add_thread_message(conn, parsed.message_id, thread_question, "in")
        reopened = await sq.reopen_after_answer(conn, thread_question)
        if reopened is not None and reopened["responder_email"] and reopened["assigned_to"]:
            # After the answer: its responder is told, with a sign-in link to the question.
            await _tell_responder(uow, reopened)
        await sm.settle(
            conn,
            inbound_id,
            status="reply",
            question_id=thread_question,
            detail=detail or None,
            message_id=parsed.message_id,
        )
        return "reply"
    text = mailparse.question_text(parsed)
    if mailparse.UNDECODABLE in text:
        return await _hold(conn, inbound_id, "unreadable", _undecodable(text), parsed.message_id)
    if len(text) < 10:
        return await _hold(
            conn, inbound_id, "empty", "no question text in the message", parsed.message_id
        )
    # The cheap check first: the spam rules read at most a question's length of text.
    if len(text) > MAX_QUESTION_CHARS:
        return await _hold(
            conn,
            inbound_id,
            "too_long",
            f"{len(text)} characters; the coordinator shortens or splits it",
            parsed.message_id,
        )
    if domain.looks_like_spam(text):
        return await _hold(
            conn, inbound_id, "abusive", "the message looks like spam or abuse", parsed.message_id
        )
    if parsed.sender is None:
        return await _hold(
            conn,
            inbound_id,
            "no_sender",
            "; ".join(["no address to answer to", *parsed.notes]),
            parsed.message_id,
        )
    # The acknowledgement goes to the address in From/Reply-To, which anyone can write: it
    # counts toward that address's limit (RATE_LIMIT_MAIL_ADDRESS) like a question typed on
    # the web form, whatever envelope sender or server it came from. Over it, the message is
    # held for the coordinator (nothing is lost) and no mail goes to that address.
    try:
        await runtime.limiter.check_address(parsed.sender)
    except RateLimited:
        return await _hold(
            conn,
            inbound_id,
            "too_many",
            "more messages to answer to this address than its limit allows; no acknowledgement "
            "sent",
            parsed.message_id,
        )
    edition_id = await _edition_for(conn, runtime, row["rcpt_to"])
    if edition_id is None:
        return await _hold(
            conn,
            inbound_id,
            "no_open_edition",
            f"no edition takes questions for {row['rcpt_to']}",
            parsed.message_id,
        )
    question = QuestionIn(
        text=text,
        topic=domain.guess_topic(f"{parsed.subject}\n{text}"),  # type: ignore[arg-type]
        language=domain.detect_language(text, parsed.content_language),
        consent=True,
        email=parsed.sender,  # type: ignore[arg-type]
    )
    try:
        created = await receive_question(
            uow, edition_id, question, channel="email", thread=(parsed.message_id, parsed.subject)
        )
    except Refused as exc:  # raised before it wrote anything: the edition is gone or closed
        return await _hold(conn, inbound_id, "no_open_edition", str(exc), parsed.message_id)
    await sm.settle(
        conn,
        inbound_id,
        status="question",
        question_id=created.id,
        detail=detail or None,
        message_id=parsed.message_id,
    )
    return "question"


def _undecodable(text: str) -> str:
    count = text.count(mailparse.UNDECODABLE)
    return (
        f"{count} character(s) could not be decoded: the text is not in the charset the "
        "message declares"
    )


async def _edition_for(conn: Any, runtime: Runtime, rcpt: str) -> uuid.UUID | None:
    _ours, tag = mailparse.bench_recipient(rcpt, runtime.settings.intake_domain)
    if tag:
        try:
            return uuid.UUID(tag)
        except ValueError:
            return None
    accepting = await store.editions_accepting(conn)
    return accepting[0]["id"] if accepting else None


async def resolve(
    runtime: Runtime, inbound_id: uuid.UUID, data: InboundResolutionIn, *, by: str
) -> InboundView:
    """The coordinator's decision on a held message: a question, or discarded with a reason.
    Refused: `bench.discard_reason_needed`, `bench.needed_for_question` (422 naming the field),
    `bench.inbound_not_found`, `bench.inbound_not_waiting` (409), as `receive_question`."""
    if data.action == "discard" and not data.reason:
        raise invalid("reason", "bench.discard_reason_needed")
    if data.action == "question":
        for name in ("edition_id", "text", "topic", "language"):
            if getattr(data, name) is None:
                raise invalid(name, "bench.needed_for_question")
    async with unit_of_work(runtime) as uow:
        conn = uow.conn
        row = await sm.inbound(conn, inbound_id, lock=True)
        if row is None:
            raise not_found("bench.inbound_not_found", inbound_id=inbound_id)
        if row["status"] != "moderation":
            raise conflict("bench.inbound_not_waiting", status=row["status"])
        if data.action == "discard":
            await sm.settle(
                conn,
                inbound_id,
                status="discarded",
                reason=row["reason"],
                detail=data.reason,
                resolved_by=by,
            )
        else:
            parsed = _try_parse(bytes(row["raw"] or b""), row["mail_from"])
            question = QuestionIn(
                text=data.text or "",
                topic=data.topic or "other",
                language=data.language or "pl",  # type: ignore[arg-type]
                consent=bool(parsed and parsed.sender),
                email=parsed.sender if parsed else None,
            )
            assert data.edition_id is not None
            created = await receive_question(
                uow,
                data.edition_id,
                question,
                channel="email",
                entered_by=by,
                thread=(parsed.message_id if parsed else None, parsed.subject if parsed else None),
            )
            await sm.settle(
                conn,
                inbound_id,
                status="resolved",
                reason=row["reason"],
                question_id=created.id,
                resolved_by=by,
            )
        updated = await sm.inbound(conn, inbound_id)
    return msgspec.convert({k: updated[k] for k in InboundView.__struct_fields__}, InboundView)


def _try_parse(raw: bytes, mail_from: str | None) -> mailparse.ParsedMail | None:
    try:
        return mailparse.parse_mail(raw, mail_from)
    except mailparse.UnreadableMail:
        return None


async def process_stranded(runtime: Runtime) -> int:
    """Process messages stored but never processed (the process stopped in between)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        ids = await sm.unprocessed(conn)
    for inbound_id in ids:
        try:
            await process(runtime, inbound_id)
        except Exception:  # noqa: BLE001 - hold it for a person rather than retry forever
            log.exception("inbound mail %s could not be processed", inbound_id)
            async with runtime.pool(SCHEMA).acquire() as conn:
                await sm.settle(
                    conn,
                    inbound_id,
                    status="moderation",
                    reason="unprocessable",
                    detail="processing failed; see the logs",
                    keep_raw=True,
                )
    return len(ids)


async def _tell_responder(uow: UnitOfWork, question: Any) -> None:
    """Mail the responder of an answered question that its asker wrote again: in their language
    (the registry's, else Polish), with a one-time sign-in link to the question's page."""
    responder = await sr.active_by_email(uow.conn, question["responder_email"])
    await uow.queue_mail(
        mails.follow_up_notice(
            uow.runtime.settings,
            to=question["responder_email"],
            language=responder["language"] if responder is not None else "pl",
            reference=question["reference"],
            link=invitation_link(
                uow.runtime,
                subject=question["assigned_to"],
                role="responder",
                next=f"/bench/staff/questions/{question['id']}",
            ),
        ),
        purpose="bench.follow_up",
    )
