"""The running platform: connections, and the parts a process runs (web, relays, consumers, jobs).

`openkrakow run` starts every part of every service in one process; `serve`, `relay` and `worker`
start some of them. Each part only needs the Runtime, so any mix works.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
import nats.errors
import redis.asyncio as aioredis
import redis.exceptions

from shared import health, latency, signin, versions
from shared import jobs as jobkit
from shared.auth import Authenticator, load_secret
from shared.bus import Bus
from shared.config import Settings
from shared.db import create_pool, lock_key, needs_reset
from shared.inbox import RETRY_DELAY as WORKER_RETRY_DELAY
from shared.inbox import ConsumerRunner, ConsumerSpec, PartState, describe
from shared.mail import MailSender, MailSendError
from shared.migrate import migrate
from shared.outbox import OutboxRelay
from shared.people import PeopleHooks
from shared.privacy import PrivacyHooks
from shared.ratelimit import RateLimiter

log = logging.getLogger("openkrakow.runtime")
T = TypeVar("T")

Background = Callable[["Runtime"], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    """An operator command of a service: `openkrakow <name> ...` (services/cli.py lists them)."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]  # adds the command's arguments
    run: Callable[[argparse.Namespace], int]  # the exit status


@dataclass
class ServiceSpec:
    """What a service brings: its schema and migrations, routes, consumers, jobs and tasks."""

    name: str
    schema: str
    # One folder (Path), or one per part sharing the schema (a sequence of Path). Not annotated
    # as that union: litestar validates the `runtime` dependency (and so every ServiceSpec) with
    # msgspec, which refuses a union of a custom type with anything but None (every route 500s).
    migrations: Any
    route_handlers: Sequence[Any] = ()
    consumers: Sequence[ConsumerSpec] = ()
    jobs: Sequence[Any] = ()
    cron_jobs: Sequence[jobkit.CronJob] = ()
    background: Sequence[Background] = ()
    on_start: Sequence[Background] = ()
    # Export and erasure of a person's data in this service's schema (shared.privacy).
    privacy: PrivacyHooks | None = None
    # Who an e-mail address is here, and what a signed-in person has to do (shared.people).
    people: PeopleHooks | None = None
    # Operator commands of this service (e.g. `openkrakow indicators rebuild`).
    commands: Sequence[Command] = ()
    # What it publishes as open data (`shared.open_data.Dataset`; served at /open-data).
    datasets: Sequence[Any] = ()


PARTS = frozenset({"web", "relay", "consumers", "worker", "background"})


class ServerUnreachable(RuntimeError):
    """A server did not answer within the start-up wait (`STARTUP_WAIT_SECONDS`)."""


# What a server that is down, starting or shutting down answers (not a refusal of what was asked).
UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # starting up, shutting down
    nats.errors.NoServersError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


async def when_reachable(
    server: str, where: str, attempt: Callable[[], Awaitable[T]], *, wait: float
) -> T:
    """`attempt()` once the server answers: tried again, with a warning, for up to `wait`
    seconds; then `ServerUnreachable` naming the server and the last error."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    delay = 0.25
    while True:
        try:
            return await attempt()
        except UNREACHABLE as exc:
            if loop.time() >= deadline:
                raise ServerUnreachable(
                    f"{server} at {where} did not answer within {wait:.0f} s"
                    f" (STARTUP_WAIT_SECONDS): {exc or type(exc).__name__}"
                ) from exc
            log.warning("%s at %s is not reachable yet (%s); retrying", server, where, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


@dataclass
class Runtime:
    """Connections shared by the parts of one process."""

    settings: Settings
    services: Sequence[ServiceSpec]
    pools: dict[str, asyncpg.Pool] = field(default_factory=dict)
    bus: Bus | None = None
    jobs: jobkit.JobQueue | None = None
    redis: aioredis.Redis | None = None
    auth: Authenticator | None = None
    mailer: MailSender | None = None
    # Counts nothing until connect(): a Runtime without servers limits nobody.
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(None, {}))
    relays: list[OutboxRelay] = field(default_factory=list)
    consumers: list[ConsumerRunner] = field(default_factory=list)
    worker: Any = None
    # the job worker's state (started by start_parts with the "worker" part)
    worker_status: PartState | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    # the versions of the servers connected to, e.g. {"postgresql": "15.20", "nats": "2.9.10"}
    versions: dict[str, str] = field(default_factory=dict)

    def pool(self, schema: str) -> asyncpg.Pool:
        """The connection pool of a service schema."""
        return self.pools[schema]

    def service(self, name: str) -> ServiceSpec:
        """A service spec by name."""
        return next(s for s in self.services if s.name == name)

    async def connect(self, *, pool_size: int = 10) -> None:
        """Migrate every schema, open pools, NATS (stream ensured), Redis and the job queue."""
        s = self.settings
        assert s.database_url and s.nats_url and s.redis_url, "server URLs must be known"
        # An unsupported server is refused at once, naming the versions (shared/versions.py).
        # A server that is down or restarting when the process starts (a machine booting, a
        # database restarted by its operator) delays the start; it does not end the process.
        wait = float(s.startup_wait_seconds)
        where = versions.redacted(s.database_url)
        found = await when_reachable(
            "PostgreSQL", where, lambda: versions.postgres_version(s.database_url), wait=wait
        )
        self.versions["postgresql"] = versions.shown(versions.require("PostgreSQL", found, where))
        for spec in self.services:
            await when_reachable(
                "PostgreSQL",
                where,
                lambda spec=spec: migrate(s.database_url, spec.schema, spec.migrations),
                wait=wait,
            )
            self.pools[spec.schema] = await create_pool(
                s.database_url, spec.schema, max_size=pool_size, connect_timeout=wait
            )
        self.bus = await when_reachable(
            "NATS",
            versions.redacted(s.nats_url),
            # nats-py tries the first connection again by itself (logged by shared/bus.py),
            # for ever: the wait bounds it.
            lambda: asyncio.wait_for(
                Bus.connect(s.nats_url, name="openkrakow", stream=s.stream_name), wait
            ),
            wait=wait,
        )
        self.bus.require_supported(versions.redacted(s.nats_url))
        self.versions["nats"] = self.bus.server_version
        # A cluster that has just started may still be electing its leaders: keep trying.
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            try:
                await self.bus.ensure_stream(
                    replicas=s.stream_replicas, max_bytes=s.stream_max_bytes
                )
                break
            except Exception as exc:  # noqa: BLE001 - retried until the deadline, then raised
                if asyncio.get_running_loop().time() > deadline:
                    raise
                log.warning("stream not ready yet (%s); retrying", exc)
                await asyncio.sleep(1.0)
        self.redis = aioredis.from_url(s.redis_url, socket_timeout=5, socket_connect_timeout=5)
        where = versions.redacted(s.redis_url)
        redis_client = self.redis
        found = await when_reachable(
            "Redis", where, lambda: versions.redis_version(redis_client), wait=wait
        )
        self.versions["redis"] = versions.shown(versions.require("Redis", found, where))
        self.jobs = jobkit.JobQueue(s.redis_url)
        await when_reachable("Redis", where, self.jobs.start, wait=wait)
        self.auth = Authenticator.from_settings(s)
        self.limiter = RateLimiter.from_settings(s, salt=load_secret(s))
        self.mailer = MailSender(s.smtp_url, s.mail_dir, s.mail_from, ca_file=s.smtp_ca_file)

    async def start_parts(
        self, parts: frozenset[str] = PARTS, only: Sequence[str] | None = None
    ) -> None:
        """Start background parts (the web part is served by the caller)."""
        chosen = [sp for sp in self.services if only is None or sp.name in only]
        assert self.bus is not None and self.settings.database_url
        health.watch(self)
        # The process's own pauses, at /metrics: what an event's tail may be waiting behind.
        latency.watch_gc()
        self._spawn(latency.probe_loop(), "loop-lag probe")
        for spec in chosen:
            for hook in spec.on_start:
                await hook(self)
        if "relay" in parts:
            for spec in chosen:
                relay = OutboxRelay(self.settings.database_url, spec.schema, self.bus)
                self.relays.append(relay)
                self._spawn(relay.run(), f"relay:{spec.schema}")
        if "consumers" in parts:
            for spec in chosen:
                for consumer in spec.consumers:
                    runner = ConsumerRunner(
                        self.bus, self.pools[spec.schema], consumer, runtime=self
                    )
                    self.consumers.append(runner)
                    self._spawn(runner.run(), f"consumer:{consumer.name}")
        if "worker" in parts:
            functions = [
                jobkit.func(send_mail, name="send_mail"),
                jobkit.func(signin.sign_in_mail, name="sign_in_mail"),
                *[j for sp in self.services for j in sp.jobs],
            ]
            crons = [
                jobkit.cron(
                    sweep_unsent_mail,
                    name="sweep_unsent_mail",
                    second=sweep_seconds(self.settings.mail_sweep_seconds),
                    run_at_startup=True,
                ),
                *[c for sp in self.services for c in sp.cron_jobs],
            ]
            assert self.settings.redis_url
            redis_url = self.settings.redis_url

            def build() -> Any:
                return jobkit.build_worker(
                    redis_url,
                    functions,
                    crons,
                    {"runtime": self},
                    job_timeout=self.settings.job_timeout_seconds,
                )

            self.worker_status = PartState()
            self._spawn(self._work(build), "worker")
        if "background" in parts:
            for spec in chosen:
                for task in spec.background:
                    self._spawn(task(self), f"background:{spec.name}:{task.__name__}")

    async def _work(self, build: Callable[[], Any]) -> None:
        """Run the job worker until cancelled. A worker whose Redis connection fails (a restart,
        a connection that timed out on a loaded machine) stops with an error: it is built and
        started again after a second, so the process's jobs are delayed, not stopped for good.
        Its state is on /health and /metrics like a consumer's."""
        status = self.worker_status
        assert status is not None

        async def started(_ctx: dict[str, Any]) -> None:
            status.up()

        while True:
            self.worker = build()
            self.worker.on_startup = started  # connected to Redis, about to poll
            try:
                await self.worker.main()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure: start again
                status.failed(describe(exc))
                log.warning("job worker stopped: %s; starting it again", describe(exc))
                await _close_worker(self.worker)
                await asyncio.sleep(WORKER_RETRY_DELAY)

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("part %s stopped with an error", name)
                raise

        self.tasks.append(asyncio.create_task(guarded(), name=name))

    async def wait_consumers_ready(self, timeout: float = 10.0) -> None:
        """Wait until every consumer has created or bound its durable consumer."""
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in self.consumers)), timeout)

    async def send_mail_soon(self, schema: str, mail_id: uuid.UUID) -> None:
        """Enqueue the sending job of a queued message (after its transaction committed)."""
        if self.jobs is not None:
            await self.jobs.enqueue("send_mail", schema, str(mail_id), job_id=f"mail:{mail_id}")

    async def close(self) -> None:
        """Stop parts and close connections, in reverse order of starting."""
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, timeout=5)
        self.tasks.clear()
        if self.worker is not None:
            await _close_worker(self.worker)
        if self.jobs is not None:
            await self.jobs.close()
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()
        with contextlib.suppress(Exception):
            await self.limiter.close()
        if self.bus is not None:
            await self.bus.close()
        for pool in self.pools.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pool.close(), timeout=5)
        self.pools.clear()


async def _close_worker(worker: Any) -> None:
    """Close an arq worker, whatever its jobs did. Its close() gathers its job tasks, which were
    cancelled with it: that CancelledError is theirs, not the caller's (a CI run's
    Runtime.close() stopped there, and the NATS connection it never closed kept reconnecting
    into the next tests' logs). A cancellation of the caller itself goes on."""
    try:
        await asyncio.wait_for(worker.close(), timeout=5)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    except Exception:  # noqa: BLE001 - closing: nothing left to do about it
        log.debug("closing the job worker failed", exc_info=True)


def sweep_seconds(every: int) -> set[int]:
    """The seconds of each minute at which the mail sweeper runs: about every `every` seconds
    (at least once a minute, at :07 when `every` is 60 or more)."""
    if every >= 60:
        return {7}
    return set(range(7 % every, 60, every))


async def send_mail(ctx: dict[str, Any], schema: str, mail_id: str) -> str:
    """Job: send one queued message; retried with back-off while the mail server fails.

    No transaction is held while the mail server is talked to: a write transaction open across
    a slow SMTP conversation would hold back the outbox relays' horizon (shared/outbox.py) and
    with it every event of the schema. Two workers are kept from sending one message at once by
    a session advisory lock (no transaction id; released with the connection if the worker
    dies); marking it sent is one short statement.
    """
    runtime: Runtime = ctx["runtime"]
    assert runtime.mailer is not None
    pool = runtime.pool(schema)
    key = lock_key(f"mail:{schema}:{mail_id}")
    async with pool.acquire() as conn:
        needs_reset(conn)  # the pool's reset releases the lock should this be cancelled
        if not await conn.fetchval("select pg_try_advisory_lock($1)", key):
            return "being sent"
        try:
            row = await conn.fetchrow(
                "select recipient, message, message_id, attempts from outgoing_mail "
                "where id=$1 and sent_at is null",
                uuid.UUID(mail_id),
            )
            if row is None:
                return "already sent or being sent"
            try:
                await runtime.mailer.deliver(
                    row["recipient"], bytes(row["message"]), row["message_id"]
                )
            except MailSendError as exc:
                attempts = row["attempts"] + 1
                delays = runtime.settings.mail_retry_delays
                delay = delays[min(attempts, len(delays)) - 1]
                log.warning(
                    "mail %s not sent (attempt %d): %s; retry in %ss",
                    mail_id,
                    attempts,
                    str(exc)[:1000],
                    delay,
                )
                await conn.execute(
                    "update outgoing_mail set attempts=attempts+1, last_error=$2 where id=$1",
                    uuid.UUID(mail_id),
                    str(exc)[:1000],
                )
                raise jobkit.Retry(defer=delay) from exc
            await conn.execute(
                "update outgoing_mail set sent_at=now(), attempts=attempts+1, last_error=null "
                "where id=$1",
                uuid.UUID(mail_id),
            )
            return "sent"
        finally:
            # Also released by the pool's reset should this be cancelled half-way.
            with contextlib.suppress(Exception):
                await conn.execute("select pg_advisory_unlock($1)", key)


async def sweep_unsent_mail(ctx: dict[str, Any]) -> int:
    """Cron: re-enqueue every message still unsent MAIL_SWEEP_SECONDS (default a minute) after
    it was queued; a message whose job is still queued or retrying keeps that job."""
    runtime: Runtime = ctx["runtime"]
    count = 0
    for schema, pool in runtime.pools.items():
        rows = await pool.fetch(
            "select id from outgoing_mail where sent_at is null "
            "and created_at < now() - $1::int * interval '1 second' "
            "order by created_at limit 1000",
            runtime.settings.mail_sweep_seconds,
        )
        for row in rows:
            await runtime.send_mail_soon(schema, row["id"])
            count += 1
    return count
