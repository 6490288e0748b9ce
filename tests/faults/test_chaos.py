"""Faults under load: parts SIGKILLed and restarted, NATS and PostgreSQL restarted, two
instances of a service at once — and afterwards the indicators equal the ground truth kept in the
services' own tables: nothing lost, nothing counted twice.

The load is Dialogue Bench questions sent over HTTP by clients that, like any well-behaved
client, retry with the same Idempotency-Key until they get an answer.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from shared.auth import Authenticator
from shared.config import load_settings
from shared.embedded import EmbeddedServers
from tests.helpers.processes import Processes, platform_env
from tests.helpers.waiting import eventually

QUESTIONS = 10_000
CONCURRENCY = 24
TOPICS = ["education", "housing", "health_care", "work", "legal_stay", "culture"]


async def ask_until_answered(
    client: httpx.AsyncClient, url: str, body: dict, deadline: float
) -> None:
    key = str(uuid.uuid4())
    while time.monotonic() < deadline:
        try:
            resp = await client.post(url, json=body, headers={"Idempotency-Key": key})
        except httpx.HTTPError:
            await asyncio.sleep(0.2)
            continue
        if resp.status_code == 201:
            return
        assert resp.status_code >= 500, f"unexpected {resp.status_code}: {resp.text}"
        await asyncio.sleep(0.2)
    raise AssertionError("a question was never accepted")


async def year_value(
    client: httpx.AsyncClient, base: str, token: str, indicator: str
) -> float | None:
    try:
        resp = await client.get(
            f"{base}/api/indicators",
            params={"year": datetime.now(UTC).year},
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError:
        return None
    if resp.status_code != 200:
        return None
    return next(i["value"] for i in resp.json()["indicators"] if i["id"] == indicator)


@pytest.mark.slow
async def test_nothing_is_lost_or_counted_twice_when_parts_crash_under_load(tmp_path: Path) -> None:
    rng = random.Random(20261121)
    servers = EmbeddedServers(tmp_path / "servers")
    await servers.start()
    assert servers.database_url and servers.nats_url and servers.redis_url
    env = platform_env(servers.database_url, servers.nats_url, servers.redis_url, tmp_path / "data")
    procs = Processes(env, tmp_path / "logs")
    web = procs.add("participation", "serve", "participation", web=True)
    indicators_a = procs.add("indicators-a", "serve", "indicators", web=True)
    indicators_b = procs.add("indicators-b", "serve", "indicators", web=True)
    procs.add("relay-a", "relay")
    procs.add("relay-b", "relay")
    procs.add("worker", "worker")
    try:
        for part in procs.parts.values():
            part.start()
        for part in (web, indicators_a, indicators_b):
            await part.wait_healthy()
        token = Authenticator.from_settings(
            load_settings(secret_key=env["OPENKRAKOW_SECRET_KEY"], data_dir=tmp_path / "data")
        ).access_token("chaos", "coordinator", ttl=3600)
        auth = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            timeout=10, limits=httpx.Limits(max_connections=CONCURRENCY)
        ) as client:
            editions = []
            for n in range(3):
                resp = await client.post(
                    f"{web.url}/api/bench/editions",
                    headers=auth,
                    json={
                        "title": f"Chaos edition {n}",
                        "held_on": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
                        "venue": "Centrum Wielokulturowe",
                        "audience": "everyone",
                        "submissions_close_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
                    },
                )
                assert resp.status_code == 201, resp.text
                editions.append(resp.json()["id"])

            def restart(part_name: str) -> Callable[[], Awaitable[None]]:
                async def action() -> None:
                    part = procs.parts[part_name]
                    part.kill()
                    await asyncio.sleep(rng.uniform(0.2, 1.0))
                    part.start()

                action.__name__ = f"sigkill {part_name}"
                return action

            async def restart_nats() -> None:
                await servers.restart_nats()

            async def restart_postgres() -> None:
                await servers.restart_postgres()

            actions = [
                restart("relay-a"),
                restart("relay-b"),
                restart("indicators-a"),
                restart("participation"),
                restart("worker"),
                restart_nats,
                restart_postgres,
            ]
            rng.shuffle(actions)
            done_actions: list[str] = []
            stop_chaos = asyncio.Event()

            async def chaos() -> None:
                for action in actions:
                    try:
                        await asyncio.wait_for(stop_chaos.wait(), timeout=rng.uniform(1.5, 3.5))
                        return
                    except TimeoutError:
                        pass
                    await action()
                    done_actions.append(action.__name__)

            semaphore = asyncio.Semaphore(CONCURRENCY)
            deadline = time.monotonic() + 240

            async def one(i: int) -> None:
                async with semaphore:
                    await ask_until_answered(
                        client,
                        f"{web.url}/api/bench/editions/{editions[i % 3]}/questions",
                        {
                            "text": f"Question number {i} about life in Kraków?",
                            "topic": TOPICS[i % len(TOPICS)],
                            "language": ["uk", "pl", "en", "ru", "be"][i % 5],
                            "group": ["forced_migrant", "none", "undisclosed"][i % 3],
                        },
                        deadline,
                    )

            started = time.monotonic()
            chaos_task = asyncio.create_task(chaos())
            await asyncio.gather(*(one(i) for i in range(QUESTIONS)))
            elapsed = time.monotonic() - started
            # Let the remaining faults happen too, after the load if it was quick.
            await chaos_task
            stop_chaos.set()
            assert len(done_actions) == len(actions), done_actions
            for part in (web, indicators_a, indicators_b):
                await part.wait_healthy()

            conn = await asyncpg.connect(servers.database_url)
            try:
                truth = await conn.fetchval(
                    "select count(*) from participation.bench_questions where edition_id = any($1::uuid[])",
                    [uuid.UUID(e) for e in editions],
                )
                assert truth == QUESTIONS, (
                    "every question stored exactly once (Idempotency-Key held)"
                )

                async def caught_up() -> bool:
                    return (
                        await year_value(
                            client, indicators_b.url, token, "bench.questions_received"
                        )
                        == truth
                    )

                await eventually(
                    caught_up, timeout=90, interval=0.5, what="indicators to equal the ground truth"
                )
                # Both instances read the same projection; neither counted an event twice.
                assert (
                    await year_value(client, indicators_a.url, token, "bench.questions_received")
                    == truth
                )
                assert (
                    await conn.fetchval(
                        "select count(*) from participation.outbox where published_at is null"
                    )
                    == 0
                )
                assert await conn.fetchval("select count(*) from indicators.dead_letters") == 0
            finally:
                await conn.close()
            print(
                f"\nchaos: {QUESTIONS} questions in {elapsed:.1f}s under {', '.join(done_actions)}"
            )
    finally:
        procs.stop_all()
        await servers.destroy()
