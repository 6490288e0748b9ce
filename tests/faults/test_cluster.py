"""A three-node NATS cluster on loopback ports (JetStream replicas 3) with one node killed
under load: the platform keeps publishing and consuming, and nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest

from shared.auth import Authenticator
from shared.config import load_settings
from shared.embedded import EmbeddedServers, _find_nats_server
from tests.helpers.faults import ask_until_answered, year_value
from tests.helpers.processes import Processes, platform_env
from tests.helpers.server import free_port
from tests.helpers.waiting import eventually

QUESTIONS = 3_000


class NatsCluster:
    """Three nats-server processes forming one JetStream cluster on free loopback ports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.client_ports = [free_port() for _ in range(3)]
        self.route_ports = [free_port() for _ in range(3)]
        self.procs: list[subprocess.Popen[bytes] | None] = [None, None, None]

    @property
    def url(self) -> str:
        return ",".join(f"nats://127.0.0.1:{p}" for p in self.client_ports)

    def _config(self, i: int) -> Path:
        routes = "\n".join(f"    nats-route://127.0.0.1:{p}" for p in self.route_ports)
        path = self.root / f"n{i}.conf"
        path.write_text(
            f"""server_name: okr-n{i}
listen: 127.0.0.1:{self.client_ports[i]}
jetstream {{
  store_dir: "{self.root / f"data-n{i}"}"
  max_memory_store: 128MB
  max_file_store: 1GB
}}
cluster {{
  name: okr-test
  listen: 127.0.0.1:{self.route_ports[i]}
  routes: [
{routes}
  ]
}}
"""
        )
        return path

    def start(self, i: int) -> None:
        log = (self.root / f"n{i}.log").open("ab")
        self.procs[i] = subprocess.Popen(
            [str(_find_nats_server()), "-c", str(self._config(i))],
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self, i: int) -> None:
        proc = self.procs[i]
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs:
            if proc and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()

    async def wait_ready(self) -> None:
        async def meta_leader() -> bool:
            try:
                nc = await nats.connect(
                    self.url.split(","), connect_timeout=1, max_reconnect_attempts=0
                )
            except Exception:  # noqa: BLE001 - not up yet
                return False
            try:
                info = await nc.jetstream().account_info()
                return info is not None
            except Exception:  # noqa: BLE001 - no meta leader elected yet
                return False
            finally:
                await nc.close()

        await eventually(meta_leader, timeout=30, interval=0.3, what="a JetStream meta leader")


@pytest.mark.slow
async def test_one_node_of_a_three_node_cluster_dies_under_load_and_nothing_is_lost(
    tmp_path: Path, alone_under_load: None
) -> None:
    cluster = NatsCluster(tmp_path)
    for i in range(3):
        cluster.start(i)
    servers = EmbeddedServers(tmp_path / "servers", want_nats=False)
    await servers.start()
    assert servers.database_url and servers.redis_url
    env = platform_env(
        servers.database_url,
        cluster.url,
        servers.redis_url,
        tmp_path / "data",
        NATS_STREAM_REPLICAS="3",
        NATS_STREAM_MAX_BYTES=str(256 * 1024 * 1024),
    )
    procs = Processes(env, tmp_path / "logs")
    web = procs.add("participation", "serve", "participation", web=True)
    indicators = procs.add("indicators", "serve", "indicators", web=True)
    procs.add("relay", "relay")
    try:
        await cluster.wait_ready()
        for part in procs.parts.values():
            part.start()
        await web.wait_healthy(60)
        await indicators.wait_healthy(60)
        token = Authenticator.from_settings(
            load_settings(secret_key=env["OPENKRAKOW_SECRET_KEY"], data_dir=tmp_path / "data")
        ).access_token("cluster", "coordinator")
        async with httpx.AsyncClient(timeout=10) as client:
            resp = await client.post(
                f"{web.url}/api/bench/editions",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "title": "Cluster edition",
                    "held_on": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
                    "venue": "Centrum Wielokulturowe",
                    "audience": "everyone",
                    "submissions_close_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
                },
            )
            assert resp.status_code == 201, resp.text
            edition = resp.json()["id"]
            semaphore = asyncio.Semaphore(16)

            async def one(i: int) -> None:
                async with semaphore:
                    await ask_until_answered(
                        client,
                        f"{web.url}/api/bench/editions/{edition}/questions",
                        {
                            "text": f"Cluster question {i} about the tram lines?",
                            "topic": "urban_infrastructure",
                            "language": "pl",
                        },
                    )

            async def kill_a_node() -> None:
                await asyncio.sleep(2.0)
                cluster.kill(1)

            await asyncio.gather(kill_a_node(), *(one(i) for i in range(QUESTIONS)))
            conn = await asyncpg.connect(servers.database_url)
            try:
                truth = await conn.fetchval(
                    "select count(*) from participation.bench_questions where edition_id = $1",
                    uuid.UUID(edition),
                )
                assert truth == QUESTIONS

                async def caught_up() -> bool:
                    return (
                        await year_value(client, indicators.url, token, "bench.questions_received")
                        == truth
                    )

                await eventually(
                    caught_up,
                    timeout=90,
                    interval=0.5,
                    what="indicators equal to the ground truth with a node down",
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
    finally:
        procs.stop_all()
        cluster.stop()
        await servers.destroy()
