"""Print the versions of the servers named by TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL.

Used by .ci/run before the second test run: exit status 0 and one line of versions when all three
answer, 1 and the reason otherwise (that run is then skipped, saying why).
"""

from __future__ import annotations

import asyncio
import os
import sys

import nats
import redis.asyncio as aioredis

from shared import versions


async def probe() -> str:
    db, nats_url, redis_url = (os.environ[f"TEST_{n}_URL"] for n in ("DATABASE", "NATS", "REDIS"))
    pg = await asyncio.wait_for(versions.postgres_version(db), 5)
    nc = await nats.connect(nats_url, connect_timeout=3, max_reconnect_attempts=0)
    try:
        v = nc.connected_server_version
        nats_version = f"{v.major}.{v.minor}.{v.patch}"
        await nc.jetstream().account_info()  # JetStream must be enabled
    finally:
        await nc.close()
    r = aioredis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3)
    try:
        redis_version = await versions.redis_version(r)
    finally:
        await r.aclose()
    return f"PostgreSQL {pg.split()[0]}, NATS {nats_version}, Redis {redis_version}"


def main() -> int:
    try:
        print(asyncio.run(probe()))
    except Exception as exc:  # noqa: BLE001 - any failure: say which and skip that run
        print(f"{type(exc).__name__}: {exc}".strip())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
