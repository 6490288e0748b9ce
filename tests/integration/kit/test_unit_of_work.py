"""The unit of work: one command, one transaction — events and mail with the change, actions
after commit, nothing at all on a refusal, and an Idempotency-Key that replays only its caller's
first answer."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import asyncpg
import pytest

from shared import idempotency
from shared.events import catalogue as ev
from shared.mail import compose
from shared.refusals import N_, Refused, Wording, conflict, register
from shared.unit_of_work import UnitOfWork

register({"test.uow_refused": Wording(N_("Refused for the test."), "refused for the test")})


class FakeRuntime:
    """The two things a unit of work asks of the process: a pool, and the mail job queue (here
    a list, so the test sees what would be enqueued)."""

    def __init__(self, schema: str, pool: asyncpg.Pool) -> None:
        self._pools = {schema: pool}
        self.mail_jobs: list[tuple[str, uuid.UUID]] = []

    def pool(self, schema: str) -> asyncpg.Pool:
        return self._pools[schema]

    async def send_mail_soon(self, schema: str, mail_id: uuid.UUID) -> None:
        self.mail_jobs.append((schema, mail_id))


def edition_created() -> ev.BenchEditionCreated:
    return ev.BenchEditionCreated(
        edition_id=uuid.uuid4(),
        held_on=date(2026, 5, 1),
        submissions_close_at=datetime(2026, 4, 30, tzinfo=UTC),
        answer_due_days=14,
    )


def a_mail() -> object:
    return compose(
        sender="no-reply@openkrakow.local", to="asker@example.org", subject="Hi", text="Hello"
    )


async def setup_table(pool: asyncpg.Pool) -> None:
    await pool.execute("create table if not exists things (id uuid primary key)")


async def test_a_command_commits_its_change_events_and_mail_then_runs_its_actions(
    scratch: tuple[str, asyncpg.Pool],
) -> None:
    schema, pool = scratch
    await setup_table(pool)
    runtime = FakeRuntime(schema, pool)
    thing, ran = uuid.uuid4(), []

    async def action() -> None:
        # After commit: the change is visible to another connection.
        ran.append(await pool.fetchval("select count(*) from things where id = $1", thing))

    async with UnitOfWork(runtime, schema, "tests") as uow:
        await uow.conn.execute("insert into things values ($1)", thing)
        envelope = uow.emit(edition_created())
        mail_id = await uow.queue_mail(a_mail(), purpose="test")  # type: ignore[arg-type]
        uow.after_commit(action)
        assert runtime.mail_jobs == [] and ran == []  # nothing leaves before the commit
    assert ran == [1]
    assert runtime.mail_jobs == [(schema, mail_id)]
    assert await pool.fetchval("select event_id from outbox") == envelope.id
    assert envelope.producer == "tests"
    assert await pool.fetchval("select count(*) from outgoing_mail where id = $1", mail_id) == 1


async def test_a_refusal_changes_nothing_and_sends_nothing(
    scratch: tuple[str, asyncpg.Pool],
) -> None:
    schema, pool = scratch
    await setup_table(pool)
    runtime = FakeRuntime(schema, pool)
    ran: list[str] = []

    async def action() -> None:
        ran.append("ran")

    with pytest.raises(Refused) as refused:
        async with UnitOfWork(runtime, schema, "tests") as uow:
            await uow.conn.execute("insert into things values ($1)", uuid.uuid4())
            uow.emit(edition_created())
            await uow.queue_mail(a_mail(), purpose="test")  # type: ignore[arg-type]
            uow.after_commit(action)
            raise conflict("test.uow_refused")
    assert refused.value.code == "test.uow_refused"
    assert ran == [] and runtime.mail_jobs == []
    for table in ("things", "outbox", "outgoing_mail"):
        assert await pool.fetchval(f"select count(*) from {table}") == 0, table
    # The connection went back to the pool in a clean state.
    assert pool.get_size() - pool.get_idle_size() == 0


async def test_a_failing_action_after_commit_loses_nothing_committed(
    scratch: tuple[str, asyncpg.Pool], caplog: pytest.LogCaptureFixture
) -> None:
    schema, pool = scratch
    await setup_table(pool)
    later: list[str] = []

    async def broken() -> None:
        raise ConnectionError("redis is down")

    async def fine() -> None:
        later.append("ran")

    async with UnitOfWork(FakeRuntime(schema, pool), schema, "tests") as uow:
        await uow.conn.execute("insert into things values ($1)", uuid.uuid4())
        uow.after_commit(broken)
        uow.after_commit(fine)
    assert await pool.fetchval("select count(*) from things") == 1
    assert later == ["ran"]  # one failed hint does not stop the others
    assert any("after-commit action" in r.getMessage() for r in caplog.records)


async def test_an_idempotency_key_replays_its_callers_first_answer_only(
    scratch: tuple[str, asyncpg.Pool],
) -> None:
    schema, pool = scratch
    await setup_table(pool)
    runtime = FakeRuntime(schema, pool)
    mine = idempotency.Claimed(scope="things@caller-a", key="k1", fingerprint="f1")

    async def create(claimed: idempotency.Claimed) -> object:
        async with UnitOfWork(runtime, schema, "tests") as uow:
            if replay := await uow.claim(claimed):
                return replay
            thing = uuid.uuid4()
            await uow.conn.execute("insert into things values ($1)", thing)
            await uow.remember(201, {"id": str(thing)})
            return thing

    first = await create(mine)
    again = await create(mine)
    assert isinstance(again, idempotency.Replay)
    assert again.status == 201 and str(first) in again.body.decode()
    # Another caller with the same key is another request: created anew.
    other = await create(idempotency.Claimed(scope="things@caller-b", key="k1", fingerprint="f1"))
    assert isinstance(other, uuid.UUID)
    # The same caller and key with other content is refused, and changes nothing.
    with pytest.raises(Refused) as refused:
        await create(idempotency.Claimed(scope="things@caller-a", key="k1", fingerprint="f2"))
    assert refused.value.code == "idempotency.reused"
    assert refused.value.field == idempotency.HEADER
    assert await pool.fetchval("select count(*) from things") == 2


async def test_joining_a_transaction_someone_else_owns(scratch: tuple[str, asyncpg.Pool]) -> None:
    """A job handling many rows in one transaction: events flushed before its commit, actions
    run after it."""
    schema, pool = scratch
    runtime = FakeRuntime(schema, pool)
    ran: list[str] = []

    async def action() -> None:
        ran.append("ran")

    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="inside a transaction"):
            UnitOfWork.joining(conn, runtime, schema, "tests")
        async with conn.transaction():
            uow = UnitOfWork.joining(conn, runtime, schema, "tests")
            uow.emit(edition_created())
            uow.after_commit(action)
            await uow.flush()
        await uow.run_after_commit()
    assert ran == ["ran"]
    assert await pool.fetchval("select count(*) from outbox") == 1
