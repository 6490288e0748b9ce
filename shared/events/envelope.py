"""The event envelope: what every message on the bus looks like, whatever its type."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import msgspec


class Payload(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Base of every event payload. Subclasses set TYPE and VERSION and carry no personal data."""

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1


class Envelope(msgspec.Struct, kw_only=True, frozen=True):
    """One event as published: identity, provenance and the typed payload."""

    id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    producer: str
    correlation_id: str
    causation_id: str | None = None
    payload: Any = None

    @property
    def subject(self) -> str:
        """The JetStream subject: `okr.` + the event type, e.g. `okr.bench.question_received`."""
        return subject_for(self.type)


def subject_for(event_type: str) -> str:
    """Subject an event type is published on."""
    return f"okr.{event_type}"


def utcnow() -> datetime:
    """Timezone-aware now in UTC; the only clock events use."""
    return datetime.now(UTC)


def new_event(
    payload: Payload,
    *,
    producer: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Wrap a payload in a fresh envelope (new UUID, now in UTC)."""
    event_id = uuid.uuid4()
    return Envelope(
        id=event_id,
        type=payload.TYPE,
        version=payload.VERSION,
        occurred_at=occurred_at or utcnow(),
        producer=producer,
        correlation_id=correlation_id or str(event_id),
        causation_id=causation_id,
        payload=payload,
    )


class _RawEnvelope(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    producer: str
    correlation_id: str
    causation_id: str | None = None
    payload: msgspec.Raw = msgspec.Raw(b"null")


_encoder = msgspec.json.Encoder()
_raw_decoder = msgspec.json.Decoder(_RawEnvelope)


@functools.cache
def _payload_decoder(payload_type: type[Payload]) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(payload_type)


def encode(envelope: Envelope) -> bytes:
    """Serialise an envelope to JSON bytes."""
    return _encoder.encode(envelope)


class UnknownEvent(Exception):
    """An event whose (type, version) the catalogue does not know."""


def decode(data: bytes, registry: dict[tuple[str, int], type[Payload]]) -> Envelope:
    """Parse JSON bytes into an envelope whose payload is the catalogued Struct."""
    raw = _raw_decoder.decode(data)
    payload_type = registry.get((raw.type, raw.version))
    if payload_type is None:
        raise UnknownEvent(f"{raw.type} v{raw.version}")
    payload = _payload_decoder(payload_type).decode(raw.payload)
    return Envelope(
        id=raw.id,
        type=raw.type,
        version=raw.version,
        occurred_at=raw.occurred_at,
        producer=raw.producer,
        correlation_id=raw.correlation_id,
        causation_id=raw.causation_id,
        payload=payload,
    )
