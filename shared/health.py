"""What /health and /metrics say about the consumers and relays a process runs.

A consumer that cannot be created (a configuration the server refuses), or a relay that keeps
failing, leaves every API call working while nothing moves; so each one reports its state, its
last error and (a consumer) its lag in events, and /health answers 503 naming the part once it
has not been running for HEALTH_GRACE_SECONDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from shared.inbox import ConsumerRunner
    from shared.outbox import OutboxRelay
    from shared.runtime import Runtime

_runtimes: weakref.WeakValueDictionary[int, Runtime] = weakref.WeakValueDictionary()


def watch(runtime: Runtime) -> None:
    """Report the parts of `runtime` in /metrics."""
    _runtimes[id(runtime)] = runtime


async def consumer_report(runner: ConsumerRunner) -> dict[str, Any]:
    """A consumer's state; its lag is asked from the server when it answers within a second."""
    pending = runner.pending
    if runner.status.state == "running":
        with contextlib.suppress(Exception):
            pending = await asyncio.wait_for(runner.bus.pending(runner.spec.name), timeout=1.0)
            runner.pending = pending
    return {
        "state": runner.status.state,
        "pending": pending,
        "not_running_seconds": round(runner.status.down_for(), 1),
        "last_error": runner.status.last_error,
    }


def relay_report(relay: OutboxRelay) -> dict[str, Any]:
    return {
        "state": relay.status.state,
        "published": relay.published,
        "not_running_seconds": round(relay.status.down_for(), 1),
        "last_error": relay.status.last_error,
    }


async def parts_report(runtime: Runtime) -> tuple[dict[str, Any], list[str]]:
    """The consumers and relays of the process, and the names of those down past the grace."""
    grace = runtime.settings.health_grace_seconds
    consumers = await asyncio.gather(*(consumer_report(c) for c in runtime.consumers))
    report: dict[str, Any] = {
        "consumers": {c.spec.name: r for c, r in zip(runtime.consumers, consumers, strict=True)},
        "relays": {r.schema: relay_report(r) for r in runtime.relays},
    }
    failing = [f"consumer:{c.spec.name}" for c in runtime.consumers if c.status.down_for() > grace]
    failing += [f"relay:{r.schema}" for r in runtime.relays if r.status.down_for() > grace]
    worker = runtime.worker_status
    if worker is not None:
        report["worker"] = {
            "state": worker.state,
            "not_running_seconds": round(worker.down_for(), 1),
            "last_error": worker.last_error,
        }
        if worker.down_for() > grace:
            failing.append("worker")
    return report, failing


class PartsCollector(Collector):
    """Prometheus gauges of every watched runtime's consumers and relays."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        running = GaugeMetricFamily(
            "openkrakow_consumer_running", "1 while the consumer consumes", labels=["consumer"]
        )
        pending = GaugeMetricFamily(
            "openkrakow_consumer_pending_events",
            "Events of the stream not yet delivered to the consumer (its lag)",
            labels=["consumer"],
        )
        down = GaugeMetricFamily(
            "openkrakow_part_not_running_seconds",
            "Seconds a consumer, relay or the job worker has been starting or retrying (0 while"
            " it runs)",
            labels=["part"],
        )
        relay = GaugeMetricFamily(
            "openkrakow_relay_running",
            "1 while the outbox relay publishes or stands by, 0 while it fails",
            labels=["schema"],
        )
        for runtime in list(_runtimes.values()):
            for c in runtime.consumers:
                running.add_metric([c.spec.name], 1.0 if c.status.state == "running" else 0.0)
                if c.pending is not None:
                    pending.add_metric([c.spec.name], float(c.pending))
                down.add_metric([f"consumer:{c.spec.name}"], c.status.down_for())
            for r in runtime.relays:
                relay.add_metric(
                    [r.schema], 1.0 if r.status.state in ("active", "standby") else 0.0
                )
                down.add_metric([f"relay:{r.schema}"], r.status.down_for())
            if runtime.worker_status is not None:
                down.add_metric(["worker"], runtime.worker_status.down_for())
        yield from (running, pending, down, relay)


REGISTRY.register(PartsCollector())
