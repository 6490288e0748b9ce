"""The split deployment, measured (issue 18 part 2): `--parts split`, and part of `make bench`.

On a three-node NATS cluster made from infra/nats/cluster-node{1,2,3}.conf (free ports and a
store of its own substituted; stream replicas 3) and embedded PostgreSQL and Redis, the parts
run as separate processes, as a city would run them on several machines:

    serve participation  ×2   (the load generator balances round-robin between them)
    serve indicators
    relay
    worker

The same question load as the one-process run (saturation with 16 connections, then 200
questions/s for the freshness) is driven through both intake processes. The part checks that
nothing breaks (every process alive, every request 201, no dead letter, the outbox emptied) and
that nothing is double-counted (the indicator equals the questions accepted, exactly), and
prints the CPU per question of each process (utime + stime from /proc/<pid>/stat, before and
after, divided by the questions), from which the sizing table follows.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import nats

from shared.auth import Authenticator
from shared.config import load_settings
from shared.embedded import EmbeddedServers, _find_nats_server
from tests.bench import breakdown
from tests.bench.loadgen import build_request, closed_loop, open_loop
from tests.helpers.platform import HIGH_LIMITS_ENV
from tests.helpers.processes import Processes
from tests.helpers.server import free_port

ROOT = Path(__file__).resolve().parents[2]
HZ = os.sysconf("SC_CLK_TCK")
WARSAW = ZoneInfo("Europe/Warsaw")
SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
FRESH_SQL = (
    "select coalesce(sum(value), 0) from indicators.indicator_values "
    "where indicator_id = 'bench.questions_received' and year = $1 and dimension = ''"
)
# Questions per hour at peak for the sizing table.
SIZES = (1_000, 10_000, 100_000, 1_000_000)


# ---------------------------------------------------------------------------------------------
# The NATS cluster of infra/nats, on free ports


class InfraCluster:
    """Three nats-server processes from infra/nats's configuration files, ports substituted."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.ports = {kind: [free_port() for _ in range(3)] for kind in ("client", "route", "http")}
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return ",".join(f"nats://127.0.0.1:{p}" for p in self.ports["client"])

    def config(self, i: int) -> Path:
        text = (ROOT / "infra" / "nats" / f"cluster-node{i + 1}.conf").read_text()
        for kind, base in (("client", 4301), ("route", 6301), ("http", 8301)):
            for j in range(3):
                text = text.replace(f"127.0.0.1:{base + j}", f"127.0.0.1:{self.ports[kind][j]}")
        text = re.sub(r'store_dir: "[^"]*"', f'store_dir: "{self.root / f"n{i + 1}"}"', text)
        path = self.root / f"node{i + 1}.conf"
        path.write_text(text)
        return path

    def start(self) -> None:
        for i in range(3):
            log = (self.root / f"node{i + 1}.log").open("ab")
            self.procs.append(
                subprocess.Popen(
                    [str(_find_nats_server()), "-c", str(self.config(i))],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                nc = await nats.connect(
                    self.url.split(","),
                    connect_timeout=1,
                    max_reconnect_attempts=0,
                    error_cb=_quiet,
                )
            except Exception:  # noqa: BLE001 - not up yet
                await asyncio.sleep(0.3)
                continue
            try:
                await nc.jetstream().account_info()
                return
            except Exception:  # noqa: BLE001 - no meta leader elected yet
                await asyncio.sleep(0.3)
            finally:
                await nc.close()
        raise RuntimeError("the NATS cluster elected no JetStream meta leader")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


# ---------------------------------------------------------------------------------------------
# CPU by process


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a process, None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / HZ


def tree_cpu(root: int) -> float:
    """CPU seconds of a process and its living descendants (PostgreSQL's backends)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            parents[int(entry)], used[int(entry)] = st
    total, wanted = 0.0, {root}
    changed = True
    while changed:  # descendants, by following parents
        changed = False
        for pid, parent in parents.items():
            if parent in wanted and pid not in wanted:
                wanted.add(pid)
                changed = True
    for pid in wanted:
        total += used.get(pid, 0.0)
    return total


def cpu_by_process(pids: dict[str, list[int]]) -> dict[str, float]:
    return {name: sum(tree_cpu(p) for p in group) for name, group in pids.items()}


# ---------------------------------------------------------------------------------------------
# Round-robin load over several intake processes: loadgen's closed_loop and open_loop with
# several ports


def lags(completions: list[float], seen: list[tuple[float, int]], base: int) -> list[float]:
    """The k-th acknowledged question is visible when the counter first reaches base + k."""
    out: list[float] = []
    i = 0
    for k, done in enumerate(sorted(completions), start=1):
        while i < len(seen) and seen[i][1] < base + k:
            i += 1
        if i == len(seen):
            break
        out.append(max(0.0, seen[i][0] - done))
    return sorted(out)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# ---------------------------------------------------------------------------------------------
# The part


async def run(
    work: Path,
    report: Any,
    verdict: Callable[[bool], str],
    questions: list[dict[str, str]],
    duration: float,
    one_process: dict[str, float] | None = None,
) -> dict[str, float]:
    """Start the split deployment, load it, check it, print its figures and the sizing table."""
    ms = lambda s: f"{s * 1000:.1f} ms"  # noqa: E731
    print(
        "\nSplit deployment: participation ×2 (client round-robin), indicators, relay, worker; "
        "3-node NATS (infra/nats), stream replicas 3"
    )
    print("  (load average while starting: {:.2f} {:.2f} {:.2f})".format(*os.getloadavg()))
    cluster = InfraCluster(work / "nats")
    servers = EmbeddedServers(work / "servers", want_nats=False)
    await servers.start()
    cluster.start()
    assert servers.database_url and servers.redis_url
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "NATS_URL", "REDIS_URL"))
    }
    env.update(
        DATABASE_URL=servers.database_url,
        NATS_URL=cluster.url,
        REDIS_URL=servers.redis_url,
        OPENKRAKOW_DATA=str(work / "data"),
        OPENKRAKOW_SECRET_KEY=SECRET,
        SMTP_INTAKE_PORT=str(free_port()),
        LOG_LEVEL="WARNING",
        NATS_STREAM_REPLICAS="3",
        NATS_STREAM_MAX_BYTES=str(512 * 1024 * 1024),
        **HIGH_LIMITS_ENV,
    )
    procs = Processes(env, work / "logs")
    p1 = procs.add("participation-1", "serve", "participation", web=True)
    p2 = procs.add("participation-2", "serve", "participation", web=True)
    ind = procs.add("indicators", "serve", "indicators", web=True)
    relay = procs.add("relay", "relay", web=True)  # --port: its /health and /metrics
    procs.add("worker", "worker")
    out: dict[str, float] = {}
    try:
        await cluster.wait_ready()
        # The first starts alone: it migrates the schema; the others find it done.
        p1.start()
        await p1.wait_healthy(120)
        for name in ("participation-2", "indicators", "relay", "worker"):
            procs.parts[name].start()
        await p2.wait_healthy(120)
        await ind.wait_healthy(120)
        await relay.wait_healthy(120)
        assert p1.port and p2.port
        ports = [p1.port, p2.port]
        token = Authenticator.from_settings(
            load_settings(secret_key=SECRET, data_dir=work / "data")
        ).access_token("bench", "coordinator", ttl=7200)
        async with httpx.AsyncClient(timeout=30) as client:
            resp = await client.post(
                f"{p1.url}/api/bench/editions",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "title": "Benchmark edition (split)",
                    "held_on": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
                    "venue": "Centrum Wielokulturowe",
                    "audience": "everyone",
                    "submissions_close_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
                },
            )
            resp.raise_for_status()
            path = f"/api/bench/editions/{resp.json()['id']}/questions"
            # Host header names the first; both serve the same routes.
            raws = [
                build_request("POST", f"127.0.0.1:{p1.port}", path, json.dumps(q).encode())
                for q in questions
            ]

            def raw(i: int) -> bytes:
                return raws[i % len(raws)]

            # Warm both processes (first requests compile templates, fill pools).
            warm = await closed_loop("127.0.0.1", ports, raw, connections=4, duration=1.0)
            conn = await asyncpg.connect(servers.database_url)
            year = datetime.now(WARSAW).year
            try:
                while int(await conn.fetchval(FRESH_SQL, year)) < warm.statuses.get(201, 0):
                    await asyncio.sleep(0.1)
                pids = {name: [part.proc.pid] for name, part in procs.parts.items() if part.proc}
                pids["postgres"] = [servers.pids["postgres"]]
                pids["redis-server"] = [servers.pids["redis"]]
                pids["nats-server ×3"] = [p.pid for p in cluster.procs]
                before = cpu_by_process(pids)
                # The relay's delay is observed in the relay process: its /metrics too.
                legs = [f"{ind.url}/metrics", f"{relay.url}/metrics"]

                saturated = await closed_loop(
                    "127.0.0.1", ports, raw, connections=16, duration=duration
                )
                report.add(
                    "split: intake at saturation (2 intake processes)",
                    f"{saturated.throughput:,.0f} req/s",
                    "",
                    f"p99 {ms(saturated.percentile(99))}",
                )
                if one_process and one_process.get("intake"):
                    report.add(
                        "split / one process, intake at saturation",
                        f"{saturated.throughput / one_process['intake']:.0%}",
                        "",
                        "2 shared cores",
                    )
                # Catch up before measuring freshness (a backlog would not be freshness).
                stored = await conn.fetchval("select count(*) from participation.bench_questions")
                deadline = time.monotonic() + 300
                while int(await conn.fetchval(FRESH_SQL, year)) < stored:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the split indicators never caught up")
                    await asyncio.sleep(0.1)
                base = int(await conn.fetchval(FRESH_SQL, year))
                # The legs of the 200/s run alone (the saturation run's queue is not freshness).
                metrics_before = await breakdown.snapshot(client, legs)
                seen: list[tuple[float, int]] = []
                stop = asyncio.Event()

                async def poll() -> None:
                    last = base
                    while not stop.is_set():
                        value = int(await conn.fetchval(FRESH_SQL, year))
                        if value != last:
                            seen.append((time.perf_counter(), value))
                            last = value
                        await asyncio.sleep(0.002)

                poller = asyncio.create_task(poll())
                fixed = await open_loop("127.0.0.1", ports, raw, rate=200, duration=duration)
                expected = base + len(fixed.completions)
                deadline = time.monotonic() + 60
                while (not seen or seen[-1][1] < expected) and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                stop.set()
                await poller
                fresh = lags(fixed.completions, seen, base)
                report.add("split: intake at 200 req/s: p99", ms(fixed.percentile(99)))
                # The one process's target, met here when the consumers and the relay have
                # processes of their own (measured on the 2 cores the one process had).
                report.add(
                    f"split: freshness at 200 events/s: p50 / p99 (n={len(fresh):,})",
                    f"{ms(pct(fresh, 50))} / {ms(pct(fresh, 99))}",
                    "p99 ≤ 25 ms",
                    verdict(pct(fresh, 99) <= 0.025),
                )
                if one_process and one_process.get("fresh_p99"):
                    report.add(
                        "  one process, for comparison: freshness p99",
                        ms(one_process["fresh_p99"]),
                    )
                metrics_after = await breakdown.snapshot(client, legs)
                breakdown.report(metrics_before, metrics_after, report.add, "split: ")

                accepted = (
                    warm.statuses.get(201, 0)
                    + saturated.statuses.get(201, 0)
                    + fixed.statuses.get(201, 0)
                )
                stored = await conn.fetchval("select count(*) from participation.bench_questions")
                deadline = time.monotonic() + 120
                counted = int(await conn.fetchval(FRESH_SQL, year))
                while counted < stored and time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                    counted = int(await conn.fetchval(FRESH_SQL, year))
                await asyncio.sleep(1.0)  # a double count would show after the catch-up
                counted = int(await conn.fetchval(FRESH_SQL, year))
                api_value = None
                resp = await client.get(
                    f"{ind.url}/api/indicators",
                    params={"year": datetime.now(UTC).year},
                    headers={"Authorization": f"Bearer {token}"},
                )
                if resp.status_code == 200:
                    api_value = next(
                        (
                            i["value"]
                            for i in resp.json()["indicators"]
                            if i["id"] == "bench.questions_received"
                        ),
                        None,
                    )
                after = cpu_by_process(pids)
                failed = (
                    saturated.errors
                    + fixed.errors
                    + warm.errors
                    + sum(
                        v
                        for r in (warm, saturated, fixed)
                        for k, v in r.statuses.items()
                        if k != 201
                    )
                )
                unpublished = await conn.fetchval(
                    "select count(*) from participation.outbox where published_at is null"
                )
                dead = await conn.fetchval("select count(*) from indicators.dead_letters")
            finally:
                await conn.close()
        alive = [
            name for name, part in procs.parts.items() if part.proc and part.proc.poll() is None
        ]
        report.add(
            "split: processes alive at the end",
            f"{len(alive)} of {len(procs.parts)}",
            "all",
            verdict(len(alive) == len(procs.parts)),
        )
        report.add("split: failed requests (non-201)", str(failed), "0", verdict(failed == 0))
        report.add(
            "split: questions accepted / stored / counted",
            f"{accepted:,} / {stored:,} / {counted:,}",
            "all equal",
            verdict(accepted == stored == counted),
        )
        if api_value is not None:
            report.add(
                "split: the indicator API says",
                f"{api_value:,}",
                f"{accepted:,}",
                verdict(int(api_value) == accepted),
            )
        report.add(
            "split: outbox rows unpublished / dead letters",
            f"{unpublished} / {dead}",
            "0 / 0",
            verdict(unpublished == 0 and dead == 0),
        )
        # CPU per question: everything the window's questions cost, over the questions.
        window = saturated.statuses.get(201, 0) + fixed.statuses.get(201, 0)
        per = {name: 1000 * (after[name] - before[name]) / max(window, 1) for name in after}
        print(f"\n  CPU per question by process (ms; {window:,} questions, utime+stime)")
        for name, value in per.items():
            report.add(f"  split CPU: {name}", f"{value:.2f} ms")
        total = sum(per.values())
        report.add("  split CPU: all processes", f"{total:.2f} ms")
        sizing(per, report)
        out = {
            "intake": saturated.throughput,
            "fresh_p99": pct(fresh, 99),
            **{f"cpu:{k}": v for k, v in per.items()},
        }
        return out
    finally:
        procs.stop_all()
        cluster.stop()
        await servers.destroy()


def sizing(per: dict[str, float], report: Any) -> None:
    """Cores each kind of process needs at N questions/hour at peak (busy 100 %; plan for 50 %).

    The two intake processes are one row: each took half the questions, so together they cost
    what the service's web and consumers cost per question, however many run."""
    rows: dict[str, float] = {}
    for name, value in per.items():
        kind = "participation (×2)" if name.startswith("participation-") else name
        rows[kind] = rows.get(kind, 0.0) + value
    rows["all"] = sum(per.values())
    print(
        "\n  Sizing: cores busy at N questions per hour at peak "
        "(CPU ms per question × N / 3,600,000; plan for twice that)"
    )
    print(f"  {'process':<20}{'ms/question':>12}" + "".join(f"{n:>12,}/h" for n in SIZES))
    for name, value in rows.items():
        cells = "".join(f"{value * n / 3_600_000:>14.3f}" for n in SIZES)
        print(f"  {name:<20}{value:>12.2f}{cells}")


async def one_process(
    work: Path, report: Any, verdict: Callable[[bool], str], tools: Any
) -> dict[str, float]:
    """`--parts freshness` (and before `--parts split`): `openkrakow run` on embedded servers,
    its intake at saturation and its freshness at 200 events/s with the breakdown; the figures
    the split deployment is compared with."""
    from tests.bench.loadgen import closed_loop

    args = tools.args
    print("\nOne process (`openkrakow run`, embedded servers): intake and freshness")
    servers = EmbeddedServers(work / "servers")
    await servers.start()
    assert servers.database_url and servers.nats_url and servers.redis_url
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=servers.database_url,
        NATS_URL=servers.nats_url,
        REDIS_URL=servers.redis_url,
        OPENKRAKOW_DATA=str(work / "data"),
        OPENKRAKOW_SECRET_KEY=tools.secret,
        SMTP_INTAKE_PORT=str(free_port()),
        LOG_LEVEL="WARNING",
        **HIGH_LIMITS_ENV,
    )
    (work / "data").mkdir(parents=True, exist_ok=True)
    platform = tools.spawn(
        [sys.executable, "-m", "services.cli", "run", "--port", str(port)],
        env,
        work / "platform.log",
    )
    out: dict[str, float] = {}
    try:
        base = f"http://127.0.0.1:{port}"
        await tools.wait_http(f"{base}/health", 120)
        token = Authenticator.from_settings(
            load_settings(secret_key=tools.secret, data_dir=work / "data")
        ).access_token("bench", "coordinator", ttl=7200)
        async with httpx.AsyncClient(timeout=30) as client:
            edition = await tools.new_edition(client, base, token)
            path = f"/api/bench/editions/{edition}/questions"
            raws = [
                build_request("POST", f"127.0.0.1:{port}", path, json.dumps(q).encode())
                for q in tools.questions
            ]

            def raw(i: int) -> bytes:
                return raws[i % len(raws)]

            warm = await closed_loop("127.0.0.1", port, raw, connections=4, duration=1.0)
            pids = {"openkrakow run": [platform.pid]}
            pids.update({name: [pid] for name, pid in servers.pids.items()})
            before = cpu_by_process(pids)
            saturated = await closed_loop(
                "127.0.0.1", port, raw, connections=16, duration=args.duration
            )
            report.add(
                "one process: intake at saturation",
                f"{saturated.throughput:,.0f} req/s",
                "",
                f"p99 {saturated.percentile(99) * 1000:.1f} ms",
            )
            out["intake"] = saturated.throughput

            async def fresh_at(rate: float) -> float:
                """Freshness at `rate`, and how busy the one process was meanwhile."""
                spent = tree_cpu(platform.pid)
                p99: float = await tools.freshness(
                    port, raw, servers.database_url, client, base, args.duration, report, rate=rate
                )
                busy = (tree_cpu(platform.pid) - spent) / args.duration
                report.add(
                    f"  `openkrakow run` busy at {rate:g} events/s (CPU s per s of load)",
                    f"{busy:.0%} of a core",
                )
                out[f"busy@{rate:g}"] = busy
                out[f"fresh_p99@{rate:g}"] = p99
                return p99

            await quiescent(client, f"{base}/metrics")  # the saturation run's work drained
            out["fresh_p99"] = await fresh_at(200)
            # The floor: the same path with CPU to spare (on a busy machine the 200/s run
            # measures the queue behind a starved process more than the path itself); and
            # between, how the tail grows with the process's load.
            for rate in (20, 50, 100):
                print(f"  the same at {rate} events/s:")
                await quiescent(client, f"{base}/metrics")
                await fresh_at(rate)
            report.add(
                "freshness p99 against load (events/s: p99, process busy)",
                ", ".join(
                    f"{r}: {out[f'fresh_p99@{r}'] * 1000:.1f} ms, {out[f'busy@{r}']:.0%}"
                    for r in (20, 50, 100, 200)
                ),
            )
            after = cpu_by_process(pids)
            count = await asyncpg.connect(servers.database_url)
            try:
                stored = await count.fetchval(
                    "select count(*) from participation.bench_questions "
                    "where edition_id = $1::uuid",
                    edition,
                )
            finally:
                await count.close()
            window = max(stored - warm.statuses.get(201, 0), 1)
            per = {name: 1000 * (after[name] - before[name]) / window for name in after}
            report.add(
                "one process: CPU per question by process",
                " + ".join(f"{k} {v:.2f}" for k, v in per.items()) + " ms",
                "",
                f"{stored:,} questions",
            )
            out.update({f"cpu:{k}": v for k, v in per.items()})
    finally:
        platform.terminate()
        platform.wait(20)
        await servers.destroy()
    return out


async def quiescent(client: httpx.AsyncClient, url: str, timeout: float = 180) -> None:
    """Wait until the consumers stop applying events (the last run's other events, such as
    duplicate suggestions, drain after its counter caught up): 2 s without a change."""
    deadline = time.monotonic() + timeout
    last, still = -1.0, 0
    while time.monotonic() < deadline and still < 4:
        text = (await client.get(url)).text
        count = sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("openkrakow_event_projection_seconds_count")
        )
        still = still + 1 if count == last else 0
        last = count
        await asyncio.sleep(0.5)


async def _quiet(_exc: Exception) -> None:
    """A node not listening yet is expected while the cluster starts."""
