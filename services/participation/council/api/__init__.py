"""The Council's HTTP API, split by audience: `public` (anyone), `staff` (the secretariat:
coordinator and council secretary) and `member` (a member with their invitation's token).

Each handler reads its input, calls one command or query, and says the answer; refusals
(`shared.refusals.Refused`) become problem details app-wide (`shared.http.refused_handler`).
"""

from __future__ import annotations

from shared import idempotency
from shared.auth import requires

TAGS = ["council"]
SECRETARIAT = requires("coordinator", "council_secretary")


created = idempotency.respond  # 201 with the command's answer, or the replayed first answer
