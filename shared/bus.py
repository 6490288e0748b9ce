"""NATS JetStream: connection, the OPENKRAKOW stream, publishing and durable pull consumers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from shared.events import Envelope, encode

log = logging.getLogger("openkrakow.bus")

SUBJECTS = ["okr.>"]
DUPLICATE_WINDOW_S = 300.0


@dataclass(frozen=True)
class ConsumerPolicy:
    """Redelivery policy of a durable consumer.

    `backoff` are the delays (seconds) before attempt 2, 3, ... after a handler failed (we nak
    with that delay). `ack_timeouts` is the server-side schedule for a message whose consumer died
    before acking: JetStream uses its first step as the ack wait, so it must leave room for a slow
    handler. After `max_deliver` attempts the event is parked.
    """

    max_deliver: int = 8
    backoff: tuple[float, ...] = (1, 2, 5, 15, 30, 60, 120)
    ack_timeouts: tuple[float, ...] = (30, 60, 120)
    max_ack_pending: int = 1000

    def __post_init__(self) -> None:
        # JetStream rejects a consumer whose backoff list is not shorter than max_deliver.
        if len(self.ack_timeouts) >= self.max_deliver or len(self.backoff) >= self.max_deliver:
            raise ValueError("max_deliver must exceed the number of backoff steps")

    def delay_after(self, deliveries: int) -> float:
        """Delay before the next attempt after `deliveries` failed ones."""
        return self.backoff[min(deliveries, len(self.backoff)) - 1] if deliveries > 0 else 0.0


class Bus:
    """One NATS connection with its JetStream context."""

    def __init__(self, nc: NATS, stream: str) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream(timeout=10)
        self.stream = stream

    @classmethod
    async def connect(cls, url: str, *, name: str, stream: str = "OPENKRAKOW") -> Bus:
        """Connect with unlimited reconnects and logging callbacks."""

        async def on_error(exc: Exception) -> None:
            log.warning("nats error: %s", exc)

        async def on_disconnected() -> None:
            log.warning("nats disconnected")

        async def on_reconnected() -> None:
            log.info("nats reconnected")

        nc = await nats.connect(
            servers=url.split(","),
            name=name,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            connect_timeout=5,
            allow_reconnect=True,
            error_cb=on_error,
            disconnected_cb=on_disconnected,
            reconnected_cb=on_reconnected,
        )
        return cls(nc, stream)

    async def ensure_stream(self, *, replicas: int = 1, max_bytes: int = 2 * 1024**3) -> None:
        """Create or update the stream: file storage, limits retention (the replayable log)."""
        config = StreamConfig(
            name=self.stream,
            subjects=SUBJECTS,
            storage=StorageType.FILE,
            retention=RetentionPolicy.LIMITS,
            discard=DiscardPolicy.OLD,
            duplicate_window=DUPLICATE_WINDOW_S,
            num_replicas=replicas,
            max_bytes=max_bytes,
        )
        try:
            await self.js.stream_info(self.stream)
            await self.js.update_stream(config)
        except NotFoundError:
            await self.js.add_stream(config)

    async def publish(self, envelope: Envelope) -> bool:
        """Publish and wait for the stream's ack; False when the stream saw this id already."""
        ack = await self.js.publish(
            envelope.subject, encode(envelope), headers={"Nats-Msg-Id": str(envelope.id)}
        )
        return not ack.duplicate

    async def publish_raw_batch(self, rows: Sequence[tuple[str, str, bytes]]) -> None:
        """Publish (event_id, subject, body) rows pipelined, in order; return when all are acked.

        Messages leave this connection in the order given, and the stream stores them in that
        order; waiting for every ack before returning is what makes the caller's "published"
        mark true.
        """
        futures = [
            await self.js.publish_async(subject, body, headers={"Nats-Msg-Id": event_id})
            for event_id, subject, body in rows
        ]
        await asyncio.wait_for(asyncio.gather(*futures), timeout=30)

    async def ensure_consumer(
        self, durable: str, subjects: Sequence[str], policy: ConsumerPolicy
    ) -> None:
        """Create the durable pull consumer, or update it to this configuration."""
        config = ConsumerConfig(
            durable_name=durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=policy.ack_timeouts[0],
            # Unlimited on the server: at our own limit we park the event in PostgreSQL and
            # only then terminate it. A server-side limit would drop it silently if parking
            # failed (PostgreSQL down), so the server must keep redelivering until we succeed.
            max_deliver=-1,
            backoff=list(policy.ack_timeouts),
            max_ack_pending=policy.max_ack_pending,
            filter_subjects=list(subjects) if len(subjects) > 1 else None,
            filter_subject=subjects[0] if len(subjects) == 1 else None,
        )
        await self.js.add_consumer(self.stream, config)

    async def delete_consumer(self, durable: str) -> None:
        """Remove a durable consumer (used by rebuilds); missing is fine."""
        try:
            await self.js.delete_consumer(self.stream, durable)
        except NotFoundError:
            pass

    async def close(self) -> None:
        """Close the connection (no drain: unacked messages are redelivered to the next consumer)."""
        if not self.nc.is_closed:
            await self.nc.close()
