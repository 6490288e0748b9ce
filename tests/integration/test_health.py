"""GET /health: 200 when every server answers and every consumer and relay runs; 503 naming the
server that does not answer, or the consumer that has not been running for the grace period."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import time
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared import versions
from shared.app import build_app
from shared.inbox import ConsumerSpec
from shared.runtime import Runtime
from tests.conftest import Servers
from tests.helpers.platform import RunningPlatform, test_settings
from tests.helpers.server import free_port, serve_app
from tests.helpers.waiting import eventually


async def test_health_is_ok_when_postgres_nats_and_redis_answer(platform: RunningPlatform) -> None:
    resp = await platform.client.get("/health")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert "failing" not in body
    assert set(body["versions"]) == {"postgresql", "nats", "redis"}
    indicators = body["consumers"]["indicators"]
    assert indicators["state"] == "running"
    assert indicators["not_running_seconds"] == 0
    # The last error is history (a fetch that timed out on a busy machine stays named after
    # the consumer recovered), so only its presence is part of the answer.
    assert "last_error" in indicators
    assert isinstance(indicators["pending"], int)
    assert set(body["relays"]) == {s.schema for s in platform.runtime.services}
    assert {r["state"] for r in body["relays"].values()} <= {"active", "standby"}


async def test_metrics_report_each_consumer_and_relay(platform: RunningPlatform) -> None:
    text = (await platform.client.get("/metrics")).text
    assert 'openkrakow_consumer_running{consumer="indicators"} 1.0' in text
    assert 'openkrakow_consumer_pending_events{consumer="indicators"}' in text
    assert 'openkrakow_relay_running{schema="grants"} 1.0' in text


async def test_health_names_the_failing_part(platform: RunningPlatform) -> None:
    live = platform.runtime
    broken = Runtime(live.settings, live.services, pools=live.pools, bus=live.bus, auth=live.auth)
    broken.redis = aioredis.from_url(
        f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5
    )

    async with (
        serve_app(build_app(broken, live.services)) as base,
        httpx.AsyncClient(base_url=base) as client,
    ):
        resp = await client.get("/health")
    await broken.redis.aclose()
    assert resp.status_code == 503
    body = resp.json()
    assert (body["status"], body["failing"]) == ("unavailable", ["redis"])


async def test_the_openapi_document_covers_every_api_route(platform: RunningPlatform) -> None:
    import re

    doc = (await platform.client.get("/schema/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    app = build_app(platform.runtime, platform.runtime.services)
    api_paths = {
        re.sub(r"\{(\w+):[^}]+\}", r"{\1}", r.path)
        for r in app.routes
        if r.path.startswith("/api/")
    }
    assert "/api/bench/editions" in api_paths
    missing = sorted(api_paths - set(doc["paths"]))
    assert not missing, f"routes missing from the OpenAPI document: {missing}"


async def test_a_consumer_that_cannot_be_created_is_named_by_health_and_logged_once(
    servers: Servers, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A durable consumer left with a configuration NATS will not change (its deliver policy):
    the API keeps working, so only /health can say that nothing is being consumed."""
    from services.registry import all_services

    name = f"refused-{int(time.time() * 1000) % 10**9}"
    indicators = next(s for s in all_services() if s.name == "indicators")
    spec = dataclasses.replace(
        indicators,
        consumers=[
            ConsumerSpec(
                name=name, subjects=["okr.indicators.>"], handler=indicators.consumers[0].handler
            )
        ],
        on_start=(),
        background=(),
    )
    grace = 1
    settings = test_settings(
        tmp_path,
        servers.database_url,
        servers.nats_url,
        servers.redis_url,
        health_grace_seconds=grace,
    )
    runtime = Runtime(settings, [spec])
    caplog.set_level(logging.INFO, logger="openkrakow.inbox")
    await runtime.connect()
    try:
        assert runtime.bus is not None
        await runtime.bus.js.add_consumer(
            runtime.bus.stream,
            ConsumerConfig(
                durable_name=name,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.NEW,
                filter_subject="okr.indicators.>",
            ),
        )
        started = time.monotonic()
        await runtime.start_parts(frozenset({"consumers"}))
        async with (
            serve_app(build_app(runtime, [spec])) as base,
            httpx.AsyncClient(base_url=base) as client,
        ):
            first = await client.get("/health")
            if time.monotonic() - started < grace:  # a busy machine may answer after it
                assert first.status_code == 200, "within the grace period it may be starting"
            assert first.json()["consumers"][name]["state"] in ("starting", "retrying")

            async def unavailable() -> httpx.Response | None:
                resp = await client.get("/health")
                return resp if resp.status_code == 503 else None

            resp = await eventually(unavailable, timeout=grace + 5, what="/health answering 503")
            assert time.monotonic() - started >= grace
            body = resp.json()
            assert body["failing"] == [f"consumer:{name}"]
            assert body["consumers"][name]["state"] == "retrying"
            assert "deliver policy" in body["consumers"][name]["last_error"]
            runner = runtime.consumers[0]

            async def retried() -> bool:
                return runner.status.attempts >= 3

            await eventually(retried, timeout=20, what="three refused attempts")
    finally:
        if runtime.bus is not None:
            await runtime.bus.delete_consumer(name)
        await runtime.close()
    refused = [r for r in caplog.records if r.name == "openkrakow.inbox" and name in r.getMessage()]
    errors = [r for r in refused if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in refused]
    assert "delete it" in errors[0].getMessage()
    assert not [r for r in refused if r.levelno == logging.WARNING]


async def test_metrics_tell_the_event_loops_lag_and_the_garbage_collectors_pauses(
    platform: RunningPlatform,
) -> None:
    """What an event's freshness tail waits behind in its process (README, Benchmark)."""

    def count(text: str, series: str, missing: float | None = None) -> float:
        line = next((x for x in text.splitlines() if x.startswith(series + " ")), None)
        if line is None and missing is not None:  # a generation not yet collected
            return missing
        assert line is not None, f"{series} not in /metrics"
        return float(line.rsplit(" ", 1)[1])

    first = (await platform.client.get("/metrics")).text
    lag_before = count(first, "openkrakow_event_loop_lag_seconds_count")

    async def probed() -> bool:
        text = (await platform.client.get("/metrics")).text
        return count(text, "openkrakow_event_loop_lag_seconds_count") >= lag_before + 5

    await eventually(probed, timeout=10, what="five more 10 ms timers observed")
    gc_before = count(first, 'openkrakow_gc_pause_seconds_count{generation="2"}', 0.0)
    gc.collect()
    text = (await platform.client.get("/metrics")).text
    assert count(text, 'openkrakow_gc_pause_seconds_count{generation="2"}') >= gc_before + 1


@pytest.mark.parametrize("server", ["PostgreSQL", "NATS", "Redis"])
async def test_a_server_older_than_the_supported_minimum_is_refused_at_start(
    servers: Servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: str
) -> None:
    """The floor is checked against the real server's version; here the floor is raised above
    it, as an older server would be below it."""
    monkeypatch.setitem(versions.MINIMUM, server, (999,))
    settings = test_settings(tmp_path, servers.database_url, servers.nats_url, servers.redis_url)
    runtime = Runtime(settings, [])
    started = time.monotonic()
    try:
        with pytest.raises(versions.UnsupportedServer) as refused:
            await asyncio.wait_for(runtime.connect(), timeout=30)
    finally:
        await runtime.close()
    message = str(refused.value)
    assert f"oldest supported version, {server} 999" in message
    found = message.split(f"{server} ", 1)[1].split(" ", 1)[0]
    assert versions.parse(found) < (999,)
    assert time.monotonic() - started < 15


async def test_creates_link_to_the_operations_on_what_they_created(
    platform: RunningPlatform,
) -> None:
    """OpenAPI links (issue 21): what a client, and schemathesis's stateful phase, follows."""
    doc = (await platform.client.get("/schema/openapi.json")).json()

    def links(path: str) -> dict[str, dict[str, object]]:
        return doc["paths"][path]["post"]["responses"]["201"].get("links", {})

    def operation_id(path: str, method: str) -> str:
        return doc["paths"][path][method]["operationId"]

    call = links("/api/grants/calls")
    get_call = operation_id("/api/grants/calls/{call_id}", "get")
    assert call[get_call]["parameters"] == {"call_id": "$response.body#/id"}
    application = links("/api/grants/calls/{call_id}/applications")
    submit = operation_id("/api/grants/applications/{app_id}/submit", "post")
    assert application[submit]["parameters"] == {"app_id": "$response.body#/id"}
    question = links("/api/bench/editions/{edition_id}/questions")
    track = operation_id("/api/bench/questions/{reference}", "get")
    assert question[track]["parameters"] == {"reference": "$response.body#/reference"}
    nomination = links("/api/ambassadors/editions/{edition_id}/nominations")
    scores = operation_id("/api/ambassadors/nominations/{nomination_id}/scores", "post")
    assert scores in nomination
    # Only the operations on what was created: not the collection itself, nor another one.
    assert operation_id("/api/grants/calls", "get") not in call
    assert not any("Bench" in op for op in call)
