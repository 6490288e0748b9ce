"""Everything a person or a job does in the Council, one function per use case.

`members` (settings, calls, applications, appointments, departures), `meetings` (scheduling,
cancelling, attendance, agenda, replies) and `minutes` (minutes and votes). Each runs in one
`shared.unit_of_work.UnitOfWork` on the participation schema: its events go to the outbox as
the transaction's last statement, its mails are queued with the change and sent after commit,
and a refusal (`shared.refusals.Refused`) rolls everything back. The API, the pages and the
jobs call these same functions.
"""

SCHEMA = "participation"
PRODUCER = "participation"
