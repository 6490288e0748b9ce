"""The kit's own tables in every schema: queued and sent mail, stored responses, parked events.

Every service schema has them (shared/migrations/001_outbox_inbox.sql), so the kit exports and
erases there itself, in the same transaction as the service's own part:

- `outgoing_mail`: a message to the person is deleted, sent or not (the recipient asked to be
  forgotten; mail is never sent to them again). A message to someone else that names them is
  kept, with the address and names replaced by ERASED in its text, subject and last error.
- `idempotency_keys`: a stored first response that names them is redacted in place, so a replay
  still answers (with the redacted body) and creates nothing twice.
- `dead_letters`: events carry no personal data; an error text that names them is redacted.
- `outbox`, `inbox`: events and event ids only, nothing to do.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
from email.message import EmailMessage
from typing import Any

import asyncpg
import msgspec

from shared.privacy import Erased, Export, Person, affected, records, redact, redact_column

log = logging.getLogger("openkrakow.privacy")

_BATCH = 500


def message_text(raw: bytes) -> tuple[str, str]:
    """(subject, every text part joined) of a stored message; ("", "") when it cannot be read."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.SMTP)
        texts = [
            part.get_content()
            for part in msg.walk()
            if part.get_content_maintype() == "text" and not part.is_multipart()
        ]
        return str(msg.get("Subject", "")), "\n".join(t for t in texts if isinstance(t, str))
    except Exception:  # noqa: BLE001 - a message we cannot parse has no text we can show
        return "", ""


def redact_message(raw: bytes, needles: list[str]) -> bytes | None:
    """The message with the needles redacted in its subject and text parts; None if unchanged."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.SMTP)
    except Exception:  # noqa: BLE001 - unreadable: nothing we could redact either
        return None
    assert isinstance(msg, EmailMessage)
    changed = False
    subject = str(msg.get("Subject", ""))
    if subject and redact(subject, needles) != subject:
        msg.replace_header("Subject", redact(subject, needles))
        changed = True
    for part in msg.walk():
        if part.get_content_maintype() != "text" or part.is_multipart():
            continue
        try:
            text = part.get_content()
        except Exception:  # noqa: BLE001 - an undecodable part is left as it is
            continue
        redacted = redact(text, needles)
        if redacted != text:
            language = part.get("Content-Language")
            part.set_content(redacted, subtype=part.get_content_subtype(), charset="utf-8")
            if language:
                part["Content-Language"] = language  # set_content clears Content-* headers
            changed = True
    return msg.as_bytes() if changed else None


async def export(conn: asyncpg.Connection, person: Person) -> Export:
    """Mail queued or sent to the person, with its subject and text."""
    rows = await conn.fetch(
        "select id, purpose, recipient, created_at, sent_at, message from outgoing_mail "
        "where lower(recipient) = $1 order by created_at",
        person.email,
    )
    mails = []
    for row in rows:
        subject, text = message_text(bytes(row["message"]))
        mails.append(
            {
                "id": row["id"],
                "purpose": row["purpose"],
                "recipient": row["recipient"],
                "created_at": row["created_at"],
                "sent_at": row["sent_at"],
                "subject": subject,
                "text": text,
            }
        )
    return {"outgoing_mail": records(mails)} if mails else {}


async def erase(conn: asyncpg.Connection, person: Person, names: list[str]) -> Erased:
    """Erase the person from the kit's tables of the connection's schema."""
    needles = [person.email, *names]
    result = Erased()
    result.add(
        "outgoing_mail_deleted",
        affected(
            await conn.execute(
                "delete from outgoing_mail where lower(recipient) = $1", person.email
            )
        ),
    )
    result.add(
        "outgoing_mail_redacted",
        await _redact_mail(conn, needles)
        + await redact_column(conn, "outgoing_mail", "last_error", needles),
    )
    result.add("stored_responses_redacted", await _redact_responses(conn, needles))
    result.add(
        "dead_letter_errors_redacted", await redact_column(conn, "dead_letters", "error", needles)
    )
    return result


async def _redact_mail(conn: asyncpg.Connection, needles: list[str]) -> int:
    # Message bodies are often base64 or quoted-printable: only a parsed message can be searched.
    # Reading every message is slow for a big mailbox, but an erasure is rare and runs in a job;
    # the parsing runs in a thread so the process's event loop keeps serving meanwhile.
    changed = 0
    last: Any = None
    while True:
        rows = await conn.fetch(
            "select id, message from outgoing_mail where ($1::uuid is null or id > $1) "
            "order by id limit $2",
            last,
            _BATCH,
        )
        if not rows:
            return changed
        batch = [(row["id"], bytes(row["message"])) for row in rows]
        redacted = await asyncio.to_thread(
            lambda batch=batch: [(i, redact_message(raw, needles)) for i, raw in batch]
        )
        for mail_id, message in redacted:
            if message is not None:
                await conn.execute(
                    "update outgoing_mail set message = $2 where id = $1", mail_id, message
                )
                changed += 1
        last = rows[-1]["id"]


async def _redact_responses(conn: asyncpg.Connection, needles: list[str]) -> int:
    rows = await conn.fetch(
        "select scope, key, body from idempotency_keys where body is not null and exists "
        "(select 1 from unnest($1::text[]) n "
        " where strpos(lower(convert_from(body, 'UTF8')), lower(n)) > 0) for update",
        needles,
    )
    changed = 0
    for row in rows:
        try:
            content = msgspec.json.decode(bytes(row["body"]))
        except msgspec.DecodeError:
            continue
        redacted = _redact_json(content, needles)
        if redacted != content:
            await conn.execute(
                "update idempotency_keys set body = $3 where scope = $1 and key = $2",
                row["scope"],
                row["key"],
                msgspec.json.encode(redacted),
            )
            changed += 1
    return changed


def _redact_json(value: Any, needles: list[str]) -> Any:
    if isinstance(value, str):
        return redact(value, needles)
    if isinstance(value, list):
        return [_redact_json(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: _redact_json(v, needles) for k, v in value.items()}
    return value
