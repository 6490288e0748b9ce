"""SQL of the e-mail intake: raw messages as they arrived, and their fate."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import asyncpg


async def held_bytes(conn: asyncpg.Connection) -> int:
    """Bytes of raw mail kept now: received and not yet processed, or held for moderation."""
    return int(
        await conn.fetchval(
            "select coalesce(sum(size_bytes), 0) from bench_inbound_mail "
            "where status in ('received', 'moderation') and raw is not null"
        )
    )


async def insert_inbound(conn: asyncpg.Connection, **f: Any) -> uuid.UUID:
    """Store a received message; an exact repeat (same sender, recipient and bytes: a sending
    server retrying after a lost reply) returns the first copy's id and stores nothing."""
    digest = hashlib.sha256(
        b"\0".join(
            [
                (f["mail_from"] or "").encode("utf-8", "surrogateescape"),
                f["rcpt_to"].encode("utf-8", "surrogateescape"),
                f["raw"],
            ]
        )
    ).digest()
    inbound_id = await conn.fetchval(
        """insert into bench_inbound_mail (id, peer, mail_from, rcpt_to, size_bytes, raw, digest)
           values ($1,$2,$3,$4,$5,$6,$7) on conflict (digest) do nothing returning id""",
        uuid.uuid4(),
        f["peer"],
        f["mail_from"],
        f["rcpt_to"],
        len(f["raw"]),
        f["raw"],
        digest,
    )
    if inbound_id is None:
        inbound_id = await conn.fetchval(
            "select id from bench_inbound_mail where digest = $1", digest
        )
    return inbound_id


async def inbound(
    conn: asyncpg.Connection, inbound_id: uuid.UUID, *, lock: bool = False
) -> asyncpg.Record | None:
    if lock:
        return await conn.fetchrow(
            "select * from bench_inbound_mail where id = $1 for update", inbound_id
        )
    return await conn.fetchrow("select * from bench_inbound_mail where id = $1", inbound_id)


async def settle(
    conn: asyncpg.Connection,
    inbound_id: uuid.UUID,
    *,
    status: str,
    reason: str | None = None,
    detail: str | None = None,
    question_id: uuid.UUID | None = None,
    message_id: str | None = None,
    keep_raw: bool = False,
    resolved_by: str | None = None,
) -> None:
    """Record what became of a message; the raw copy is kept only while someone must look at it."""
    await conn.execute(
        """update bench_inbound_mail set status = $2, reason = $3, detail = $4, question_id = $5,
               message_id = coalesce($6, message_id), raw = case when $7 then raw else null end,
               resolved_at = case when $2 in ('resolved', 'discarded') then now() else resolved_at end,
               resolved_by = coalesce($8, resolved_by)
           where id = $1""",
        inbound_id,
        status,
        reason,
        detail,
        question_id,
        message_id,
        keep_raw,
        resolved_by,
    )


async def list_inbound(
    conn: asyncpg.Connection, status: str | None, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(
        """select id, received_at, mail_from, rcpt_to, size_bytes, status, reason, detail, question_id
           from bench_inbound_mail where ($1::text is null or status = $1)
           order by received_at desc limit $2 offset $3""",
        status,
        limit,
        offset,
    )
    total = await conn.fetchval(
        "select count(*) from bench_inbound_mail where ($1::text is null or status = $1)", status
    )
    return rows, total


async def unprocessed(conn: asyncpg.Connection, limit: int = 100) -> list[uuid.UUID]:
    """Messages stored but never processed (the process stopped in between)."""
    rows = await conn.fetch(
        "select id from bench_inbound_mail where status = 'received' and received_at < now() - interval '1 minute' "
        "order by received_at limit $1",
        limit,
    )
    return [r["id"] for r in rows]
