"""E-mail intake: an SMTP listener for bench@<intake domain>, and what becomes of each message.

Order matters for "nothing is lost": the raw message is committed to `bench_inbound_mail` before
the SMTP server answers 250, and only then parsed. A parse that fails, a message with no
question in it, an automatic reply or a message for no open edition goes to the moderation
queue with its reason (commands/mail.py decides); a database that is down makes us answer 451 so the sending server
retries later. Messages over the size limit are refused at DATA with 552, envelope addresses
that are not UTF-8 text at MAIL/RCPT with 553 (they could never be stored).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiosmtpd.smtp import SMTP, Envelope, Session

from services.participation.bench import mailparse
from services.participation.bench import store_mail as sm
from services.participation.bench.commands import SCHEMA
from services.participation.bench.commands.mail import MAX_QUESTION_CHARS, process
from shared.runtime import Runtime

log = logging.getLogger("openkrakow.bench.intake")


def _escaped(value: object) -> object:
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


class EscapeUndecodable(logging.Filter):
    """aiosmtpd logs what a sender typed (`MAIL FROM`, `RCPT TO`, bad commands) with the bytes
    that are not UTF-8 kept as lone surrogates, which no UTF-8 log, journal or test report can
    write; each such character is written as its escape (`\\udcff`) instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _escaped(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_escaped(a) for a in record.args)
        return True


SMTP_LOG = logging.getLogger("mail.log")  # aiosmtpd's logger
if not any(isinstance(f, EscapeUndecodable) for f in SMTP_LOG.filters):
    SMTP_LOG.addFilter(EscapeUndecodable())

__all__ = ["MAX_QUESTION_CHARS", "process", "smtp_intake"]

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
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
