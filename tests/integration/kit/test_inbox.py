"""Consumers: each event applied once, failures retried with back-off, poison parked, not dropped."""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
import uuid

import asyncpg
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import BadRequestError
from prometheus_client import REGISTRY

from shared.bus import SERVER_MAX_DELIVER, Bus, ConsumerPolicy
from shared.db import create_pool
from shared.events import Envelope, encode, new_event, utcnow
from shared.events import catalogue as ev
from shared.inbox import (
    BURST_WAIT,
    REFUSED_MAX_DELAY,
    RETRY_DELAY,
    ConsumerRunner,
    ConsumerSpec,
    PartState,
    apply_once,
    describe,
)
from tests.conftest import Servers
from tests.helpers.waiting import eventually, stop_task

FAST = ConsumerPolicy(max_deliver=3, backoff=(0.1, 0.2), ack_timeouts=(5.0,))


def event() -> Envelope:
    return new_event(
        ev.BenchEditionHeld(edition_id=uuid.uuid4(), held_on=utcnow().date(), recorded_at=utcnow()),
        producer="kit-test",
    )


async def publish(bus: Bus, subject: str, envelope: Envelope, msg_id: str | None = None) -> int:
    """Publish; return the message's stream sequence."""
    # A distinct Nats-Msg-Id lets the same event through the stream's de-duplication, as a
    # re-publication after the duplicate window would.
    ack = await bus.js.publish(
        subject, encode(envelope), headers={"Nats-Msg-Id": msg_id or str(envelope.id)}
    )
    return ack.seq


async def acked_up_to(bus: Bus, consumer: str, seq: int) -> bool:
    """The consumer's watermark: every message up to stream sequence `seq` was acked."""
    info = await bus.js.consumer_info(bus.stream, consumer)
    return info.ack_floor.stream_seq >= seq


async def no_pull_waiting(bus: Bus, consumer: str) -> bool:
    """The durable consumer has no pull request waiting on the server."""
    info = await bus.js.consumer_info(bus.stream, consumer)
    return not info.num_waiting


async def start(bus: Bus, pool: asyncpg.Pool, spec: ConsumerSpec) -> asyncio.Task[None]:
    runner = ConsumerRunner(bus, pool, spec)
    task = asyncio.create_task(runner.run())
    await asyncio.wait_for(runner.ready.wait(), 10)
    return task


async def test_the_same_event_delivered_twice_is_applied_once(
    scratch: tuple[str, asyncpg.Pool], bus: Bus
) -> None:
    _, pool = scratch
    await pool.execute("create table applied (event_id uuid)")
    subject = f"okr.kittest.{uuid.uuid4().hex}"

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> None:
        await conn.execute("insert into applied values ($1)", envelope.id)

    name = f"kit-{uuid.uuid4().hex[:8]}"
    task = await start(bus, pool, ConsumerSpec(name, [subject], handler, FAST))
    try:
        envelope = event()
        await publish(bus, subject, envelope)
        await publish(bus, subject, envelope, msg_id=f"again-{envelope.id}")
        last = await publish(bus, subject, event())
        # Every message, the repeated one included, was handled and acked: nothing is pending.
        await eventually(lambda: acked_up_to(bus, name, last), what="every message acked")
        assert (
            await pool.fetchval("select count(*) from applied where event_id = $1", envelope.id)
            == 1
        )
        assert await pool.fetchval("select count(*) from applied") == 2
    finally:
        await stop_task(task)


async def test_a_failing_handler_is_retried_and_its_change_rolled_back_each_time(
    scratch: tuple[str, asyncpg.Pool], bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    _, pool = scratch
    caplog.set_level(logging.WARNING, logger="openkrakow.inbox")
    name = f"kit-{uuid.uuid4().hex[:8]}"
    await pool.execute("create table applied (event_id uuid)")
    subject = f"okr.kittest.{uuid.uuid4().hex}"
    attempts = 0
    tried_at: list[float] = []

    async def flaky(conn: asyncpg.Connection, envelope: Envelope) -> None:
        nonlocal attempts
        attempts += 1
        tried_at.append(time.monotonic())
        await conn.execute("insert into applied values ($1)", envelope.id)
        if attempts < 3:
            raise ConnectionError("downstream hiccup")

    task = await start(
        bus,
        pool,
        ConsumerSpec(
            name,
            [subject],
            flaky,
            ConsumerPolicy(max_deliver=5, backoff=(0.4, 0.4), ack_timeouts=(5.0,)),
        ),
    )
    try:
        envelope = event()
        await publish(bus, subject, envelope)
        await eventually(
            lambda: pool.fetchval("select count(*) = 1 from inbox"), what="applied on the third try"
        )
        said = [r.getMessage() for r in caplog.records]
        for delivery in (1, 2):
            assert (
                f"consumer {name} failed on {envelope.id} (delivery {delivery}): "
                "ConnectionError('downstream hiccup')"
            ) in said, said
        assert attempts == 3
        # Each retry waits its back-off (the nak's delay), never less.
        assert all(b - a >= 0.4 for a, b in zip(tried_at, tried_at[1:], strict=False)), tried_at
        assert await pool.fetchval("select count(*) from applied") == 1
        assert await pool.fetchval("select count(*) from dead_letters") == 0
    finally:
        await stop_task(task)


async def test_an_event_failing_every_time_is_parked_and_the_next_one_still_applied(
    scratch: tuple[str, asyncpg.Pool], bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    _, pool = scratch
    subject = f"okr.kittest.{uuid.uuid4().hex}"
    poison, good = event(), event()
    caplog.set_level(logging.ERROR, logger="openkrakow.inbox")

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> None:
        if envelope.id == poison.id:
            raise ValueError("cannot apply this one " + "x" * 5000)  # kept to 4000 characters

    name = f"kit-{uuid.uuid4().hex[:8]}"
    task = await start(bus, pool, ConsumerSpec(name, [subject], handler, FAST))
    try:
        await publish(bus, subject, poison)
        await publish(bus, subject, good)
        await bus.js.publish(subject, b"{not json", headers={"Nats-Msg-Id": uuid.uuid4().hex})
        await eventually(
            lambda: pool.fetchval("select count(*) = 2 from dead_letters"), what="two parked events"
        )
        parked = await pool.fetch(
            "select event_id, error, deliveries from dead_letters order by id"
        )
        by_id = {r["event_id"]: r for r in parked}
        assert by_id[poison.id]["deliveries"] == FAST.max_deliver
        assert by_id[poison.id]["error"].startswith("ValueError('cannot apply this one x")
        assert len(by_id[poison.id]["error"]) == 4000
        said = [r.getMessage() for r in caplog.records]
        assert any(
            m.startswith(
                f"parked event {poison.id} on {subject} for consumer {name} after 3 deliveries: "
                "ValueError('cannot apply this one x"
            )
            for m in said
        ), said
        assert any(
            m.startswith(f"parked event ? on {subject} for consumer {name} after 1 deliveries: ")
            and "undecodable" in m
            for m in said
        ), said
        assert any(r["event_id"] is None and "undecodable" in r["error"] for r in parked)
        assert await pool.fetchval("select count(*) from inbox where event_id = $1", good.id) == 1
        assert await pool.fetchval("select count(*) from inbox where event_id = $1", poison.id) == 0
    finally:
        await stop_task(task)


@pytest.mark.parametrize(
    "multiple_filters", [None, False], ids=["as-the-server-allows", "nats-2.9"]
)
async def test_a_consumer_of_several_subjects_applies_each_of_its_events_once_and_no_other(
    scratch: tuple[str, asyncpg.Pool], bus: Bus, multiple_filters: bool | None
) -> None:
    """NATS 2.9 has one filter subject per consumer (and ignores `filter_subjects`): there the
    consumer filters on one subject covering its subjects and skips the others itself."""
    _, pool = scratch
    await pool.execute("create table applied (event_id uuid, subject text)")
    base = f"okr.kittest.{uuid.uuid4().hex}"
    bus.multiple_filters = multiple_filters

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> None:
        await conn.execute("insert into applied values ($1, $2)", envelope.id, envelope.type)

    name = f"kit-{uuid.uuid4().hex[:8]}"
    runner = ConsumerRunner(
        bus, pool, ConsumerSpec(name, [f"{base}.a", f"{base}.b.>"], handler, FAST)
    )
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.wait_for(runner.ready.wait(), 10)
        info = await bus.js.consumer_info(bus.stream, name)
        assert info.config.max_deliver == SERVER_MAX_DELIVER  # finite: NATS 2.9 needs it
        a, b, other, another, last = event(), event(), event(), event(), event()
        await publish(bus, f"{base}.a", a)
        await publish(bus, f"{base}.b.one", b)
        await publish(bus, f"{base}.c", other)
        await publish(bus, f"{base}.d", another)
        await publish(bus, f"{base}.a", a, msg_id=f"again-{a.id}")
        await publish(bus, f"{base}.b.two", last)
        await eventually(
            lambda: pool.fetchval("select count(*) = 1 from applied where event_id = $1", last.id),
            what="the last event applied (the one before it was seen)",
        )
        assert sorted(
            await pool.fetchval("select array_agg(event_id::text) from applied")
        ) == sorted(str(e.id) for e in (a, b, last))
        assert runner.skipped == (2 if bus.supports_multiple_filters() is False else 0)
    finally:
        await stop_task(task)
        bus.multiple_filters = None


async def test_a_lone_event_is_handled_at_once_and_a_burst_in_batches(
    scratch: tuple[str, asyncpg.Pool], bus: Bus
) -> None:
    """An idle consumer hands over a lone event the moment it comes (a pull of a batch kept it
    until the pull expired: up to a second late, which a live dashboard showed); a burst is
    still taken in batches."""
    _, pool = scratch
    subject = f"okr.kittest.{uuid.uuid4().hex}"
    handled: dict[uuid.UUID, float] = {}

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> None:
        handled[envelope.id] = asyncio.get_running_loop().time()

    name = f"kit-{uuid.uuid4().hex[:8]}"
    task = await start(bus, pool, ConsumerSpec(name, [subject], handler, FAST))
    try:
        lags = []
        for _ in range(5):
            await asyncio.sleep(0.3)  # idle: the consumer waits in a lingering pull
            envelope = event()
            sent = asyncio.get_running_loop().time()
            await publish(bus, subject, envelope)
            await eventually(lambda e=envelope: _true(e.id in handled), what="handled")
            lags.append(handled[envelope.id] - sent)
        # Against the idle pull's expiry (1 s), not a clock of its own: a consumer that kept a
        # lone event until its pull expired would hand it over 0-1 s late, half a second on
        # the median; a loaded machine (a CI run beside mutation runs) made "< 0.25 s" fail
        # at 0.34 s with a median of 0.14 s. The pull rule itself is checked exactly below.
        assert statistics.median(lags) < 0.5, lags
        burst = [event() for _ in range(300)]
        for envelope in burst:
            await publish(bus, subject, envelope)
        await eventually(lambda: _true(all(e.id in handled for e in burst)), what="burst handled")
    finally:
        await stop_task(task)


async def _true(value: bool) -> bool:
    return value


async def test_a_backlog_is_applied_in_few_transactions_and_a_failure_in_one_undoes_none_other(
    scratch: tuple[str, asyncpg.Pool], bus: Bus
) -> None:
    """The events of one fetch share a transaction (one commit, not one each, so a backlog
    drains fast); when one of them fails, the batch is rolled back and each is applied on its
    own: the failing one retried, every other applied once."""
    _, pool = scratch
    await pool.execute("create table applied (event_id uuid, txid bigint)")
    subject = f"okr.kittest.{uuid.uuid4().hex}"
    backlog = [event() for _ in range(60)]
    second = [event() for _ in range(20)]
    flaky = second[10].id
    failures = 0

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> None:
        nonlocal failures
        await conn.execute("insert into applied values ($1, txid_current())", envelope.id)
        if envelope.id == flaky and failures < 2:
            failures += 1
            raise ValueError("not yet")

    for envelope in backlog:
        await publish(bus, subject, envelope)
    name = f"kit-{uuid.uuid4().hex[:8]}"
    task = await start(bus, pool, ConsumerSpec(name, [subject], handler, FAST))
    try:
        await eventually(
            lambda: pool.fetchval("select count(*) = 60 from applied"), what="backlog applied"
        )
        assert len(set(await pool.fetch("select distinct txid from applied"))) < 30, (
            "the backlog was applied one by one"
        )
        await stop_task(task)
        # The stopped consumer's last pull stays on the server until it expires (a second): a
        # message delivered to it would wait out the ack timeout (5 s). Wait until none is left.
        await eventually(lambda: no_pull_waiting(bus, name), what="the old pull expired")
        for envelope in second:
            last = await publish(bus, subject, envelope)
        task = await start(bus, pool, ConsumerSpec(name, [subject], handler, FAST))
        await eventually(
            lambda: pool.fetchval("select count(*) = 80 from applied"), what="all applied"
        )
        # Every message acked (the retried one too): nothing is left to redeliver, so what
        # was applied is final (a watermark, not a pause).
        await eventually(lambda: acked_up_to(bus, name, last), what="every message acked")
        rows = await pool.fetch("select event_id from applied")
        assert sorted(str(r["event_id"]) for r in rows) == sorted(
            str(e.id) for e in [*backlog, *second]
        )
        assert failures == 2
        assert await pool.fetchval("select count(*) from dead_letters") == 0
    finally:
        await stop_task(task)


async def test_apply_once_applies_an_event_once_per_consumer_and_a_failure_leaves_no_mark(
    scratch: tuple[str, asyncpg.Pool],
) -> None:
    _, pool = scratch
    await pool.execute("create table applied (consumer text, event_id uuid)")
    envelope = event()

    def handler_of(consumer: str):  # noqa: ANN202
        async def handler(conn: asyncpg.Connection, e: Envelope) -> None:
            await conn.execute("insert into applied values ($1, $2)", consumer, e.id)

        return handler

    async with pool.acquire() as conn:
        assert await apply_once(conn, "first", envelope, handler_of("first")) is True
        assert await apply_once(conn, "first", envelope, handler_of("first")) is False
        assert await apply_once(conn, "second", envelope, handler_of("second")) is True

        async def failing(conn: asyncpg.Connection, e: Envelope) -> None:
            await conn.execute("insert into applied values ('third', $1)", e.id)
            raise ValueError("no")

        with pytest.raises(ValueError):
            await apply_once(conn, "third", envelope, failing)
    rows = await pool.fetch("select consumer from applied order by consumer")
    assert [r["consumer"] for r in rows] == ["first", "second"]
    marks = await pool.fetch("select consumer from inbox order by consumer")
    assert [r["consumer"] for r in marks] == ["first", "second"]


async def test_the_after_commit_hook_gets_what_the_handler_changed_once_and_a_failing_hook_loses_nothing(
    scratch: tuple[str, asyncpg.Pool], bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    """The hook runs after the commit, with the process's runtime, the envelope and what the
    handler returned; not for an event applied before; a hook that fails neither undoes the
    event nor stops the consumer."""
    _, pool = scratch
    subject = f"okr.kittest.{uuid.uuid4().hex}"
    hooked: list[tuple[object, uuid.UUID, object, int]] = []

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> str:
        return f"changed {envelope.id}"

    async def hook(runtime: object, envelope: Envelope, changed: object) -> None:
        # The inbox's row is visible from another connection: the transaction has committed.
        seen = await pool.fetchval("select count(*) from inbox where event_id = $1", envelope.id)
        hooked.append((runtime, envelope.id, changed, seen))
        if len(hooked) == 1:
            raise RuntimeError("the notification failed")

    name = f"kit-{uuid.uuid4().hex[:8]}"
    runtime = object()
    runner = ConsumerRunner(
        bus, pool, ConsumerSpec(name, [subject], handler, FAST, after_commit=hook), runtime=runtime
    )
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.wait_for(runner.ready.wait(), 10)
        first, second = event(), event()
        await publish(bus, subject, first)
        await publish(bus, subject, first, msg_id=f"again-{first.id}")
        last = await publish(bus, subject, second)
        await eventually(lambda: acked_up_to(bus, name, last), what="every message acked")
        await eventually(lambda: _true(len(hooked) == 2), what="both hooks run")
        assert hooked == [
            (runtime, first.id, f"changed {first.id}", 1),
            (runtime, second.id, f"changed {second.id}", 1),
        ]
        assert runner.applied == 2
        failures = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert [r.getMessage() for r in failures] == [f"after-commit hook of {name} failed"]
        assert failures[0].exc_info and "the notification failed" in str(failures[0].exc_info[1])
        # The hook's failure is the hook's: the consumer kept running, never restarted.
        assert (runner.status.state, runner.status.attempts) == ("running", 0)
        assert runner.status.last_error is None
        assert await pool.fetchval("select count(*) from inbox") == 2
        assert await pool.fetchval("select count(*) from dead_letters") == 0
    finally:
        await stop_task(task)


async def test_after_a_burst_a_lone_event_is_again_handled_at_once_and_the_lag_is_told(
    scratch: tuple[str, asyncpg.Pool], bus: Bus
) -> None:
    """A burst is pulled in batches (more than one message a pull); the moment the burst is
    over the consumer goes back to the lingering pull of one message: an event right after the
    burst is not held by a batch's pull (BURST_WAIT). The pulls on the subscription (one, never
    bound again) follow that rule exactly: one message with a second's expiry when idle, the
    batch with BURST_WAIT after a pull that brought something. (The lag: the test below.)"""
    _, pool = scratch
    subject = f"okr.kittest.{uuid.uuid4().hex}"
    handled: dict[uuid.UUID, float] = {}
    lags_seen: list[int | None] = []
    sizes: list[int] = []
    idle_pulls: list[int | None] = []  # the lag told before each pull that found nothing
    pulls: list[tuple[int, float | None, int]] = []  # batch, expiry, messages it brought
    binds = 0
    name = f"kit-{uuid.uuid4().hex[:8]}"
    runner: ConsumerRunner

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> None:
        lags_seen.append(runner.pending)
        handled[envelope.id] = asyncio.get_running_loop().time()

    bind = bus.js.pull_subscribe_bind

    async def bind_and_count(*args: object, **kwargs: object):  # noqa: ANN202
        nonlocal binds
        binds += 1
        sub = await bind(*args, **kwargs)  # type: ignore[arg-type]
        fetch = sub.fetch

        async def counted(*a: object, **k: object):  # noqa: ANN202
            batch = a[0] if a else k.get("batch", 1)  # nats-py's defaults: 1 message, 5 s
            expiry = k["timeout"] if "timeout" in k else (a[1] if len(a) > 1 else 5)
            try:
                msgs = await fetch(*a, **k)  # type: ignore[arg-type]
            except TimeoutError:
                idle_pulls.append(runner.pending)
                pulls.append((batch, expiry, 0))  # type: ignore[arg-type]
                raise
            sizes.append(len(msgs))
            pulls.append((batch, expiry, len(msgs)))  # type: ignore[arg-type]
            return msgs

        sub.fetch = counted  # type: ignore[method-assign]
        return sub

    bus.js.pull_subscribe_bind = bind_and_count  # type: ignore[method-assign]
    runner = ConsumerRunner(bus, pool, ConsumerSpec(name, [subject], handler, FAST), batch=20)
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.wait_for(runner.ready.wait(), 10)
        burst = [event() for _ in range(200)]
        for envelope in burst:
            await publish(bus, subject, envelope)
        await eventually(lambda: _true(all(e.id in handled for e in burst)), what="burst handled")
        assert max(sizes) > 1, sizes  # pulled in batches
        # Whether a lag is told during the burst depends on the machine: a consumer that keeps up
        # with the publisher is never behind (seen in CI). The idle pulls below must tell none.
        lags = []
        for _ in range(3):  # no pause: each comes while the consumer may still be in a burst
            envelope = event()
            sent = asyncio.get_running_loop().time()
            await publish(bus, subject, envelope)
            await eventually(lambda e=envelope: _true(e.id in handled), what="handled")
            lags.append(handled[envelope.id] - sent)
        # At once: not held by a wait for more. How soon is the machine's (1.8 s under a load
        # average of 16); that the pull after a burst does not wait for a batch is checked
        # exactly by the pull rule below. A consumer holding it would take the pull's expiry.
        assert statistics.median(lags) < 2.0, lags
        # A pull that finds nothing says so: no lag (told after it, so seen before the next).
        seen = len(idle_pulls)
        await eventually(lambda: _true(len(idle_pulls) > seen + 1), what="two idle pulls")
        assert idle_pulls[-1] == 0 and runner.pending == 0, idle_pulls
        assert binds == 1
        assert pulls[0][:2] == (1, 1.0), pulls
        for before, after in zip(pulls, pulls[1:], strict=False):
            assert after[:2] == ((20, BURST_WAIT) if before[2] else (1, 1.0)), (before, after)
    finally:
        await stop_task(task)


async def test_a_part_is_down_from_its_start_until_it_runs_and_from_its_first_failure() -> None:
    made = time.monotonic()
    state = PartState()
    assert state.state == "starting"
    first = state.down_for()
    assert first >= 0.0
    await _a_moment_passes()
    assert first < state.down_for() <= time.monotonic() - made  # down since it was made
    state.up()
    assert (state.state, state.down_for(), state.attempts) == ("running", 0.0, 0)
    before = time.monotonic()
    state.failed("gone")
    await _a_moment_passes()
    state.failed("still gone")
    assert (state.state, state.last_error, state.attempts) == ("retrying", "still gone", 2)
    assert state.down_since is not None and state.down_since <= before + 0.001
    assert state.down_for() >= time.monotonic() - before - 0.001  # from the first failure
    state.up("active")
    assert (state.state, state.down_for(), state.attempts) == ("active", 0.0, 0)


async def test_an_outage_is_retried_every_second_and_a_refusal_with_doubling_waits(
    scratch: tuple[str, asyncpg.Pool], bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    """An outage is a warning each time; a refusal is an error once, saying what to change, then
    a quiet line per retry with its wait."""
    _, pool = scratch
    caplog.set_level(logging.DEBUG, logger="openkrakow.inbox")

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> None:
        return None

    runner = ConsumerRunner(bus, pool, ConsumerSpec("kit-retry", ["okr.kittest.x"], handler))
    assert runner._failed(ConnectionError("refused")) == RETRY_DELAY == 1.0
    assert runner._failed(ConnectionError("refused")) == RETRY_DELAY
    runner.status.up()
    refused = BadRequestError(code=400, err_code=10116, description="max deliver")
    delays = [runner._failed(refused) for _ in range(7)]
    assert delays == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert REFUSED_MAX_DELAY == 60.0
    error = describe(refused)
    assert runner.status.last_error == error and "max deliver" in error
    said = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert said == [
        (logging.WARNING, "consumer kit-retry: refused; retrying"),
        (logging.WARNING, "consumer kit-retry: refused; retrying"),
        (
            logging.ERROR,
            f"consumer kit-retry cannot be created: NATS {bus.server_version} refuses its "
            f"configuration: {error}. Nothing is consumed until this is fixed: use NATS 2.9 or "
            "newer, or, when the durable consumer exists with an older configuration, delete it "
            f"(`nats consumer rm {bus.stream} kit-retry`; it is created again and replays the "
            "stream, and events already applied are skipped by the inbox); retrying with "
            "back-off up to every 60 s",
        ),
        *(
            (logging.DEBUG, f"consumer kit-retry still refused: {error}; next try in {d} s")
            for d in (4, 8, 16, 32, 60, 60)
        ),
    ]


async def _a_moment_passes() -> None:
    start = time.monotonic()
    while time.monotonic() == start:
        await asyncio.sleep(0.001)


def observed(histogram: str, consumer: str) -> tuple[float, float]:
    """(count, sum) of a latency histogram of one consumer, as /metrics serves them."""
    labels = {"consumer": consumer}
    count = REGISTRY.get_sample_value(f"openkrakow_event_{histogram}_seconds_count", labels)
    total = REGISTRY.get_sample_value(f"openkrakow_event_{histogram}_seconds_sum", labels)
    return (count or 0.0, total or 0.0)


async def fetch_exactly(sub, n: int) -> list:  # noqa: ANN001
    """`n` messages already stored, however many pulls that takes."""
    msgs: list = []
    while len(msgs) < n:
        msgs += await sub.fetch(n - len(msgs), timeout=5)
    return msgs


async def test_one_fetch_is_applied_in_one_transaction_and_each_event_timed(
    scratch: tuple[str, asyncpg.Pool], bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    """`handle_batch` on real messages: the consumer's events of one fetch share a transaction,
    the others of a covering filter (NATS 2.9) are acked and skipped, an undecodable one is
    parked; each applied event's bus and projection times are observed and its hook run. When
    the shared transaction fails, each is applied on its own, and the log says why."""
    _, pool = scratch
    caplog.set_level(logging.DEBUG, logger="openkrakow.inbox")
    await pool.execute("create table applied (event_id uuid, txid bigint)")
    base = f"okr.kittest.{uuid.uuid4().hex}"
    name = f"kit-{uuid.uuid4().hex[:8]}"
    flaky: set[uuid.UUID] = set()
    hooked: list[tuple[object, uuid.UUID, object]] = []

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> str:
        await conn.execute("insert into applied values ($1, txid_current())", envelope.id)
        if envelope.id in flaky:
            flaky.discard(envelope.id)
            raise ValueError("not yet")
        return f"changed {envelope.id}"

    async def hook(runtime: object, envelope: Envelope, changed: object) -> None:
        hooked.append((runtime, envelope.id, changed))

    runtime = object()
    spec = ConsumerSpec(name, [f"{base}.a", f"{base}.b.>"], handler, FAST, after_commit=hook)
    runner = ConsumerRunner(bus, pool, spec, runtime=runtime)
    bus.multiple_filters = False  # one covering filter: the runner skips the other subjects
    try:
        runner._client_filter = await bus.ensure_consumer(name, spec.subjects, FAST)
    finally:
        bus.multiple_filters = None
    assert runner._client_filter is not None
    sub = await bus.js.pull_subscribe_bind(durable=name, stream=bus.stream)

    # One fetch: two of ours, two of other subjects, one undecodable.
    a, b = event(), event()
    await publish(bus, f"{base}.a", a)
    await publish(bus, f"{base}.c", event())
    await bus.js.publish(f"{base}.a", b"{not json", headers={"Nats-Msg-Id": uuid.uuid4().hex})
    await publish(bus, f"{base}.d", event())
    last = await publish(bus, f"{base}.b.one", b)
    msgs = await fetch_exactly(sub, 5)
    received = time.time() + 100  # taken "in 100 s": the bus time is known, the projection 0
    await runner.handle_batch(msgs, received)
    await eventually(lambda: acked_up_to(bus, name, last), what="all five acked")
    rows = await pool.fetch("select event_id, txid from applied")
    assert sorted(str(r["event_id"]) for r in rows) == sorted([str(a.id), str(b.id)])
    assert len({r["txid"] for r in rows}) == 1  # one transaction
    assert (runner.applied, runner.skipped) == (2, 2)
    parked = await pool.fetch("select event_id, error from dead_letters")
    assert len(parked) == 1 and parked[0]["event_id"] is None
    assert parked[0]["error"].startswith("undecodable: ")
    assert hooked == [(runtime, a.id, f"changed {a.id}"), (runtime, b.id, f"changed {b.id}")]
    ours = [
        m for m in msgs if m.data != b"{not json" and m.subject in (f"{base}.a", f"{base}.b.one")
    ]
    bus_time = sum(received - m.metadata.timestamp.timestamp() for m in ours)
    assert observed("bus", name) == pytest.approx((2, bus_time))
    assert observed("projection", name) == (2, 0.0)

    # `handle` on its own (as for a lone message) skips another subject's events too.
    for other in ("c", "d"):
        last = await publish(bus, f"{base}.{other}", event())
    for msg in await fetch_exactly(sub, 2):
        await runner.handle(msg, received)
    await eventually(lambda: acked_up_to(bus, name, last), what="the others acked")
    assert (runner.applied, runner.skipped) == (2, 4)

    # A lone message is handled on its own; taken "100 s before it was stored": bus time 0.
    c = event()
    last = await publish(bus, f"{base}.a", c)
    [lone] = await fetch_exactly(sub, 1)
    received = lone.metadata.timestamp.timestamp() - 100
    before = time.time()
    await runner.handle_batch([lone], received)
    took = time.time() - before
    await eventually(lambda: acked_up_to(bus, name, last), what="the lone one acked")
    count, total = observed("bus", name)
    assert (count, total) == pytest.approx((3, bus_time))
    count, total = observed("projection", name)
    assert count == 3 and before - received <= total <= before - received + took

    # A batch whose transaction fails: rolled back, then each applied alone (three transactions).
    d, e, f = event(), event(), event()
    flaky.add(e.id)
    for envelope in (d, e, f):
        last = await publish(bus, f"{base}.a", envelope)
    msgs = await fetch_exactly(sub, 3)
    await runner.handle_batch(msgs, time.time())
    await eventually(lambda: acked_up_to(bus, name, last), what="the three acked")
    rows = await pool.fetch(
        "select txid from applied where event_id = any($1::uuid[])", [d.id, e.id, f.id]
    )
    assert len(rows) == 3 and len({r["txid"] for r in rows}) == 3
    failed = [r for r in caplog.records if r.msg == "consumer %s: batch of %d failed (%r)"]
    assert [r.getMessage() for r in failed] == [
        f"consumer {name}: batch of 3 failed (ValueError('not yet'))"
    ]
    assert runner.applied == 6 and observed("bus", name)[0] == 6
    assert observed("projection", name)[0] == 6


async def test_the_lag_told_is_what_was_still_waiting_after_each_pull(
    scratch: tuple[str, asyncpg.Pool], bus: Bus
) -> None:
    """A backlog of 50 taken by a consumer pulling 20 at most: its first pull takes one (it is
    idle), then batches; while it applies a batch, the lag it tells is the number of events
    that were still waiting after the previous pull (JetStream's count on the last message)."""
    _, pool = scratch
    subject = f"okr.kittest.{uuid.uuid4().hex}"
    seen: list[int | None] = []  # the lag told while each event was applied, in order
    sizes: list[int] = []
    runner: ConsumerRunner

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> None:
        seen.append(runner.pending)

    bind = bus.js.pull_subscribe_bind

    async def bind_and_count(*args: object, **kwargs: object):  # noqa: ANN202
        sub = await bind(*args, **kwargs)  # type: ignore[arg-type]
        fetch = sub.fetch

        async def counted(*a: object, **k: object):  # noqa: ANN202
            try:
                msgs = await fetch(*a, **k)  # type: ignore[arg-type]
            except Exception:
                # A pull that expired empty (on a loaded machine even with events waiting):
                # the consumer then tells no lag.
                sizes.append(0)
                raise
            sizes.append(len(msgs))
            return msgs

        sub.fetch = counted  # type: ignore[method-assign]
        return sub

    for _ in range(50):
        await publish(bus, subject, event())
    bus.js.pull_subscribe_bind = bind_and_count  # type: ignore[method-assign]
    name = f"kit-{uuid.uuid4().hex[:8]}"
    runner = ConsumerRunner(bus, pool, ConsumerSpec(name, [subject], handler, FAST), batch=20)
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: _true(len(seen) == 50), what="the backlog applied")
        # Each event's way through the bus and into the projection was timed once.
        await eventually(
            lambda: _true(observed("projection", name)[0] == 50), what="the times observed"
        )
        assert observed("bus", name)[0] == 50
        taken = [n for n in sizes if n]
        assert taken[0] == 1 and max(taken) > 1 and max(taken) <= 20, sizes
        expected: list[int | None] = []
        waiting: int | None = None  # nothing told before the first pull
        for size in sizes:
            if len(expected) == 50:
                break
            if size == 0:  # an empty pull tells no lag
                waiting = 0
                continue
            expected += [waiting] * size
            waiting = 50 - len(expected)
        assert seen == expected, (sizes, seen)
        await eventually(lambda: _true(runner.pending == 0), what="no lag once all is taken")
    finally:
        await stop_task(task)


async def test_a_consumer_the_server_refuses_keeps_running_and_says_why(
    scratch: tuple[str, asyncpg.Pool], bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    """A durable consumer made earlier with another delivery policy cannot be updated: JetStream
    refuses; the runner records the refusal, logs it as an error once and waits to retry; it
    does not stop."""
    _, pool = scratch
    caplog.set_level(logging.WARNING, logger="openkrakow.inbox")

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> None:
        return None

    name = f"kit-{uuid.uuid4().hex[:8]}"
    subject = f"okr.kittest.{uuid.uuid4().hex}"
    await bus.js.add_consumer(
        bus.stream,
        ConsumerConfig(
            durable_name=name,
            deliver_policy=DeliverPolicy.NEW,
            ack_policy=AckPolicy.EXPLICIT,
            filter_subject=subject,
        ),
    )
    runner = ConsumerRunner(bus, pool, ConsumerSpec(name, [subject], handler, FAST))
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: _true(runner.status.attempts >= 1), what="the refusal")
        assert not task.done()  # waiting to retry, not stopped
        assert runner.status.state == "retrying" and not runner.ready.is_set()
        error = runner.status.last_error
        said = [(r.levelno, r.getMessage()) for r in caplog.records]
        assert [m for level, m in said if level == logging.ERROR][0].startswith(
            f"consumer {name} cannot be created: NATS {bus.server_version} refuses its "
            f"configuration: {error}. "
        ), said
    finally:
        await stop_task(task)


def test_a_new_consumer_pulls_up_to_100_and_has_told_nothing_yet() -> None:
    """The runtime starts every consumer with the default batch (it passes none); the counters
    and the lag start empty: no lag is told before the first pull."""

    async def handler(conn: asyncpg.Connection, envelope: Envelope) -> None:
        return None

    runner = ConsumerRunner(
        Bus.__new__(Bus),
        None,  # type: ignore[arg-type]
        ConsumerSpec("kit-new", ["okr.kittest.x"], handler),
    )
    assert runner.batch == 100 and runner.runtime is None
    assert (runner.applied, runner.skipped, runner.pending) == (0, 0, None)
    assert runner.pending is None and not runner.ready.is_set()
    assert (runner.status.state, runner.status.last_error) == ("starting", None)


async def test_a_nak_or_a_parking_that_fails_does_not_escape_handle(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    """The nak after a failed delivery and the parking at the last one are best effort: when
    they fail (the message acknowledged meanwhile, PostgreSQL gone) `handle` still returns, the
    consumer goes on, and JetStream redelivers what was not acknowledged."""
    schema, pool = scratch
    subject = f"okr.kittest.{uuid.uuid4().hex}"
    name = f"kit-{uuid.uuid4().hex[:8]}"
    policy = ConsumerPolicy(max_deliver=2, backoff=(0.1,), ack_timeouts=(5.0,))

    async def failing(conn: asyncpg.Connection, envelope: Envelope) -> None:
        raise ValueError("no")

    spec = ConsumerSpec(name, [subject], failing, policy)
    await bus.ensure_consumer(name, [subject], policy)
    sub = await bus.js.pull_subscribe_bind(durable=name, stream=bus.stream)

    # The nak fails: the message was acknowledged meanwhile (nats-py refuses a second answer).
    runner = ConsumerRunner(bus, pool, spec)
    await publish(bus, subject, event())
    [first] = await fetch_exactly(sub, 1)
    await first.ack()
    await runner.handle(first)  # delivery 1 fails; its nak raises, and is swallowed

    # Parking at the last delivery fails: the consumer's pool is closed.
    await publish(bus, subject, event())
    [second] = await fetch_exactly(sub, 1)
    await second.nak()
    [again] = await fetch_exactly(sub, 1)
    assert again.metadata.num_delivered == policy.max_deliver
    closed = await create_pool(servers.database_url, schema, max_size=1)
    await closed.close()
    await ConsumerRunner(bus, closed, spec).handle(again)  # parking raises, and is swallowed
    assert await pool.fetchval("select count(*) from dead_letters") == 0
