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
from nats.js.errors import APIError, NotFoundError

from shared import versions
from shared.events import Envelope, encode

log = logging.getLogger("openkrakow.bus")

SUBJECTS = ["okr.>"]
DUPLICATE_WINDOW_S = 300.0
# Several filter subjects on one consumer need NATS 2.10; on 2.9 a consumer reading several
# subjects filters on one subject covering them all, and the client skips the others.
MULTIPLE_FILTERS_SINCE = (2, 10)
# The server's own redelivery limit, far above any parking limit of ours (see ConsumerPolicy).
SERVER_MAX_DELIVER = 1_000_000


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` matches one token, a final `>` one or more."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)


def covering_subject(subjects: Sequence[str]) -> str:
    """One filter subject matching every subject of `subjects` (their common leading tokens + `>`)."""
    split = [s.split(".") for s in subjects]
    common: list[str] = []
    for tokens in zip(*split, strict=False):
        if len(set(tokens)) != 1 or tokens[0] == ">":
            break
        common.append(tokens[0])
    # `a.b.>` does not match `a.b` itself: keep one token fewer when a subject is that short.
    while common and any(len(tokens) <= len(common) for tokens in split):
        common.pop()
    return ".".join([*common, ">"])


# NATS answers a refused change of an existing consumer ("deliver policy can not be updated")
# with code 500 and this error code, though retrying will not help either.
CONSUMER_UPDATE_REFUSED = 10012


def is_refusal(exc: BaseException) -> bool:
    """True for a JetStream API error refusing a request as invalid (400-class, not 404/408, or
    a refused consumer update): retrying will not help until someone changes a configuration."""
    if not isinstance(exc, APIError):
        return False
    if exc.err_code == CONSUMER_UPDATE_REFUSED:
        return True
    return exc.code is not None and 400 <= exc.code < 500 and exc.code not in (404, 408)


@dataclass(frozen=True)
class ConsumerPolicy:
    """Redelivery policy of a durable consumer.

    `backoff` are the delays (seconds) before attempt 2, 3, ... after a handler failed (we nak
    with that delay). `ack_timeouts` is the server-side schedule for a message whose consumer died
    before acking: JetStream uses its first step as the ack wait, so it must leave room for a slow
    handler. After `max_deliver` attempts the event is parked.

    Nothing is dropped: at our own limit the consumer parks the event in PostgreSQL and only
    then terminates it. The server's limit (SERVER_MAX_DELIVER, a million) is not reached in
    practice: past our limit a message is redelivered only while parking fails, once per ack
    timeout (30 s or more), so a million deliveries take years. (NATS 2.9 refuses an unlimited
    `max_deliver` together with a backoff list: "max deliver is required to be > length of
    backoff values"; the same finite value is used on every version.)
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
        # None: decided by the server's version; tests force the NATS 2.9 way on newer servers.
        self.multiple_filters: bool | None = None

    @property
    def server_version(self) -> str:
        """The version the connected server announced, e.g. `2.9.10`."""
        v = self.nc.connected_server_version
        return f"{v.major}.{v.minor}.{v.patch}"

    def supports_multiple_filters(self) -> bool:
        if self.multiple_filters is not None:
            return self.multiple_filters
        return versions.parse(self.server_version)[:2] >= MULTIPLE_FILTERS_SINCE

    def require_supported(self, where: str) -> None:
        """Raise UnsupportedServer when the connected NATS is older than the supported minimum."""
        versions.require("NATS", self.server_version, where)

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
    ) -> tuple[str, ...] | None:
        """Create the durable pull consumer, or update it to this configuration.

        Returns the subjects the client must check each message against (None when the server
        filters exactly): on a server without multiple filter subjects (NATS 2.9) a consumer of
        several subjects filters on one covering them, and the caller skips the others.
        """
        wanted = list(dict.fromkeys(subjects))
        client_filter: tuple[str, ...] | None = None
        if len(wanted) == 1:
            filters: dict[str, object] = {"filter_subject": wanted[0]}
        elif self.supports_multiple_filters():
            filters = {"filter_subjects": wanted}
        else:
            filters = {"filter_subject": covering_subject(wanted)}
            client_filter = tuple(wanted)
        config = ConsumerConfig(
            durable_name=durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=policy.ack_timeouts[0],
            # Far above our own limit, at which we park the event in PostgreSQL and only then
            # terminate it: the server keeps redelivering while parking fails (ConsumerPolicy).
            max_deliver=max(SERVER_MAX_DELIVER, policy.max_deliver + 1),
            backoff=list(policy.ack_timeouts),
            max_ack_pending=policy.max_ack_pending,
            **filters,  # type: ignore[arg-type]
        )
        await self.js.add_consumer(self.stream, config)
        return client_filter

    async def pending(self, durable: str) -> int:
        """Events of the stream the consumer has not been given yet (its lag)."""
        info = await self.js.consumer_info(self.stream, durable)
        return int(info.num_pending or 0)

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
