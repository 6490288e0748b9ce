"""A relay or worker process started with --port serves /health and /metrics, and nothing else:
a load balancer can check it and Prometheus can scrape it (before, only the indicators
service's web processes served /metrics, and the relay and worker served nothing)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from services.registry import all_services
from shared.app import build_app
from tests.conftest import Servers
from tests.helpers.platform import RunningPlatform
from tests.helpers.processes import Processes, platform_env
from tests.helpers.server import serve_app


def own_redis_database(url: str) -> str:
    """The same Redis server, another database: the worker started here must not take jobs
    queued by the other tests of the session."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/9"))


async def test_a_relay_and_a_worker_serve_health_and_metrics_alone(
    servers: Servers, tmp_path: Path
) -> None:
    env = platform_env(
        servers.database_url,
        servers.nats_url,
        own_redis_database(servers.redis_url),
        tmp_path / "data",
        # Nor send the session's unsent mail at its start (the sweep takes mail a day old).
        MAIL_SWEEP_SECONDS="86400",
    )
    procs = Processes(env, tmp_path / "logs")
    relay = procs.add("relay", "relay", web=True)
    worker = procs.add("worker", "worker", web=True)
    try:
        relay.start()
        worker.start()
        await relay.wait_healthy(60)
        await worker.wait_healthy(60)
        async with httpx.AsyncClient(timeout=10) as client:
            body = (await client.get(f"{relay.url}/health")).json()
            assert body["status"] == "ok"
            # The session's platform leads every schema's relay: this one stands by for each.
            assert set(body["relays"]) == {s.schema for s in all_services()}
            assert {r["state"] for r in body["relays"].values()} <= {"active", "standby"}
            assert body["consumers"] == {} and "worker" not in body
            text = (await client.get(f"{relay.url}/metrics")).text
            assert 'openkrakow_relay_running{schema="grants"} 1.0' in text
            assert "openkrakow_event_loop_lag_seconds" in text

            body = (await client.get(f"{worker.url}/health")).json()
            assert body["status"] == "ok" and body["worker"]["state"] == "running"
            assert body["relays"] == {} and body["consumers"] == {}
            text = (await client.get(f"{worker.url}/metrics")).text
            assert 'openkrakow_part_not_running_seconds{part="worker"} 0.0' in text

            # Nothing else: no pages, no API, no schema.
            for path in ("/", "/dashboard", "/api/indicators", "/schema", "/login"):
                assert (await client.get(f"{relay.url}{path}")).status_code == 404, path
    finally:
        procs.stop_all()


async def test_every_web_process_serves_metrics_not_only_the_indicators(
    platform: RunningPlatform,
) -> None:
    participation = [s for s in platform.runtime.services if s.name == "participation"]
    async with (
        serve_app(build_app(platform.runtime, participation)) as base,
        httpx.AsyncClient(base_url=base) as client,
    ):
        resp = await client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    assert "openkrakow_relay_running" in resp.text
