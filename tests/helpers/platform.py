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

from shared import ports
from shared.app import build_app
from shared.config import RATE_LIMIT_DEFAULTS, Settings
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
    """Connect, start the parts, serve the app; tear everything down afterwards.

    PUBLIC_URL is the address served, so links in mail (sign-in, invitations) open in tests."""
    sock = ports.bound_socket()
    settings = msgspec.structs.replace(
        settings, public_url=f"http://127.0.0.1:{sock.getsockname()[1]}"
    )
    runtime = Runtime(settings, services)
    await runtime.connect()
    try:
        await runtime.start_parts(parts - {"web"})
        if runtime.consumers:
            await runtime.wait_consumers_ready()
        app = build_app(runtime, services)
        async with (
            serve_app(app, sock=sock) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=30) as client,
        ):
            yield RunningPlatform(runtime, base_url, client, settings)
    finally:
        await runtime.close()


# Limits no test reaches: every test asks from 127.0.0.1, many share one platform, and the
# counts live in the session's Redis. The rate-limit tests set their own low limits.
HIGH_LIMITS: dict[str, Any] = {
    f"rate_limit_{rule}": "1000000/minute" for rule in RATE_LIMIT_DEFAULTS
}
HIGH_LIMITS_ENV = {f"RATE_LIMIT_{rule.upper()}": "1000000/minute" for rule in RATE_LIMIT_DEFAULTS}


# The coordinator every test platform knows by e-mail (COORDINATOR_EMAILS): browser tests sign
# in as the coordinator through the e-mail form (tests/helpers/signin.py).
COORDINATOR_EMAIL = "koordynacja@example.org"


def test_settings(
    tmp: Path, database_url: str, nats_url: str, redis_url: str, **overrides: Any
) -> Settings:
    from shared.config import load_settings

    base = load_settings(
        **HIGH_LIMITS,
        data_dir=tmp,
        database_url=database_url,
        nats_url=nats_url,
        redis_url=redis_url,
        secret_key="test-secret-key-not-for-production-0123456789",
        coordinator_emails=(COORDINATOR_EMAIL,),
        outgoing_mail_dir=tmp / "mail",
        smtp_url=None,
        # A free port per session: the default 2525 may be taken by a running platform.
        smtp_intake_port=free_port(),
    )
    return msgspec.structs.replace(base, **overrides) if overrides else base


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@contextlib.asynccontextmanager
async def limited_platform(
    servers: Any,
    tmp: Path,
    *,
    parts: frozenset[str] = frozenset({"web"}),
    redis_url: str | None = None,
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",),
    **limits: str,
) -> AsyncIterator[RunningPlatform]:
    """One more process of the platform on the session's servers, with low rate limits.

    `limits` name rules and their windows (``questions="3/minute"``); the other rules stay out
    of reach. With 127.0.0.1 as a trusted proxy (the default here) a test plays any client by
    sending X-Forwarded-For. Only `parts` run besides the web app.
    """
    from services.registry import all_services

    settings = test_settings(
        tmp / f"limited-{uuid.uuid4().hex[:6]}",
        servers.database_url,
        servers.nats_url,
        redis_url or servers.redis_url,
        trusted_proxies=trusted_proxies,
        **{f"rate_limit_{rule}": value for rule, value in limits.items()},
    )
    async with running_platform(settings, all_services(), parts) as running:
        yield running


def client_ip() -> str:
    """A client address of its own (an IPv6 /64 of the documentation range)."""
    return f"2001:db8:{uuid.uuid4().int % 0xFFFF:x}:{uuid.uuid4().int % 0xFFFF:x}::1"
