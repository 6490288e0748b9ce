"""Event envelope and catalogue: the contract between services."""

from shared.events import catalogue
from shared.events.catalogue import REGISTRY, Money
from shared.events.envelope import (
    Envelope,
    Payload,
    UnknownEvent,
    encode,
    new_event,
    subject_for,
    utcnow,
)
from shared.events.envelope import decode as _decode


def decode(data: bytes) -> Envelope:
    """Parse bytes from the bus into an envelope with its catalogued payload."""
    return _decode(data, REGISTRY)


__all__ = [
    "REGISTRY",
    "Envelope",
    "Money",
    "Payload",
    "UnknownEvent",
    "catalogue",
    "decode",
    "encode",
    "new_event",
    "subject_for",
    "utcnow",
]
