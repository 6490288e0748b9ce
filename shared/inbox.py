"""Idempotent consumption: apply an event and record its id in one transaction; park poison."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from nats.aio.msg import Msg

from shared import latency
from shared.bus import Bus, ConsumerPolicy, is_refusal, subject_matches
from shared.events import Envelope, decode

log = logging.getLogger("openkrakow.inbox")

# A handler applies one event inside the inbox's transaction and returns what it changed
# (None when there is nothing to tell); the inbox hands that to the after-commit hook, with the
# runtime of the process, once the transaction has committed.
Handler = Callable[[asyncpg.Connection, Envelope], Awaitable[Any]]
AfterCommit = Callable[[Any, Envelope, Any], Awaitable[None]]  # (runtime, envelope, changed)

_NOT_APPLIED = object()
BURST_WAIT = 0.05
"""Seconds a pull waits for more messages while they keep coming (then back to one at a time)."""


@dataclass
class ConsumerSpec:
    """A durable consumer: its name, the subjects it reads and the handler applying each event."""

    name: str
    subjects: Sequence[str]
    handler: Handler
    policy: ConsumerPolicy = field(default_factory=ConsumerPolicy)
    after_commit: AfterCommit | None = None


async def apply_once(
    conn: asyncpg.Connection, consumer: str, envelope: Envelope, handler: Handler
) -> bool:
    """Apply the event unless this consumer applied it already; True when it was applied now."""
    return await apply_once_returning(conn, consumer, envelope, handler) is not _NOT_APPLIED


async def apply_once_returning(
    conn: asyncpg.Connection, consumer: str, envelope: Envelope, handler: Handler
) -> Any:
    """Apply the event unless this consumer applied it already: what the handler returned, or
    `_NOT_APPLIED` when the event was applied before."""
    async with conn.transaction():
        return await _apply_in(conn, consumer, envelope, handler)


async def _apply_in(
    conn: asyncpg.Connection, consumer: str, envelope: Envelope, handler: Handler
) -> Any:
    """`apply_once_returning` inside the caller's transaction."""
    fresh = await conn.fetchval(
        "insert into inbox(consumer, event_id) values ($1, $2) "
        "on conflict do nothing returning true",
        consumer,
        envelope.id,
    )
    if not fresh:
        return _NOT_APPLIED
    return await handler(conn, envelope)


async def park(
    pool: asyncpg.Pool, consumer: str, msg: Msg, error: str, envelope: Envelope | None
) -> None:
    """Record an event that will not be retried any more, and say so loudly in the log."""
    deliveries = msg.metadata.num_delivered if msg.metadata else 0
    await pool.execute(
        "insert into dead_letters(consumer, event_id, subject, body, error, deliveries) "
        "values ($1, $2, $3, $4, $5, $6)",
        consumer,
        envelope.id if envelope else None,
        msg.subject,
        msg.data,
        error[:4000],
        deliveries,
    )
    log.error(
        "parked event %s on %s for consumer %s after %d deliveries: %s",
        envelope.id if envelope else "?",
        msg.subject,
        consumer,
        deliveries,
        error,
    )


def describe(exc: BaseException) -> str:
    """An exception for the log and /health: its message, or its type and repr when it has none."""
    text = str(exc)
    if text.strip():
        return text
    return f"{type(exc).__module__}.{type(exc).__qualname__}: {exc!r}"


@dataclass
class PartState:
    """What /health and /metrics say about one consumer or relay of this process."""

    state: str = "starting"  # consumer: starting, running, retrying; relay also: standby, active
    last_error: str | None = None
    # monotonic time since which the part has not been running (None while it runs)
    down_since: float | None = field(default_factory=time.monotonic)
    attempts: int = 0  # failed starts or runs in a row

    def up(self, state: str = "running") -> None:
        self.state, self.down_since, self.attempts = state, None, 0

    def failed(self, error: str) -> None:
        self.state, self.last_error = "retrying", error
        self.attempts += 1
        if self.down_since is None:
            self.down_since = time.monotonic()

    def down_for(self) -> float:
        """Seconds the part has not been running (0 while it runs)."""
        return 0.0 if self.down_since is None else time.monotonic() - self.down_since


# Retrying after a failure: at once-a-second while servers come back, but a configuration the
# server refuses is retried with doubling waits up to a minute (it will not fix itself).
RETRY_DELAY = 1.0
REFUSED_FIRST_DELAY = 2.0
REFUSED_MAX_DELAY = 60.0


class ConsumerRunner:
    """Fetches from a durable pull consumer and applies each event exactly once."""

    def __init__(
        self,
        bus: Bus,
        pool: asyncpg.Pool,
        spec: ConsumerSpec,
        *,
        batch: int = 100,
        runtime: Any = None,
    ):
        self.bus = bus
        self.runtime = runtime  # handed to the after-commit hook
        self.pool = pool
        self.spec = spec
        self.batch = batch
        self.applied = 0
        self.skipped = 0  # delivered by a covering filter (NATS 2.9), not for this consumer
        self.pending: int | None = None  # the consumer's lag, events not yet delivered
        self.status = PartState()
        self.ready = asyncio.Event()
        self._client_filter: tuple[str, ...] | None = None
        self._refusal: str | None = None

    async def run(self) -> None:
        """Run until cancelled; survives NATS and PostgreSQL outages by retrying."""
        while True:
            try:
                self._client_filter = await self.bus.ensure_consumer(
                    self.spec.name, self.spec.subjects, self.spec.policy
                )
                sub = await self.bus.js.pull_subscribe_bind(
                    durable=self.spec.name, stream=self.bus.stream
                )
                self.status.up()
                self._refusal = None
                self.ready.set()
                burst = False
                while True:
                    # Idle, a lingering pull of one message, handed over the moment it comes
                    # (nats-py's pull of a batch keeps a lone message until the batch fills or
                    # the pull expires: up to a second late). While messages keep coming, the
                    # pull takes what is there at once, in batches, and waits briefly for more.
                    try:
                        if burst:
                            msgs = await sub.fetch(self.batch, timeout=BURST_WAIT)
                        else:
                            msgs = await sub.fetch(1, timeout=1.0)
                    except TimeoutError:  # nats' own, or asyncio's from a short pull's end
                        burst = False
                        self.pending = 0  # nothing to deliver: normal, and no lag
                        continue
                    burst = True
                    await self.handle_batch(msgs, time.time())
                    if msgs and msgs[-1].metadata is not None:
                        self.pending = msgs[-1].metadata.num_pending
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep consuming after any outage
                await asyncio.sleep(self._failed(exc))

    def _failed(self, exc: Exception) -> float:
        """Record and log a failure; return how long to wait before trying again."""
        error = describe(exc)
        self.status.failed(error)
        if not is_refusal(exc):
            self._refusal = None
            log.warning("consumer %s: %s; retrying", self.spec.name, error)
            return RETRY_DELAY
        delay = min(REFUSED_FIRST_DELAY * 2 ** (self.status.attempts - 1), REFUSED_MAX_DELAY)
        if error != self._refusal:
            # Once per distinct refusal, as an error saying what to change; then quietly.
            self._refusal = error
            log.error(
                "consumer %s cannot be created: NATS %s refuses its configuration: %s. "
                "Nothing is consumed until this is fixed: use NATS 2.9 or newer, or, when the "
                "durable consumer exists with an older configuration, delete it (`nats consumer "
                "rm %s %s`; it is created again and replays the stream, and events already "
                "applied are skipped by the inbox); "
                "retrying with back-off up to every %.0f s",
                self.spec.name,
                self.bus.server_version,
                error,
                self.bus.stream,
                self.spec.name,
                REFUSED_MAX_DELAY,
            )
        else:
            log.debug(
                "consumer %s still refused: %s; next try in %.0f s", self.spec.name, error, delay
            )
        return delay

    async def handle(self, msg: Msg, received: float | None = None) -> None:
        """Apply one message and ack it; nak with back-off on failure; park after max_deliver.

        `received`: when the fetch returned it (POSIX time), for the bus and projection
        histograms (shared/latency.py).
        """
        policy = self.spec.policy
        deliveries = msg.metadata.num_delivered if msg.metadata else 1
        if self._client_filter is not None and not any(
            subject_matches(p, msg.subject) for p in self._client_filter
        ):
            await msg.ack()  # the covering filter's other subjects: not this consumer's events
            self.skipped += 1
            return
        try:
            envelope = decode(msg.data)
        except Exception as exc:  # noqa: BLE001 - undecodable: retrying will not help
            await park(self.pool, self.spec.name, msg, f"undecodable: {exc}", None)
            await msg.term()
            return
        try:
            async with self.pool.acquire() as conn:
                changed = await apply_once_returning(
                    conn, self.spec.name, envelope, self.spec.handler
                )
        except Exception as exc:  # noqa: BLE001 - retried, then parked; never swallowed
            if deliveries >= policy.max_deliver:
                with contextlib.suppress(Exception):
                    await park(self.pool, self.spec.name, msg, repr(exc), envelope)
                    await msg.term()
                return
            log.warning(
                "consumer %s failed on %s (delivery %d): %r",
                self.spec.name,
                envelope.id,
                deliveries,
                exc,
            )
            with contextlib.suppress(Exception):
                await msg.nak(delay=policy.delay_after(deliveries))
            return
        await self._done(msg, envelope, changed, received, time.time())

    async def handle_batch(self, msgs: Sequence[Msg], received: float | None = None) -> None:
        """Apply the messages of one fetch in one transaction (one commit, not one each), in
        order; should any of them fail, the transaction is rolled back and each is handled on
        its own (`handle`: its own retries and parking)."""
        ready: list[tuple[Msg, Envelope]] = []
        for msg in msgs:
            if self._client_filter is not None and not any(
                subject_matches(p, msg.subject) for p in self._client_filter
            ):
                await msg.ack()
                self.skipped += 1
                continue
            try:
                ready.append((msg, decode(msg.data)))
            except Exception:  # noqa: BLE001 - undecodable: `handle` parks it
                await self.handle(msg, received)
        if len(ready) <= 1:
            for msg, _envelope in ready:
                await self.handle(msg, received)
            return
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                results = [
                    await _apply_in(conn, self.spec.name, envelope, self.spec.handler)
                    for _msg, envelope in ready
                ]
        except Exception as exc:  # noqa: BLE001 - one at a time, each with its own retries
            log.debug("consumer %s: batch of %d failed (%r)", self.spec.name, len(ready), exc)
            for msg, _envelope in ready:
                await self.handle(msg, received)
            return
        committed = time.time()
        for (msg, envelope), changed in zip(ready, results, strict=True):
            await self._done(msg, envelope, changed, received, committed)

    async def _done(
        self,
        msg: Msg,
        envelope: Envelope,
        changed: Any,
        received: float | None,
        committed: float,
    ) -> None:
        """The event's transaction committed: ack it, observe its times, run the hook."""
        await msg.ack()
        if changed is _NOT_APPLIED:
            return
        self.applied += 1
        if received is not None:
            if msg.metadata is not None and msg.metadata.timestamp is not None:
                stored = msg.metadata.timestamp.timestamp()
                latency.BUS.labels(self.spec.name).observe(max(0.0, received - stored))
            latency.PROJECTION.labels(self.spec.name).observe(max(0.0, committed - received))
        if self.spec.after_commit is not None:
            try:
                await self.spec.after_commit(self.runtime, envelope, changed)
            except Exception:  # noqa: BLE001 - a notification hook must not undo the event
                log.exception("after-commit hook of %s failed", self.spec.name)
