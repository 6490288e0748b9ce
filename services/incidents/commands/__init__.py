"""What people do with incident reports, one function per use case, each in a UnitOfWork:
`reports` (report, triage and refer), `team` (the coordinator's response team)."""

from __future__ import annotations

SCHEMA = "incidents"
PRODUCER = "incidents"
