"""Background jobs on Redis through arq, behind a small interface of ours (arq is in maintenance).

Every job is idempotent: arq runs a job again when a worker stops mid-way, and our sweepers
re-enqueue work whose job was lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from arq import Retry, create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.cron import CronJob, cron
from arq.worker import Function, Worker, func

log = logging.getLogger("openkrakow.jobs")

QUEUE = "openkrakow:jobs"

__all__ = ["QUEUE", "CronJob", "Function", "JobQueue", "Retry", "build_worker", "cron", "func"]


class JobQueue:
    """Enqueues jobs; never lets a Redis outage fail the caller (sweepers catch up later)."""

    def __init__(self, redis_url: str) -> None:
        self.settings = RedisSettings.from_dsn(redis_url)
        self.settings.conn_retries = 2
        self.settings.conn_timeout = 2
        self.pool: ArqRedis | None = None

    async def start(self) -> None:
        """Connect to Redis."""
        self.pool = await create_pool(self.settings, default_queue_name=QUEUE)

    async def enqueue(
        self, name: str, *args: Any, job_id: str | None = None, defer_by: float | None = None
    ) -> bool:
        """Queue job `name`; False (logged) when Redis did not take it."""
        if self.pool is None:
            log.warning("job %s not queued: queue not started", name)
            return False
        try:
            job = await self.pool.enqueue_job(
                name,
                *args,
                _job_id=job_id,
                _defer_by=timedelta(seconds=defer_by) if defer_by else None,
            )
        except Exception as exc:  # noqa: BLE001 - Redis down: the sweeper re-enqueues
            log.warning("job %s not queued (%s); a sweeper will retry", name, exc)
            return False
        return job is not None

    async def close(self) -> None:
        """Close the Redis connection."""
        if self.pool is not None:
            await self.pool.aclose()
            self.pool = None


def build_worker(
    redis_url: str,
    functions: Sequence[Function | Any],
    cron_jobs: Sequence[CronJob],
    ctx: dict[str, Any],
    *,
    max_jobs: int = 20,
    poll_delay: float = 0.1,
    job_timeout: int = 120,
) -> Worker:
    """An arq worker for our queue, with signals left to the caller (it runs inside our loop).

    `job_timeout` also bounds how long a job of a worker that died mid-way (SIGKILL, OOM) stays
    marked in progress: arq runs it again `job_timeout` + 10 seconds after it started.
    """
    settings = RedisSettings.from_dsn(redis_url)
    settings.conn_retries = 1000  # ride out a Redis restart instead of dying
    return Worker(
        functions=list(functions),
        cron_jobs=list(cron_jobs),
        redis_settings=settings,
        queue_name=QUEUE,
        ctx=ctx,
        handle_signals=False,
        max_jobs=max_jobs,
        poll_delay=poll_delay,
        queue_read_limit=max(100, max_jobs * 5),
        keep_result=0,
        max_tries=50,
        job_timeout=job_timeout,
    )
