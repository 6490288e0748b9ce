"""Tools of the fault tests: a client that retries like a well-behaved one, and a real SMTP
server that can refuse mail for a while."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec
from aiosmtpd.controller import Controller

from tests.bench.loadgen import Connection, build_request
from tests.helpers.server import free_port

# How long a client keeps trying one call while parts crash, counted from its first attempt:
# far longer than any outage the fault tests make (a restart takes seconds), and counted per
# call, not for the whole load: on a CI machine running two suites side by side the load took
# five times its quiet 60 s, and a budget for all of it ran out although every call went through.
PATIENCE = 150.0


async def ask_until_answered(
    client: httpx.AsyncClient, url: str, body: dict, patience: float = PATIENCE
) -> None:
    """POST a question with one Idempotency-Key until it is accepted (any 5xx or lost connection
    is tried again, as a client would), for `patience` seconds from the first attempt."""
    key = str(uuid.uuid4())
    give_up = time.monotonic() + patience
    last = "no attempt"
    while True:
        try:
            resp = await client.post(url, json=body, headers={"Idempotency-Key": key})
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if resp.status_code == 201:
                return
            assert resp.status_code >= 500, f"unexpected {resp.status_code}: {resp.text}"
            last = f"{resp.status_code}: {resp.text[:300]}"
        if time.monotonic() >= give_up:
            raise AssertionError(
                f"a question was not accepted within {patience:.0f}s; last: {last}"
            )
        await asyncio.sleep(0.2)


async def year_value(
    client: httpx.AsyncClient, base: str, token: str, indicator: str
) -> float | None:
    """An indicator's value this year, or None while the service does not answer."""
    try:
        resp = await client.get(
            f"{base}/api/indicators",
            params={"year": datetime.now(UTC).year},
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError:
        return None
    if resp.status_code != 200:
        return None
    return next(i["value"] for i in resp.json()["indicators"] if i["id"] == indicator)


class RawHttp:
    """Keep-alive HTTP/1.1 connections per base URL on raw asyncio streams (as in
    tests/bench/loadgen.py): httpx costs the client more CPU per request than the parts under test
    spend, and on two cores the load generator must stay cheap."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self.idle: dict[str, list[Connection]] = defaultdict(list)

    async def request(
        self, base: str, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """Status and body; OSError, IncompleteReadError or TimeoutError when the call broke."""
        url = urlsplit(base)
        assert url.hostname and url.port
        idle = self.idle[base]
        conn = idle.pop() if idle else Connection(url.hostname, url.port)
        raw = build_request(method, url.netloc, path, body, headers)
        try:
            status, data = await asyncio.wait_for(conn.request(raw), self.timeout)
        except BaseException:
            conn.close()
            raise
        if conn.writer is not None:
            idle.append(conn)
        return status, data

    def close(self) -> None:
        for conns in self.idle.values():
            for conn in conns:
                conn.close()
        self.idle.clear()


BROKEN = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError)


@dataclass
class Api:
    """Calls the platform's services, each run as several instances, the way a careful client
    does while parts crash: a lost connection or a 5xx is sent again (to another instance), with
    the same Idempotency-Key for creating POSTs; a 409 after such an uncertain attempt means the
    earlier attempt went through (`settle_conflict`)."""

    urls: dict[str, Sequence[str]]
    patience: float = PATIENCE
    rng: random.Random = field(default_factory=random.Random)
    http: RawHttp = field(default_factory=RawHttp)
    retries: Counter[str] = field(default_factory=Counter)
    calls: int = 0

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: str | None = None,
        idempotent: bool = False,
        settle_conflict: bool = False,
        ok: tuple[int, ...] = (200, 201),
    ) -> Any:
        """The decoded answer of a successful call (None when settled by a 409); tried again for
        `patience` seconds from the first attempt."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if idempotent:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        body = msgspec.json.encode(json) if json is not None else b""
        urls = self.urls[service]
        start = self.rng.randrange(len(urls))
        uncertain = False
        last = ""
        attempt = 0
        give_up = time.monotonic() + self.patience
        while attempt == 0 or time.monotonic() < give_up:
            base = urls[(start + attempt) % len(urls)]
            attempt += 1
            try:
                status, answer = await self.http.request(base, method, path, body, headers)
            except BROKEN as exc:
                uncertain, last = True, f"{type(exc).__name__}: {exc}"
                self.retries[service] += 1
                await asyncio.sleep(0.2)
                continue
            if status in ok:
                self.calls += 1
                return msgspec.json.decode(answer) if answer else None
            if status >= 500:
                uncertain, last = True, f"{status}: {answer[:300]!r}"
                self.retries[service] += 1
                await asyncio.sleep(0.2)
                continue
            if status == 409 and settle_conflict and uncertain:
                self.calls += 1
                return None
            raise AssertionError(
                f"{method} {path} on {service}: unexpected {status}: {answer[:500]!r}"
            )
        raise AssertionError(
            f"{method} {path} on {service} did not go through within {self.patience:.0f}s "
            f"({attempt} attempts); last: {last}"
        )


class SmtpSink:
    """A real SMTP server (aiosmtpd, own thread) that keeps the Message-ID of every message it
    accepted and, while `refusing`, answers 451 (temporary failure) at RCPT or at DATA."""

    def __init__(self) -> None:
        self.port = free_port()
        self.refusing = False
        self.refused = 0
        self.received: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def _refuse(self) -> str:
        with self._lock:
            self.refused += 1
        return "451 4.3.0 Temporary failure, try again later"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refusing and self.refused % 2 == 0:
            return self._refuse()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refusing:
            return self._refuse()
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        message_id = str(headers.get("Message-ID", "")).strip()
        with self._lock:
            self.received[message_id] += 1
        return "250 Message accepted for delivery"

    def snapshot(self) -> Counter[str]:
        """How many times each Message-ID was accepted so far."""
        with self._lock:
            return Counter(self.received)
