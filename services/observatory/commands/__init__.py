"""What the coordinator does with the Observatory's publications, one function per use case,
each in a UnitOfWork: add, change, withdraw (`publications`)."""

from __future__ import annotations

SCHEMA = "observatory"
PRODUCER = "observatory"
