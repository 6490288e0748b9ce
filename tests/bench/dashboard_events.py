"""The dashboard's work per event: SQL statements, HTTP requests and CPU the server spends on
one open dashboard when one question arrives (issue 19, part 4).

The indicators web part runs alone (with its background part, which relays the change notices
from Redis to its streams), its statements counted (tests/bench/counted_serve.py). One
coordinator's page is emulated over HTTP in two ways, on the same server and data:

* **before** — the page as it was: on each SSE `indicator` message it fetched the changed card
  again (`/dashboard/indicators/{id}/card`), the at-a-glance table at most every half second
  (`/dashboard/glance`) and, for a Bench question's figures, the pipeline (`/dashboard/pipeline`);
* **after** — the page now: it reads the message, which carries the row and the card.

Each event is the change notice a question's receipt makes (the projection's own
`changed_indicators` of a real `bench.question_received`), published on the Redis channel as
the consumer publishes it after its commit, so only the dashboard's work is measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import redis.asyncio as aioredis

from services.indicators import changes, projection
from services.indicators.domain import current_year
from shared.events import catalogue as ev
from shared.events import new_event

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EVENTS = 20
GAP_SECONDS = 0.6  # questions a few seconds apart, as at a Bench edition: each its own glance fetch
METRIC = "openkrakow_bench_sql_statements_total"
# Counted: every statement sent, the pool's reset of a connection given back included
# (asyncpg's `RESET ALL`...; since issue 18 sent only to connections that hold session state,
# shared.db.needs_reset). One read of changed cards is 3 queries (+ that reset before).


def question_changes(year: int) -> list[tuple[str, int]]:
    """The (indicator, year) pairs a question's receipt changes, as the consumer announces them."""
    received = datetime(year, 3, 1, 12, tzinfo=UTC)
    envelope = new_event(
        ev.BenchQuestionReceived(
            question_id=uuid.uuid4(),
            edition_id=uuid.uuid4(),
            channel="web",
            topic="education",
            language="uk",
            group="forced_migrant",
            received_at=received,
            due_at=received + timedelta(days=30),
            has_email=True,
        ),
        producer="bench",
    )
    data = projection.merge({}, envelope)
    diff = projection.difference({}, projection.contributions(data))
    return sorted(projection.changed_indicators(diff, envelope, data))


async def statements(client: httpx.AsyncClient, base: str) -> float:
    text = (await client.get(f"{base}/metrics")).text
    return next(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(METRIC)
    )


@dataclass
class Page:
    """One open dashboard, as its script behaved `before` or behaves now."""

    client: httpx.AsyncClient
    base: str
    year: int
    refetch: bool
    messages: int = 0
    fetches: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    _glance: bool = False
    _pending: set[asyncio.Task[None]] = field(default_factory=set)

    async def fetch(self, path: str) -> None:
        resp = await self.client.get(f"{self.base}{path}")
        resp.raise_for_status()
        self.fetches += 1

    async def _glance_later(self) -> None:
        await asyncio.sleep(0.5)
        self._glance = False
        await self.fetch(f"/dashboard/glance?year={self.year}")

    def spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def run(self) -> None:
        async with self.client.stream(
            "GET", f"{self.base}/dashboard/stream?year={self.year}&lang=pl"
        ) as resp:
            resp.raise_for_status()
            event = None
            async for line in resp.aiter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "ready":
                    self.ready.set()
                elif line.startswith("data: ") and event == "indicator":
                    data = json.loads(line.removeprefix("data: "))
                    self.messages += 1
                    if not self.refetch:
                        continue
                    self.spawn(
                        self.fetch(f"/dashboard/indicators/{data['id']}/card?year={self.year}")
                    )
                    if not self._glance:
                        self._glance = True
                        self.spawn(self._glance_later())
                    if data["id"].startswith("bench.questions_"):
                        self.spawn(self.fetch(f"/dashboard/pipeline?year={self.year}"))

    async def settled(self) -> None:
        while self._pending:
            await asyncio.gather(*list(self._pending))


async def measure(
    base: str, token: str, redis_url: str, refetch: bool, app_cpu: Any
) -> dict[str, float]:
    """Per event: SQL statements, HTTP requests and app CPU (ms) of one open dashboard."""
    year = current_year()
    batch = question_changes(year)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as client:
        page = Page(client, base, year, refetch)
        reader = asyncio.create_task(page.run())
        redis = aioredis.from_url(redis_url)
        try:
            await asyncio.wait_for(page.ready.wait(), timeout=20)
            await asyncio.sleep(0.5)
            before, cpu = await statements(client, base), app_cpu()
            for _ in range(EVENTS):
                await redis.publish(changes.CHANNEL, msgspec.json.encode(batch))
                await asyncio.sleep(GAP_SECONDS)
            deadline = asyncio.get_running_loop().time() + 30
            while page.messages < EVENTS * len(batch):
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"{page.messages} of {EVENTS * len(batch)} messages came")
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.6)  # the last debounced glance fetch
            await page.settled()
            after, cpu = await statements(client, base), app_cpu() - cpu
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await reader
            await redis.aclose()
    return {
        "statements": (after - before) / EVENTS,
        "requests": page.fetches / EVENTS,
        "cpu_ms": 1000 * cpu / EVENTS,
        "messages": page.messages / EVENTS,
    }


def _serve(root: Path, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """The indicators web part of the tree at `root`, its statements counted."""
    return subprocess.Popen(
        [
            sys.executable,
            str(HERE / "counted_serve.py"),
            "serve",
            "indicators",
            "--port",
            str(port),
            "--parts",
            "web,background",
        ],
        env={**env, "PYTHONPATH": str(root)},
        cwd=root,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def dashboard_per_event(
    env: dict[str, str],
    work: Path,
    report: Any,
    tools: Any,
    token: str,
    before_tree: Path | None = None,
) -> None:
    """Run the two pages against a counted indicators web part and report both.

    `before_tree`: a checkout of an earlier commit (`git archive <commit> | tar -x -C <dir>`)
    whose server the `before` page is measured against; by default, this tree's.
    """
    results = {}
    for label, refetch, tree in (
        ("before: the page refetched", True, before_tree),
        ("after: the message alone", False, None),
    ):
        port = tools.free_port()
        web = _serve(tree or ROOT, port, env, work / "dashboard-events.log")
        try:
            base = f"http://127.0.0.1:{port}"
            await tools.wait_http(f"{base}/health")

            def app_cpu(pid: int = web.pid) -> float:
                return tools.cpu_seconds(pid).get("app", 0.0)

            got = await measure(base, token, env["REDIS_URL"], refetch, app_cpu)
        finally:
            web.terminate()
            web.wait(20)
        results[label] = got
        report.add(
            f"dashboard per question, {label}" + (f" ({tree.name})" if tree else ""),
            f"{got['statements']:.1f} SQL · {got['requests']:.1f} req",
            "",
            f"{got['cpu_ms']:.1f} ms CPU; {got['messages']:.0f} messages",
        )
    after = results["after: the message alone"]["statements"]
    report.add(
        "dashboard per question: SQL statements at the server",
        f"{results['before: the page refetched']['statements']:.1f} → {after:.1f}",
        "one read (4)",
        # 3 queries (and the pool's reset before issue 18); the background's overdue-horizon task (every minute)
        # may add a few statements in the window
        "met" if after < 5 else "NOT MET",
    )
