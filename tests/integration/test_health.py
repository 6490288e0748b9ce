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
