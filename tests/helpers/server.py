"""Serve an ASGI app with uvicorn inside the test's event loop, on a free loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from services.cli import KEEP_ALIVE_SECONDS
from shared import ports


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, outside the ephemeral range.

    For a server started later in another process (the kit's ``shared.ports.free_port``);
    in-process servers bind at once instead, as ``serve_app`` does.
    """
    return ports.free_port()


@asynccontextmanager
async def serve_app(
    app: Any, startup_timeout: float = 10.0, sock: socket.socket | None = None
) -> AsyncIterator[str]:
    """Run app until the block ends; yields its base URL, e.g. ``http://127.0.0.1:41234``.

    `sock`: a socket bound earlier (so the address could go into the settings' PUBLIC_URL)."""
    # Bound here and handed to uvicorn: the port is ours from the moment it is chosen.
    sock = sock or ports.bound_socket()
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=5,
            # As `openkrakow serve` does: a connection idle for uvicorn's default 5 s was closed
            # just as a client on a loaded machine sent its next request on it (httpx.ReadError).
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            # As `openkrakow serve` does: the client is the TCP peer; X-Forwarded-For counts
            # only through TRUSTED_PROXIES (shared/ratelimit.py).
            proxy_headers=False,
        )
    )
    # Leave Ctrl-C to pytest: uvicorn would otherwise take SIGINT/SIGTERM while serving.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(startup_timeout):
            while not server.started:
                if task.done():
                    # serve() returned or raised before starting (port taken, lifespan failed).
                    task.result()
                    raise RuntimeError("uvicorn stopped before it started serving")
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        try:
            await task
        finally:
            sock.close()
