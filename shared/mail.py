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
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg

from shared.privacy import ERASED_EMAIL

log = logging.getLogger("openkrakow.mail")


class _MailPolicy(EmailPolicy):
    """SMTP line endings; message ids in In-Reply-To/References are never RFC 2047-encoded.

    The standard folder encodes a token longer than a 78-character line (a 70-character Gmail
    Message-ID with its header name is one), and an encoded id no longer threads the reply in
    the reader's mail client. Ids go one per line instead: longer than 78 is allowed (998 is the
    limit); a non-ASCII value (never a real id) falls back to the standard folding.
    """

    THREAD_HEADERS = frozenset({"in-reply-to", "references"})

    def fold(self, name: str, value: str) -> str:
        ids = str(value).split()
        if name.lower() in self.THREAD_HEADERS and str(value).isascii() and ids:
            if all(len(i) < 990 for i in ids):
                return f"{name}: " + f"{self.linesep} ".join(ids) + self.linesep
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
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
    """A well-formed UTF-8 message with its own Message-ID (kept for threading replies)."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
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
    dropped: the id returned names no message, and the sending job finds nothing to send.
    """
    recipient = parseaddr(str(message["To"]))[1]
    if not recipient or "@" not in recipient:
        raise ValueError("message has no usable To address")
    mail_id = uuid.uuid4()
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

    def _smtp(self, recipient: str, message: bytes) -> None:
        url = urlsplit(self.smtp_url or "")
        tls = ssl.create_default_context(cafile=self.ca_file)
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
