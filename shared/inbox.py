"""Idempotent consumption: apply an event and record its id in one transaction; park poison."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import asyncpg
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout

from shared.bus import Bus, ConsumerPolicy
from shared.events import Envelope, decode

log = logging.getLogger("openkrakow.inbox")

Handler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
AfterCommit = Callable[[Envelope], Awaitable[None]]


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
    async with conn.transaction():
        fresh = await conn.fetchval(
            "insert into inbox(consumer, event_id) values ($1, $2) "
            "on conflict do nothing returning true",
            consumer,
            envelope.id,
        )
        if not fresh:
            return False
        await handler(conn, envelope)
        return True


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


class ConsumerRunner:
    """Fetches from a durable pull consumer and applies each event exactly once."""

    def __init__(self, bus: Bus, pool: asyncpg.Pool, spec: ConsumerSpec, *, batch: int = 100):
        self.bus = bus
        self.pool = pool
        self.spec = spec
        self.batch = batch
        self.applied = 0
        self.ready = asyncio.Event()

    async def run(self) -> None:
        """Run until cancelled; survives NATS and PostgreSQL outages by retrying."""
        while True:
            try:
                await self.bus.ensure_consumer(self.spec.name, self.spec.subjects, self.spec.policy)
                sub = await self.bus.js.pull_subscribe_bind(
                    durable=self.spec.name, stream=self.bus.stream
                )
                self.ready.set()
                while True:
                    try:
                        msgs = await sub.fetch(self.batch, timeout=1.0)
                    except NatsTimeout:
                        continue  # nothing to deliver: normal
                    for msg in msgs:
                        await self.handle(msg)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep consuming after any outage
                log.warning("consumer %s: %s; retrying", self.spec.name, exc)
                await asyncio.sleep(1.0)

    async def handle(self, msg: Msg) -> None:
        """Apply one message and ack it; nak with back-off on failure; park after max_deliver."""
        policy = self.spec.policy
        deliveries = msg.metadata.num_delivered if msg.metadata else 1
        try:
            envelope = decode(msg.data)
        except Exception as exc:  # noqa: BLE001 - undecodable: retrying will not help
            await park(self.pool, self.spec.name, msg, f"undecodable: {exc}", None)
            await msg.term()
            return
        try:
            async with self.pool.acquire() as conn:
                applied = await apply_once(conn, self.spec.name, envelope, self.spec.handler)
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
        await msg.ack()
        if applied:
            self.applied += 1
            if self.spec.after_commit is not None:
                try:
                    await self.spec.after_commit(envelope)
                except Exception:  # noqa: BLE001 - a notification hook must not undo the event
                    log.exception("after-commit hook of %s failed", self.spec.name)
