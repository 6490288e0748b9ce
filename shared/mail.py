"""Outgoing mail that is never lost: queued in the sender's schema with the change, sent by a job.

A message is written to `outgoing_mail` in the same transaction as the state change it reports
(e.g. an acknowledgement with the question), then an arq job sends it. A mail server that is down
fails the job, which retries with back-off; a sweeper re-enqueues anything still unsent, so even a
lost job (Redis restarted) only delays the message. Without SMTP_URL, messages are written as .eml
files into the outgoing mail folder (the default run).
"""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
import ssl
import uuid
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg

from shared import addresses
from shared.http import field_error
from shared.privacy import ERASED_EMAIL

log = logging.getLogger("openkrakow.mail")


# Everything str.splitlines() breaks at (CR, LF, VT, FF, FS, GS, RS, NEL, U+2028, U+2029) and
# every other control character: none may reach a header line.
_NOT_IN_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(value: str) -> str:
    """Text as one header line: line breaks and control characters become one space."""
    return " ".join(_NOT_IN_HEADER.sub(" ", value).split())


def fits_header(value: str) -> bool:
    """Whether text can go into a header as typed: one line, no control characters."""
    return not _NOT_IN_HEADER.search(value)


ONE_LINE_MESSAGE = "must be one line: no line breaks (CR, LF, U+2028...) or control characters"


def check_header_fields(obj: object, *names: str) -> None:
    """In a msgspec Struct's __post_init__: 422 naming the field when text that will reach a
    mail header (a meeting title in the invitation's Subject) is not one clean line. compose()
    would fold it safely anyway; refusing it at input keeps what is stored what is sent."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, str) and not fits_header(value):
            raise field_error(name, ONE_LINE_MESSAGE)


class _MailPolicy(EmailPolicy):
    """SMTP line endings; message ids in In-Reply-To/References are never RFC 2047-encoded;
    a Subject is encoded so that it reads back exactly as written.

    The standard folder encodes a token longer than a 78-character line (a 70-character Gmail
    Message-ID with its header name is one), and an encoded id no longer threads the reply in
    the reader's mail client. Ids go one per line instead: longer than 78 is allowed (998 is the
    limit); a non-ASCII value (never a real id) falls back to the standard folding.

    The standard folder also splits a non-ASCII Subject between encoded words at a space and
    keeps that space outside them, where RFC 2047 readers drop it ("запитання до" read back as
    "запитаннядо"). A Subject that is not one short ASCII line is written instead as UTF-8
    encoded words that carry their spaces inside them (email.header.Header), which every reader
    decodes to the text as written.
    """

    THREAD_HEADERS = frozenset({"in-reply-to", "references"})
    TEXT_HEADERS = frozenset({"subject"})

    def _fold_text(self, name: str, value: str) -> str:
        text = header_text(str(value))
        if text.isascii() and len(name) + 2 + len(text) <= self.max_line_length:
            return f"{name}: {text}{self.linesep}"
        encoded = Header(text, "utf-8", header_name=name).encode(linesep=self.linesep)
        return f"{name}: {encoded}{self.linesep}"

    def fold(self, name: str, value: str) -> str:
        if name.lower() in self.TEXT_HEADERS:
            return self._fold_text(name, value)
        ids = str(value).split()
        if name.lower() in self.THREAD_HEADERS and str(value).isascii() and ids:
            if all(len(i) < 990 for i in ids):
                return f"{name}: " + f"{self.linesep} ".join(ids) + self.linesep
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in self.TEXT_HEADERS:
            return self._fold_text(name, value).encode("ascii")
        if name.lower() in self.THREAD_HEADERS and str(value).isascii():
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


MAIL_POLICY = _MailPolicy(linesep="\r\n")


class MailSendError(Exception):
    """The mail server refused or could not be reached; the message stays queued."""


def compose(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    domain: str = "openkrakow.local",
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    reply_to: str | None = None,
    language: str | None = None,
) -> EmailMessage:
    """A well-formed UTF-8 message with its own Message-ID (kept for threading replies).

    `to` is one address; an address already stored that is not one we can write to exactly
    (shared.addresses) leaves the message without a To, and `queue` skips it with a warning:
    one bad address never fails the change the mail reports (a call's decision, an answer).
    The subject is made one line (line breaks and control characters become spaces).
    """
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = sender
    recipient = addresses.normalise_or_none(to)
    if recipient:
        msg["To"] = recipient
    msg["Subject"] = header_text(subject)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=domain)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, charset="utf-8")
    if html:
        msg.add_alternative(html, subtype="html", charset="utf-8")
    if language:
        # After set_content: it clears every Content-* header already on the message.
        msg["Content-Language"] = language
    return msg


async def queue(conn: asyncpg.Connection, message: EmailMessage, *, purpose: str) -> uuid.UUID:
    """Store a message for sending, inside the caller's transaction; returns its id.

    Mail to an erased address (shared.privacy.ERASED_EMAIL, left where a column needs one) is
    dropped: the id returned names no message, and the sending job finds nothing to send. So is
    mail without a usable To (compose leaves it out for an address stored before addresses were
    checked as mail reads them): it is logged, and the change it reports still commits.
    """
    mail_id = uuid.uuid4()
    recipient = addresses.normalise_or_none(parseaddr(str(message.get("To") or ""))[1])
    if not recipient:
        log.warning("mail (%s) has no usable recipient address; not sent", purpose)
        return mail_id
    if recipient.lower() == ERASED_EMAIL:
        log.info("mail (%s) to an erased address dropped", purpose)
        return mail_id
    await conn.execute(
        "insert into outgoing_mail(id, message_id, recipient, message, purpose) values ($1,$2,$3,$4,$5)",
        mail_id,
        str(message["Message-ID"]),
        recipient,
        message.as_bytes(),
        purpose,
    )
    return mail_id


class MailSender:
    """Delivers raw messages to SMTP_URL, or to .eml files when no server is configured.

    With TLS (`smtps://`, `smtp+starttls://`) the server's certificate is verified against the
    system's CAs, or against `ca_file` (SMTP_CA_FILE) for a server with a private CA.
    """

    def __init__(
        self, smtp_url: str | None, mail_dir: Path, mail_from: str, *, ca_file: Path | None = None
    ) -> None:
        self.smtp_url = smtp_url
        self.ca_file = ca_file
        self._tls_context: ssl.SSLContext | None = None
        self.mail_dir = mail_dir
        self.envelope_from = parseaddr(mail_from)[1] or "no-reply@openkrakow.local"

    async def deliver(self, recipient: str, message: bytes, message_id: str) -> None:
        """Hand one message over; MailSendError when it could not be handed over."""
        if self.smtp_url:
            await asyncio.to_thread(self._smtp, recipient, message)
        else:
            await asyncio.to_thread(self._file, message, message_id)

    def _file(self, message: bytes, message_id: str) -> None:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        name = message_id.strip("<>").replace("/", "_").replace("@", "_at_")
        tmp = self.mail_dir / f".{name}.tmp"
        tmp.write_bytes(message)
        tmp.replace(self.mail_dir / f"{name}.eml")

    def _tls(self) -> ssl.SSLContext:
        """The TLS context, made once: loading the CA store costs milliseconds of CPU a time."""
        if self._tls_context is None:
            self._tls_context = ssl.create_default_context(cafile=self.ca_file)
        return self._tls_context

    def _smtp(self, recipient: str, message: bytes) -> None:
        url = urlsplit(self.smtp_url or "")
        tls = self._tls() if url.scheme in ("smtps", "smtp+starttls") else None
        host, port = url.hostname or "127.0.0.1", url.port or (465 if url.scheme == "smtps" else 25)
        try:
            if url.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=15, context=tls)
            else:
                client = smtplib.SMTP(host, port, timeout=15)
            with client:
                if url.scheme == "smtp+starttls":
                    client.starttls(context=tls)
                if url.username:
                    client.login(unquote(url.username), unquote(url.password or ""))
                refused = client.sendmail(self.envelope_from, [recipient], message)
                if refused:
                    raise MailSendError(f"recipient refused: {refused}")
        except (OSError, smtplib.SMTPException) as exc:
            raise MailSendError(f"{type(exc).__name__}: {exc}") from exc
