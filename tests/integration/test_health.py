"""GET /health: 200 when every server answers, 503 naming the one that does not."""

from __future__ import annotations

import redis.asyncio as aioredis

from shared.app import build_app
from shared.runtime import Runtime
from tests.helpers.platform import RunningPlatform
from tests.helpers.server import free_port, serve_app


async def test_health_is_ok_when_postgres_nats_and_redis_answer(platform: RunningPlatform) -> None:
    resp = await platform.client.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


async def test_health_names_the_failing_part(platform: RunningPlatform) -> None:
    live = platform.runtime
    broken = Runtime(live.settings, live.services, pools=live.pools, bus=live.bus, auth=live.auth)
    broken.redis = aioredis.from_url(
        f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5
    )
    import httpx

    async with (
        serve_app(build_app(broken, live.services)) as base,
        httpx.AsyncClient(base_url=base) as client,
    ):
        resp = await client.get("/health")
    await broken.redis.aclose()
    assert resp.status_code == 503
    assert resp.json() == {"status": "unavailable", "failing": ["redis"]}


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
