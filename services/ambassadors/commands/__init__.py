"""What people and jobs do in the competition, one function per use case, each in a UnitOfWork:
`nominations` (submit, accept, withdraw), `jury` (appoint, score or recuse), `editions`
(open an edition, publish the results, record a meeting with the Mayor)."""

from __future__ import annotations

SCHEMA = "ambassadors"
PRODUCER = "ambassadors"
