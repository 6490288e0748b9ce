"""One command, one transaction: the unit of work every use case runs in.

    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        replay = await uow.claim(requested)  # Idempotency-Key, read and scoped at the edge
        if replay:
            return replay
        ...SQL on uow.conn...
        uow.emit(ev.GrantReportSubmitted(...))                         # into the outbox
        await uow.queue_mail(message, purpose="grants.report")        # sent after commit
        uow.after_commit(lambda: notify_something())
        await uow.remember(201, answer)

On leaving the block without an exception the events go to the outbox as the transaction's last
statement (so the relay publishes them in commit order), the transaction commits, and only then
the after-commit actions run: mails are handed to the job queue, jobs are enqueued. An
after-commit action that fails is logged and lost only as a hint — the sweepers send queued mail
and re-run lost jobs — never as data. On an exception (a `shared.refusals.Refused`, or anything
else) the transaction rolls back: nothing was changed, nothing is sent.

The same command runs from the API, a page, a job or the SMTP intake: what differs is only how
the edge reads its input and says its answer (problem details, a translated form, a log line).
A command that is one part of a larger transaction (a job handling many rows) takes an existing
connection with `UnitOfWork.joining(conn, ...)`: it collects events and actions the same way,
and the owner of the transaction calls `flush()` before its commit and `run_after_commit()`
after it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Self

import asyncpg

from shared import idempotency, mail, outbox
from shared.events import Envelope, new_event
from shared.logs import correlation_id

log = logging.getLogger("openkrakow.uow")

AfterCommit = Callable[[], Awaitable[Any]]


class UnitOfWork:
    """A transaction on one service's schema with its events, mails and after-commit actions."""

    def __init__(self, runtime: Any, schema: str, producer: str) -> None:
        self.runtime = runtime
        self.schema = schema
        self.producer = producer
        self.events: list[Envelope] = []
        self._actions: list[AfterCommit] = []
        self._conn: asyncpg.Connection | None = None
        self._acquired: Any = None
        self._tx: Any = None
        self._claimed: idempotency.Claimed | None = None  # the key claimed in this transaction

    @classmethod
    def joining(
        cls,
        conn: asyncpg.Connection,
        runtime: Any,
        schema: str,
        producer: str,
    ) -> UnitOfWork:
        """A unit of work inside a transaction someone else owns (see the module docstring)."""
        if not conn.is_in_transaction():
            raise RuntimeError("UnitOfWork.joining needs a connection inside a transaction")
        uow = cls(runtime, schema, producer)
        uow._conn = conn
        return uow

    @property
    def conn(self) -> asyncpg.Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    async def __aenter__(self) -> Self:
        self._acquired = self.runtime.pool(self.schema).acquire()
        self._conn = await self._acquired.__aenter__()
        try:
            self._tx = self._conn.transaction()
            await self._tx.start()
        except BaseException:
            await self._release(None, None, None)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        committed = False
        try:
            if exc_type is None:
                await self.flush()
                await self._tx.commit()
                committed = True
            else:
                await self._tx.rollback()
        except BaseException:
            if not committed:
                try:
                    await self._tx.rollback()
                except Exception:  # noqa: BLE001 - the first error is the one to raise
                    pass
            await self._release(exc_type, exc, tb)
            raise
        await self._release(exc_type, exc, tb)
        if committed:
            await self.run_after_commit()

    async def _release(self, *exc_info: Any) -> None:
        acquired, self._acquired, self._conn = self._acquired, None, None
        if acquired is not None:
            await acquired.__aexit__(*exc_info)

    # --- what a command does ---------------------------------------------------------------

    def emit(self, payload: Any) -> Envelope:
        """An event of this service for the outbox (written just before commit)."""
        envelope = new_event(payload, producer=self.producer, correlation_id=correlation_id.get())
        self.events.append(envelope)
        return envelope

    async def queue_mail(self, message: EmailMessage, *, purpose: str) -> uuid.UUID:
        """Store a mail with the change; its sending job is queued after commit."""
        mail_id = await mail.queue(self.conn, message, purpose=purpose)
        schema = self.schema
        self.after_commit(lambda: self.runtime.send_mail_soon(schema, mail_id))
        return mail_id

    def after_commit(self, action: AfterCommit) -> None:
        """Run `action()` once the transaction has committed (never on rollback)."""
        self._actions.append(action)

    # --- Idempotency-Key -------------------------------------------------------------------

    async def claim(self, requested: idempotency.Claimed | None) -> idempotency.Replay | None:
        """Claim the caller's key (read at the edge: `idempotency.requested`) in this
        transaction; the stored first answer when the same caller sent the same request."""
        if requested is None:
            return None
        replay = await idempotency.claim_key(self.conn, requested)
        self._claimed = requested
        return replay

    async def remember(self, status: int, content: Any) -> None:
        """Store the answer of the claimed key (same transaction as the change)."""
        if self._claimed is not None:
            await idempotency.remember(self.conn, self._claimed, status, content)

    # --- commit ------------------------------------------------------------------------------

    async def flush(self) -> None:
        """Write the collected events to the outbox: the transaction's last statement."""
        if self.events:
            await outbox.add(self.conn, *self.events)
            self.events = []

    async def run_after_commit(self) -> None:
        """Run the after-commit actions; a failure is logged (sweepers make up for it)."""
        actions, self._actions = self._actions, []
        for action in actions:
            try:
                await action()
            except Exception:  # noqa: BLE001 - a lost hint only delays; the sweepers redo it
                log.warning("after-commit action of %s failed", self.schema, exc_info=True)
