"""asyncpg pools, one per service schema, with JSON codecs and the schema on the search path."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from typing import Any

import asyncpg
import msgspec

log = logging.getLogger("openkrakow.db")


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename,
            schema="pg_catalog",
            encoder=lambda v: msgspec.json.encode(v).decode(),
            decoder=msgspec.json.decode,
            format="text",
        )


# Pooled connections whose session state a user changed (a session advisory lock): only these
# get asyncpg's full reset query when they go back to the pool.
_DIRTY: weakref.WeakSet[asyncpg.Connection] = weakref.WeakSet()


def needs_reset(conn: Any) -> None:
    """Mark a pooled connection (or its pool proxy) for the full session reset on release.

    The platform keeps no session state on pooled connections: settings are `set local`, LISTEN
    and long-lived advisory locks use dedicated connections (`connect`). Code that does hold
    session state on a pooled connection (send_mail's advisory lock) calls this first.
    """
    _DIRTY.add(getattr(conn, "_con", None) or conn)  # a PoolConnectionProxy wraps `_con`


async def _reset(conn: asyncpg.Connection) -> None:
    """On release: asyncpg has already ended any open transaction and dropped listeners; the
    reset query (advisory unlock all, close cursors, unlisten, reset all) is one more round
    trip per use of a pooled connection, so it is sent only to connections marked dirty."""
    if conn in _DIRTY:
        _DIRTY.discard(conn)
        query = conn.get_reset_query()
        if query:
            await conn.execute(query)


async def create_pool(
    dsn: str, schema: str, *, min_size: int = 1, max_size: int = 10, connect_timeout: float = 30.0
) -> asyncpg.Pool:
    """A pool whose connections see `schema` first on the search path; waits for the server."""
    deadline = asyncio.get_running_loop().time() + connect_timeout
    while True:
        try:
            return await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                init=_init_connection,
                reset=_reset,
                server_settings={"search_path": f"{schema},public", "timezone": "UTC"},
                command_timeout=60,
            )
        except (OSError, asyncpg.CannotConnectNowError) as exc:
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.warning("postgres not reachable yet (%s); retrying", exc)
            await asyncio.sleep(0.5)


async def connect(dsn: str, schema: str) -> asyncpg.Connection:
    """A dedicated connection (for LISTEN and session advisory locks, never from a pool)."""
    conn = await asyncpg.connect(
        dsn, server_settings={"search_path": f"{schema},public", "timezone": "UTC"}
    )
    await _init_connection(conn)
    return conn


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a name."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )
