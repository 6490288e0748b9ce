"""E-mail intake: an SMTP listener for bench@<intake domain>, and what becomes of each message.

Order matters for "nothing is lost": the raw message is committed to `bench_inbound_mail` before
the SMTP server answers 250, and only then parsed. A parse that fails, a message with no
question in it, an automatic reply or a message for no open edition goes to the moderation
queue with its reason; a database that is down makes us answer 451 so the sending server
retries later. Messages over the size limit are refused at DATA with 552, envelope addresses
that are not UTF-8 text at MAIL/RCPT with 553 (they could never be stored).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiosmtpd.smtp import SMTP, Envelope, Session
from litestar.exceptions import NotFoundException

from services.participation.bench import domain, mailparse, service, store
from services.participation.bench import store_mail as sm
from services.participation.bench import store_questions as sq
from services.participation.bench.schemas import InboundResolutionIn, InboundView, QuestionIn
from shared import addresses
from shared.http import Conflict, field_error
from shared.ratelimit import RateLimited
from shared.runtime import Runtime

log = logging.getLogger("openkrakow.bench.intake")

SCHEMA = service.SCHEMA
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
MAX_QUESTION_CHARS = 2000
MAX_RECIPIENTS = 20
# What mail held for moderation may take, raw, altogether (runtime.extras["bench_max_held_bytes"]
# overrides it). Past it new mail gets "452 4.3.1": the sending server keeps it and tries again
# later, while the coordinator clears the queue; so a flood of large mail fills no disk.
MAX_HELD_BYTES = 512 * 1024 * 1024

# Called at MAIL FROM with the peer address and the envelope sender: None to go on, or an SMTP
# reply to refuse with. smtp_intake uses runtime.extras["bench_sender_check"] when set, else the
# rate limits (RATE_LIMIT_SMTP_SENDER, RATE_LIMIT_SMTP_PEER), which answer "451 4.7.1": the
# sending server keeps the message and tries again later, so nothing is lost.
SenderCheck = Callable[[str, str], Awaitable[str | None]]


async def _no_limit(peer: str, sender: str) -> str | None:
    return None


def _malformed(address: str) -> bool:
    """Not UTF-8 (aiosmtpd keeps such bytes as lone surrogates) or with control characters."""
    return mailparse.clean_line(address) != address.strip()


class BenchMailHandler:
    """aiosmtpd handler: accept mail for the bench address, store it, then process it."""

    def __init__(self, runtime: Runtime, sender_check: SenderCheck = _no_limit) -> None:
        self.runtime = runtime
        self.domain = runtime.settings.intake_domain
        self.sender_check = sender_check

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if _malformed(address):
            return "553 5.1.7 the sender address is not valid UTF-8 text"
        refusal = await self.sender_check(str(session.peer[0]) if session.peer else "", address)
        if refusal:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if _malformed(address):
            return "553 5.1.3 the recipient address is not valid UTF-8 text"
        ours, _tag = mailparse.bench_recipient(address, self.domain)
        if not ours:
            return f"550 5.1.1 <{address}>: no such mailbox here; write to bench@{self.domain}"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        limit = int(self.runtime.extras.get("bench_max_held_bytes") or MAX_HELD_BYTES)
        try:
            async with self.runtime.pool(SCHEMA).acquire() as conn:
                if await sm.held_bytes(conn) + len(raw) > limit:
                    log.warning("mail held for moderation is at its limit; answering 452")
                    return "452 4.3.1 too much mail waiting for moderation, try again later"
                inbound_id = await sm.insert_inbound(
                    conn,
                    peer=str(session.peer[0]) if session.peer else None,
                    mail_from=envelope.mail_from,
                    rcpt_to=envelope.rcpt_tos[0],
                    raw=raw,
                )
        except Exception:  # noqa: BLE001 - not stored means not accepted: the sender retries
            log.exception("inbound mail not stored; answering 451")
            return "451 4.3.0 temporary failure, please try again later"
        try:
            await process(self.runtime, inbound_id)
        except Exception:  # noqa: BLE001 - stored already: the recovery sweep processes it later
            log.exception("inbound mail %s stored but not processed yet", inbound_id)
        return f"250 2.0.0 OK queued as {inbound_id}"


async def smtp_intake(runtime: Runtime) -> None:
    """Background part: serve SMTP on settings.smtp_intake_host:port until cancelled."""
    settings = runtime.settings
    handler = BenchMailHandler(
        runtime, runtime.extras.get("bench_sender_check") or runtime.limiter.smtp_check()
    )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=settings.intake_domain,
            ident="Open Krakow Dialogue Bench",
            loop=loop,
        ),
        settings.smtp_intake_host,
        settings.smtp_intake_port,
    )
    log.info("bench SMTP intake on %s:%s", settings.smtp_intake_host, settings.smtp_intake_port)
    try:
        await asyncio.Future()  # until cancelled
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), timeout=5)


async def process(runtime: Runtime, inbound_id: uuid.UUID) -> str:
    """Decide the fate of a stored message (idempotent: a processed message is left alone)."""
    effects = service.Effects()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        row = await sm.inbound(conn, inbound_id, lock=True)
        if row is None or row["status"] != "received":
            return row["status"] if row else "missing"
        outcome = await _decide(conn, runtime, row, effects)
        await effects.commit(conn)
    await effects.after_commit(runtime)
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


async def _decide(conn: Any, runtime: Runtime, row: Any, effects: service.Effects) -> str:
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
        created = await service.receive_question(
            conn,
            runtime,
            edition_id,
            question,
            channel="email",
            effects=effects,
            thread=(parsed.message_id, parsed.subject),
        )
    except (Conflict, NotFoundException) as exc:
        return await _hold(conn, inbound_id, "no_open_edition", exc.detail, parsed.message_id)
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
    """The coordinator's decision on a held message: a question, or discarded with a reason."""
    if data.action == "discard" and not data.reason:
        raise field_error("reason", "say why the message is discarded", 422)
    if data.action == "question":
        for name in ("edition_id", "text", "topic", "language"):
            if getattr(data, name) is None:
                raise field_error(name, "needed to make the message a question", 422)
    effects = service.Effects()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        row = await sm.inbound(conn, inbound_id, lock=True)
        if row is None:
            raise NotFoundException(f"no inbound message {inbound_id}")
        if row["status"] != "moderation":
            raise Conflict(f"the message is {row['status']}, not waiting for moderation")
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
            created = await service.receive_question(
                conn,
                runtime,
                data.edition_id,
                question,
                channel="email",
                effects=effects,
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
        await effects.commit(conn)
    await effects.after_commit(runtime)
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
