"""Servers for a process of the platform: the embedded ones for whichever URLs are unset, or
those of an `openkrakow run` already using the data folder (for operator tools)."""

from __future__ import annotations

import asyncio
import fcntl
import json
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from shared.config import Settings


async def with_servers(settings: Settings) -> tuple[Settings, object | None]:
    """Start embedded servers for whichever URLs are unset; return settings pointing at them."""
    if not settings.embedded:
        return settings, None
    from shared.embedded import EmbeddedServers

    servers = EmbeddedServers(
        settings.data_dir / "servers",
        want_postgres=settings.database_url is None,
        want_nats=settings.nats_url is None,
        want_redis=settings.redis_url is None,
    )
    await servers.start()
    import msgspec

    settings = msgspec.structs.replace(
        settings,
        database_url=settings.database_url or servers.database_url,
        nats_url=settings.nats_url or servers.nats_url,
        redis_url=settings.redis_url or servers.redis_url,
    )
    return settings, servers


def running_embedded_urls(data_dir: Path) -> tuple[str, str, str] | None:
    """URLs of the embedded servers of an `openkrakow run` using this data folder, if it runs."""
    from shared.embedded import DATABASE_NAME, PG_SUPERUSER

    servers = data_dir / "servers"
    lock = servers / "embedded.lock"
    if not lock.exists():
        return None
    with lock.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            ports = json.loads((servers / "ports.json").read_text())
            return (
                f"postgresql://{PG_SUPERUSER}@127.0.0.1:{ports['postgres']}/{DATABASE_NAME}",
                f"nats://127.0.0.1:{ports['nats']}",
                f"redis://127.0.0.1:{ports['redis']}/0",
            )
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None


async def tool_servers(settings: Settings) -> tuple[Settings, object | None]:
    """Servers for an operator tool: a running platform's embedded ones, else started here."""
    if settings.embedded and (urls := running_embedded_urls(settings.data_dir)):
        import msgspec

        settings = msgspec.structs.replace(
            settings,
            database_url=settings.database_url or urls[0],
            nats_url=settings.nats_url or urls[1],
            redis_url=settings.redis_url or urls[2],
        )
        return settings, None
    return await with_servers(settings)


def run_loop(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a long-lived part on uvloop where it is installed (the default asyncio loop otherwise)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - e.g. Windows
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)
