"""Rate limits on anonymous routes, counted in the real Redis and shared by every process.

The Bench's question route is the vehicle: it is the busiest anonymous door and it has both a
per-client and a per-address limit. Each test runs platforms of its own with low limits on the
session's servers and plays clients through X-Forwarded-For (127.0.0.1 is a trusted proxy).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from shared.embedded import EmbeddedServers
from shared.ratelimit import KEY_PREFIX
from tests.conftest import Servers
from tests.helpers.platform import RunningPlatform, client_ip, limited_platform
from tests.integration.bench.bench_helpers import new_edition, question_body


@pytest.fixture(autouse=True)
async def no_counts_yet(servers: Servers) -> AsyncIterator[None]:
    """Start from no counts (other tests only ever count towards limits they never reach)."""
    client = aioredis.from_url(servers.redis_url)
    try:
        keys = [k async for k in client.scan_iter(f"{KEY_PREFIX}:*")]
        if keys:
            await client.delete(*keys)
        yield
    finally:
        await client.aclose()


async def ask_as(
    platform: RunningPlatform, edition_id: str, ip: str, **body: object
) -> httpx.Response:
    return await platform.client.post(
        f"/api/bench/editions/{edition_id}/questions",
        json=question_body(**body),
        headers={"X-Forwarded-For": f"192.0.2.50, {ip}"},
    )


async def questions_of(platform: RunningPlatform, edition_id: str) -> int:
    resp = await platform.client.get(
        f"/api/bench/editions/{edition_id}/questions", headers=platform.auth("coordinator")
    )
    assert resp.status_code == 200, resp.text
    return int(resp.json()["total"])


async def test_the_limit_answers_429_with_retry_after_and_a_problem_and_stores_nothing(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path, questions="3/minute") as platform:
        edition = (await new_edition(platform))["id"]
        ip = client_ip()
        for _ in range(3):
            assert (await ask_as(platform, edition, ip)).status_code == 201
        refused = await ask_as(platform, edition, ip)

        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        problem = refused.json()
        assert problem["status"] == 429 and problem["title"] == "Too many requests"
        assert problem["type"].endswith("/too-many-requests")
        assert "retry in" in problem["detail"]
        assert await questions_of(platform, edition) == 3


async def test_other_clients_and_other_addresses_are_not_affected(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(
        servers, tmp_path, questions="2/minute", mail_address="2/hour"
    ) as platform:
        edition = (await new_edition(platform))["id"]
        busy = client_ip()
        for _ in range(2):
            assert (await ask_as(platform, edition, busy)).status_code == 201
        assert (await ask_as(platform, edition, busy)).status_code == 429
        assert (await ask_as(platform, edition, client_ip())).status_code == 201

        # Mail to one typed address is limited whoever asks: a mail bomb needs no single client.
        victim = "victim@example.org"
        for _ in range(2):
            sent = await ask_as(platform, edition, client_ip(), email=victim)
            assert sent.status_code == 201
        refused = await ask_as(platform, edition, client_ip(), email=victim)
        assert refused.status_code == 429
        assert "e-mail address" in refused.json()["detail"]
        other = await ask_as(platform, edition, client_ip(), email="someone@example.org")
        assert other.status_code == 201
        without_mail = await ask_as(platform, edition, client_ip(), email=None, consent=False)
        assert without_mail.status_code == 201


async def test_a_client_is_welcome_again_once_the_window_is_over(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path, questions="2/2 seconds") as platform:
        edition = (await new_edition(platform))["id"]
        ip = client_ip()
        for _ in range(2):
            assert (await ask_as(platform, edition, ip)).status_code == 201
        refused = await ask_as(platform, edition, ip)
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 2
        await asyncio.sleep(wait)  # exactly what Retry-After asks of a client
        assert (await ask_as(platform, edition, ip)).status_code == 201


async def test_two_processes_share_one_count(servers: Servers, tmp_path: Path) -> None:
    async with (
        limited_platform(servers, tmp_path, questions="3/minute") as first,
        limited_platform(servers, tmp_path, questions="3/minute") as second,
    ):
        assert first.base_url != second.base_url
        edition = (await new_edition(first))["id"]
        ip = client_ip()
        assert (await ask_as(first, edition, ip)).status_code == 201
        assert (await ask_as(second, edition, ip)).status_code == 201
        assert (await ask_as(first, edition, ip)).status_code == 201
        assert (await ask_as(second, edition, ip)).status_code == 429
        assert (await ask_as(first, edition, ip)).status_code == 429


async def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(
        servers, tmp_path, trusted_proxies=(), questions="2/minute"
    ) as platform:
        edition = (await new_edition(platform))["id"]
        # Each request claims another address; without a trusted proxy all are 127.0.0.1.
        answers = [(await ask_as(platform, edition, client_ip())).status_code for _ in range(3)]
        assert answers == [201, 201, 429]


async def test_wrong_tracking_tokens_are_limited_and_only_failures_count(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path, token_failures="2/minute") as platform:
        edition = (await new_edition(platform))["id"]
        created = (await ask_as(platform, edition, client_ip())).json()
        url = f"/api/bench/questions/{created['reference']}"
        right = {"token": created["tracking_token"]}
        guesser = {"X-Forwarded-For": client_ip()}

        for _ in range(3):  # right tokens are not failures
            assert (
                await platform.client.get(url, params=right, headers=guesser)
            ).status_code == 200
        for _ in range(2):
            wrong = await platform.client.get(url, params={"token": "x" * 20}, headers=guesser)
            assert wrong.status_code == 403
        refused = await platform.client.get(url, params=right, headers=guesser)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.json()["title"] == "Too many requests"
        owner = {"X-Forwarded-For": client_ip()}
        assert (await platform.client.get(url, params=right, headers=owner)).status_code == 200


async def test_wrong_sign_in_links_are_limited_and_the_page_says_when_to_retry(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path, token_failures="2/minute") as platform:
        async with httpx.AsyncClient(
            base_url=platform.base_url, headers={"X-Forwarded-For": client_ip()}
        ) as browser:
            real = platform.runtime.auth.login_link_token("juror-1", "juror")  # type: ignore[union-attr]
            link_page = await browser.get("/auth/link", params={"token": real})
            csrf = re.search(r'name="_csrf_token" value="([^"]+)"', link_page.text)
            form = {"token": "forged.link.token", "_csrf_token": csrf.group(1)}  # type: ignore[union-attr]
            for _ in range(2):
                assert (await browser.post("/auth/link", data=form)).status_code == 400
            stopped = await browser.post("/auth/link", data=form)
    assert stopped.status_code == 429 and int(stopped.headers["retry-after"]) >= 1
    assert stopped.headers["content-type"].startswith("text/html")
    assert (
        "Prosimy chwilę zaczekać" in stopped.text and "Spróbuj ponownie za 1 minutę" in stopped.text
    )


async def test_when_redis_is_down_requests_go_through_and_a_warning_is_logged(
    servers: Servers, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    own = EmbeddedServers(tmp_path / "redis", want_postgres=False, want_nats=False)
    await own.start()
    try:
        assert own.redis_url
        async with limited_platform(
            servers, tmp_path, redis_url=own.redis_url, questions="1/minute"
        ) as platform:
            edition = (await new_edition(platform))["id"]
            ip = client_ip()
            assert (await ask_as(platform, edition, ip)).status_code == 201
            assert (await ask_as(platform, edition, ip)).status_code == 429

            await own.stop()
            with caplog.at_level(logging.WARNING, logger="openkrakow.ratelimit"):
                for _ in range(3):
                    assert (await ask_as(platform, edition, ip)).status_code == 201
            assert await questions_of(platform, edition) == 4
            warnings = [r for r in caplog.records if r.name == "openkrakow.ratelimit"]
            # One warning, then Redis is left alone for a while instead of being asked each time.
            assert len(warnings) == 1 and "Redis did not answer" in warnings[0].getMessage()
            check = platform.runtime.limiter.smtp_check()
            assert await check("192.0.2.1", "someone@example.org") is None
    finally:
        await own.destroy()


async def test_the_openapi_document_declares_429_on_limited_routes_only(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path) as platform:
        paths = (await platform.client.get("/schema/openapi.json")).json()["paths"]
    limited = [
        ("/api/bench/editions/{edition_id}/questions", "post"),
        ("/api/bench/questions/{reference}", "get"),
        ("/api/ambassadors/editions/{edition_id}/nominations", "post"),
        ("/api/ambassadors/nominations/{nomination_id}/acceptance", "post"),
        ("/api/ambassadors/nominations/{nomination_id}/withdrawal", "post"),
        ("/api/council/calls/{call_id}/applications", "post"),
        ("/api/council/proposals", "post"),
        ("/api/council/rsvp", "post"),
    ]
    for path, method in limited:
        answer = paths[path][method]["responses"]["429"]
        assert "Retry-After" in answer["description"], path
        assert "application/problem+json" in answer["content"], path
    assert "429" not in paths["/api/bench/editions"]["post"]["responses"]
    assert "429" not in paths["/api/bench/editions/{edition_id}/questions"]["get"]["responses"]
