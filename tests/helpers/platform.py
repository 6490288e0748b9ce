"""A whole platform for tests: real servers, every part running, served over real HTTP."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec

from shared.app import build_app
from shared.config import Settings
from shared.runtime import PARTS, Runtime, ServiceSpec
from tests.helpers.server import free_port, serve_app


@dataclass
class RunningPlatform:
    runtime: Runtime
    base_url: str
    client: httpx.AsyncClient
    settings: Settings

    def token(
        self, role: str, subject: str | None = None, org: uuid.UUID | None = None, ttl: int = 600
    ) -> str:
        assert self.runtime.auth is not None
        return self.runtime.auth.access_token(
            subject or f"{role}-{uuid.uuid4().hex[:6]}", role, org=org, ttl=ttl
        )

    def auth(
        self, role: str, subject: str | None = None, org: uuid.UUID | None = None
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, subject, org)}"}


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
        async with (
            serve_app(app) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=30) as client,
        ):
            yield RunningPlatform(runtime, base_url, client, settings)
    finally:
        await runtime.close()


def test_settings(
    tmp: Path, database_url: str, nats_url: str, redis_url: str, **overrides: Any
) -> Settings:
    from shared.config import load_settings

    base = load_settings(
        data_dir=tmp,
        database_url=database_url,
        nats_url=nats_url,
        redis_url=redis_url,
        secret_key="test-secret-key-not-for-production-0123456789",
        outgoing_mail_dir=tmp / "mail",
        smtp_url=None,
        # A free port per session: the default 2525 may be taken by a running platform.
        smtp_intake_port=free_port(),
    )
    return msgspec.structs.replace(base, **overrides) if overrides else base


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test
