"""Every use case of the Bench, whatever door it comes in by (API, page, e-mail, job).

Each command runs in a `shared.unit_of_work.UnitOfWork` on the `participation` schema: its
events go to the outbox as the transaction's last statement, its mails and jobs are handed over
after commit, and a refusal (`shared.refusals.Refused`, codes in `domain.REFUSALS`) rolls back
everything. `questions.py`: receiving, answering and delivering questions; `staff.py`: what the
coordinator and responders do with editions and questions; `mail.py`: the fate of inbound mail
(the SMTP intake and the moderation of held mail).
"""

from __future__ import annotations

from typing import Any

from shared.unit_of_work import UnitOfWork

SCHEMA = "participation"
PRODUCER = "participation"


def unit_of_work(runtime: Any) -> UnitOfWork:
    """A transaction on the Bench's schema, with its events, mails and after-commit jobs."""
    return UnitOfWork(runtime, SCHEMA, PRODUCER)
