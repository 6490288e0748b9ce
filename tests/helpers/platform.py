"""A whole platform for tests: real servers, every part running, served over real HTTP."""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec
import uvicorn

from shared.app import build_app
from shared.config import Settings
from shared.runtime import PARTS, Runtime, ServiceSpec


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningPlatform:
    runtime: Runtime
    base_url: str
    client: httpx.AsyncClient
    settings: Settings

    def token(self, role: str, subject: str | None = None, org: uuid.UUID | None = None, ttl: int = 600) -> str:
        assert self.runtime.auth is not None
        return self.runtime.auth.access_token(subject or f"{role}-{uuid.uuid4().hex[:6]}", role, org=org, ttl=ttl)

    def auth(self, role: str, subject: str | None = None, org: uuid.UUID | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, subject, org)}"}


@contextlib.asynccontextmanager
async def serve_app(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn in this event loop; yields its base URL."""
    import asyncio

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


@contextlib.asynccontextmanager
async def running_platform(
    settings: Settings, services: Sequence[ServiceSpec], parts: frozenset[str] = PARTS
) -> AsyncIterator[RunningPlatform]:
    """Connect, start the parts, serve the app; tear everything down afterwards."""
    runtime = Runtime(settings, services)
    await runtime.connect()
    try:
        await runtime.start_parts(parts - {"web"})
        if runtime.consumers:
            await runtime.wait_consumers_ready()
        app = build_app(runtime, services)
        async with serve_app(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            yield RunningPlatform(runtime, base_url, client, settings)
    finally:
        await runtime.close()


def test_settings(tmp: Path, database_url: str, nats_url: str, redis_url: str, **overrides: Any) -> Settings:
    from shared.config import load_settings

    base = load_settings(
        data_dir=tmp,
        database_url=database_url,
        nats_url=nats_url,
        redis_url=redis_url,
        secret_key="test-secret-key-not-for-production-0123456789",
        outgoing_mail_dir=tmp / "mail",
        smtp_url=None,
    )
    return msgspec.structs.replace(base, **overrides) if overrides else base
