"""Benchmark: `make bench` (or `python -m tests.bench`). Prints every figure beside its target.

It starts its own embedded servers in a temporary folder, measures the raw ceilings of this
machine (a bare Litestar + asyncpg insert; JetStream publish-with-ack), then runs the platform as
one process (`openkrakow run`) and measures it against them. Not a test: figures vary with the
machine; the targets say what "good" means.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from shared.auth import Authenticator
from shared.bus import Bus
from shared.config import load_settings
from shared.embedded import EmbeddedServers
from tests.bench import archive, breakdown, profile_intake, rebuild_memory, samework, split
from tests.bench.loadgen import build_request, closed_loop, open_loop
from tests.bench.synthetic import history as history_events
from tests.helpers.platform import HIGH_LIMITS_ENV
from tests.helpers.server import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
WARSAW = ZoneInfo("Europe/Warsaw")
QUESTION = {
    "text": "Jak zapisać dziecko do szkoły w Krakowie, jeśli nie mówi jeszcze po polsku?",
    "topic": "education",
    "language": "uk",
}
# A live session's questions differ (identical texts would make every question a likely
# duplicate of every other, which no session does): 16 questions × 4 districts.
_BASES = [
    ("education", "pl", "Jak zapisać dziecko do szkoły w dzielnicy {d}, jeśli nie mówi po polsku?"),
    ("education", "uk", "Чи будуть додаткові уроки польської мови для дітей у районі {d}?"),
    ("housing", "uk", "Де шукати допомогу з орендою житла для сімей з України в районі {d}?"),
    ("housing", "pl", "Czy miasto planuje mieszkania komunalne dla cudzoziemców w dzielnicy {d}?"),
    ("health_care", "en", "Where can I find a family doctor who speaks English near {d}?"),
    ("health_care", "uk", "Як записатися до лікаря без номера PESEL у районі {d}?"),
    (
        "legal_stay",
        "en",
        "How long does the residence card decision take for people living in {d}?",
    ),
    ("legal_stay", "ru", "Где получить консультацию по легализации пребывания в районе {d}?"),
    ("work", "pl", "Gdzie w dzielnicy {d} są kursy zawodowe dla osób z zagranicy?"),
    ("work", "uk", "Чи можна визнати мій диплом медсестри, якщо я живу в районі {d}?"),
    (
        "urban_infrastructure",
        "pl",
        "Kiedy powstanie przejście dla pieszych przy szkole w dzielnicy {d}?",
    ),
    (
        "urban_infrastructure",
        "en",
        "Will there be more night buses connecting {d} with the centre?",
    ),
    ("safety", "pl", "Co robić, gdy sąsiedzi w dzielnicy {d} obrażają nas z powodu pochodzenia?"),
    ("culture", "be", "Ці можна арганізаваць беларускія культурныя сустрэчы ў раёне {d}?"),
    ("culture", "en", "Can the library in {d} buy books in Ukrainian and Georgian for children?"),
    ("other", "pl", "Jak zgłosić propozycję tematu na kolejną Ławkę Dialogu z dzielnicy {d}?"),
]
QUESTIONS = [
    {"text": text.format(d=district), "topic": topic, "language": language}
    for district in ("Krowodrza", "Podgórze", "Nowa Huta", "Bronowice")
    for topic, language, text in _BASES
]


class Report:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, name: str, value: str, target: str = "", verdict: str = "") -> None:
        self.rows.append((name, value, target, verdict))
        print(f"  {name:<58} {value:>18}  {target:<16} {verdict}", flush=True)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=ROOT
    )


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


HZ = os.sysconf("SC_CLK_TCK")


def cpu_seconds(app_pid: int) -> dict[str, float]:
    """CPU time used so far by the measured app process and by each kind of server process."""
    out: dict[str, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / HZ
        kind = "app" if int(entry) == app_pid else name
        if kind in ("app", "postgres", "nats-server", "redis-server"):
            out[kind] = out.get(kind, 0.0) + used
    return out


def cpu_per_request(
    before: dict[str, float], after: dict[str, float], count: int
) -> dict[str, float]:
    """Milliseconds of CPU per request, by process kind."""
    return {
        kind: 1000 * (after[kind] - before.get(kind, 0.0)) / max(count, 1)
        for kind in ("app", "postgres", "nats-server", "redis-server")
        if after.get(kind, 0.0) - before.get(kind, 0.0) > 0.05
    }


def cpu_text(per: dict[str, float]) -> str:
    """'app 0.12 + postgres 0.10 + ... ms'."""
    return " + ".join(f"{kind} {value:.2f}" for kind, value in per.items()) + " ms"


async def ceiling_http(
    servers: EmbeddedServers, work: Path, duration: float, report: Report
) -> tuple[float, dict[str, float]]:
    port = free_port()
    proc = spawn(
        [sys.executable, "-m", "tests.bench.ceiling_app", str(port), servers.database_url or ""],
        dict(os.environ),
        work / "ceiling.log",
    )
    try:
        await wait_http(f"http://127.0.0.1:{port}/none")
        body = json.dumps(QUESTION).encode()
        raw = build_request("POST", f"127.0.0.1:{port}", "/ceiling", body)
        before = cpu_seconds(proc.pid)
        result = await closed_loop(
            "127.0.0.1", port, lambda i: raw, connections=16, duration=duration
        )
        after = cpu_seconds(proc.pid)
        report.add(
            "ceiling: bare Litestar + msgspec + asyncpg insert",
            f"{result.throughput:,.0f} req/s",
            "",
            f"p99 {ms(result.percentile(99))}",
        )
        cpu = cpu_per_request(before, after, result.count)
        report.add("ceiling: CPU per request, by process", cpu_text(cpu))
        return result.throughput, cpu
    finally:
        proc.terminate()
        proc.wait(10)


async def ceiling_jetstream(servers: EmbeddedServers, report: Report) -> None:
    bus = await Bus.connect(servers.nats_url or "", name="bench", stream="BENCH")
    try:
        await bus.js.add_stream(name="BENCH", subjects=["bench.>"])
        payload = b"x" * 400
        n = 3000
        started = time.perf_counter()
        for i in range(n):
            await bus.js.publish("bench.one", payload, headers={"Nats-Msg-Id": f"a{i}"})
        sequential = n / (time.perf_counter() - started)
        started = time.perf_counter()
        await bus.publish_raw_batch([(f"b{i}", "bench.batch", payload) for i in range(20000)])
        pipelined = 20000 / (time.perf_counter() - started)
        report.add("ceiling: JetStream publish-with-ack, one at a time", f"{sequential:,.0f} msg/s")
        report.add(
            "ceiling: JetStream publish-with-ack, pipelined (relay)", f"{pipelined:,.0f} msg/s"
        )
        await bus.js.delete_stream("BENCH")
    finally:
        await bus.close()


async def new_edition(client: httpx.AsyncClient, base: str, token: str) -> str:
    resp = await client.post(
        f"{base}/api/bench/editions",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "title": "Benchmark edition",
            "held_on": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
            "venue": "Centrum Wielokulturowe",
            "audience": "everyone",
            "submissions_close_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        },
    )
    resp.raise_for_status()
    return str(resp.json()["id"])


async def indicator_value(
    client: httpx.AsyncClient, base: str, token: str, indicator: str
) -> float:
    resp = await client.get(
        f"{base}/api/indicators",
        params={"year": datetime.now(UTC).year},
        headers={"Authorization": f"Bearer {token}"},
    )
    resp.raise_for_status()
    return float(next(i["value"] or 0 for i in resp.json()["indicators"] if i["id"] == indicator))


async def until(probe: Callable[[], Awaitable[bool]], timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await probe():
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    raise RuntimeError("timed out")


FRESH_SQL = (
    "select coalesce(sum(value), 0) from indicators.indicator_values "
    "where indicator_id = 'bench.questions_received' and year = $1 and dimension = ''"
)
BUCKETS_PREFIX = "openkrakow_indicator_freshness_seconds_bucket"


async def freshness_buckets(client: httpx.AsyncClient, base: str) -> dict[float, float]:
    """The server's own freshness histogram (cumulative counts per upper bound) from /metrics."""
    text = (await client.get(f"{base}/metrics")).text
    out: dict[float, float] = {}
    for line in text.splitlines():
        if line.startswith(BUCKETS_PREFIX):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            out[float("inf") if bound == "+Inf" else float(bound)] = float(line.rsplit(" ", 1)[1])
    return out


async def freshness(
    port: int,
    make: Callable[[int], bytes],
    database_url: str,
    client: httpx.AsyncClient,
    base: str,
    duration: float,
    report: Report,
    rate: float = 200,
) -> float:
    """Commit → indicator visible at `rate` events/s (200); returns its p99 (seconds).

    The client knows a question is committed when its 201 arrives; a poller on its own
    connection reads the committed counter every 2 ms. The k-th question to be acknowledged is
    taken as visible when the counter first reaches the k-th value: commit order and counter
    order agree up to ties, so this measures what a coordinator sees. The server's own
    histogram (event occurred_at → projection committed) is read from /metrics as a check.
    """
    year = datetime.now(WARSAW).year
    conn = await asyncpg.connect(database_url)
    try:
        # The saturation run left a backlog: measure once the projection has caught up with
        # every stored question, or its catching up would look like instant freshness.
        stored = await conn.fetchval("select count(*) from participation.bench_questions")
        deadline = time.monotonic() + 300
        while int(await conn.fetchval(FRESH_SQL, year)) < stored:
            if time.monotonic() > deadline:
                raise RuntimeError("the indicators never caught up with the stored questions")
            await asyncio.sleep(0.1)
        before_buckets = await freshness_buckets(client, base)
        before_legs = await breakdown.snapshot(client, [f"{base}/metrics"])
        base_count = int(await conn.fetchval(FRESH_SQL, year))
        seen: list[tuple[float, int]] = []
        stop = asyncio.Event()

        async def poll() -> None:
            last = base_count
            while not stop.is_set():
                value = int(await conn.fetchval(FRESH_SQL, year))
                if value != last:
                    seen.append((time.perf_counter(), value))
                    last = value
                await asyncio.sleep(0.002)

        poller = asyncio.create_task(poll())
        result = await open_loop("127.0.0.1", port, make, rate=rate, duration=duration)
        expected = base_count + len(result.completions)
        deadline = time.monotonic() + 60
        while (not seen or seen[-1][1] < expected) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        stop.set()
        await poller
    finally:
        await conn.close()
    completions = sorted(result.completions)
    lags: list[float] = []
    i = 0
    for k, done in enumerate(completions, start=1):
        while i < len(seen) and seen[i][1] < base_count + k:
            i += 1
        if i == len(seen):
            break
        lags.append(max(0.0, seen[i][0] - done))
    lags.sort()
    missing = len(completions) - len(lags)

    def pct(p: float) -> float:
        return (
            lags[min(len(lags) - 1, int(round(p / 100 * (len(lags) - 1))))]
            if lags
            else float("nan")
        )

    report.add(f"freshness at {rate:g} events/s: p50", ms(pct(50)))
    report.add(
        f"freshness at {rate:g} events/s: p99",
        ms(pct(99)),
        "≤ 25 ms" if rate == 200 else "",
        verdict(pct(99) <= 0.025 and missing == 0) if rate == 200 else "",
    )
    report.add("freshness: questions never seen counted", str(missing), "0", verdict(missing == 0))
    after_buckets = await freshness_buckets(client, base)
    total = after_buckets.get(float("inf"), 0) - before_buckets.get(float("inf"), 0)
    within = after_buckets.get(0.025, 0) - before_buckets.get(0.025, 0)
    if total:
        report.add(
            "freshness, server histogram: share ≤ 25 ms",
            f"{within / total:.1%}",
            "≥ 99%",
            verdict(within / total >= 0.99),
        )
    print("  where the time goes, from the server's own histograms (shared/latency.py):")
    breakdown.report(before_legs, await breakdown.snapshot(client, [f"{base}/metrics"]), report.add)
    return pct(99)


async def run(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="okr-bench-"))
    report = Report()
    print(f"Open Kraków benchmark — {os.cpu_count()} cores; work dir {work}")
    servers = EmbeddedServers(work / "servers")
    await servers.start()
    platform: subprocess.Popen[bytes] | None = None
    one_process: dict[str, float] = {}
    try:
        print("\nCeilings of this machine")
        ceiling, ceiling_cpu = await ceiling_http(servers, work, args.duration, report)
        same, same_cpu = await samework.measure(
            servers, work, args.duration, report, samework_tools()
        )
        await ceiling_jetstream(servers, report)

        port = free_port()
        env = dict(os.environ)
        env.update(
            DATABASE_URL=servers.database_url or "",
            NATS_URL=servers.nats_url or "",
            REDIS_URL=servers.redis_url or "",
            OPENKRAKOW_DATA=str(work / "data"),
            OPENKRAKOW_SECRET_KEY=SECRET,
            SMTP_INTAKE_PORT=str(free_port()),
            LOG_LEVEL="WARNING",
            # Counted, as in production, but never reached: every request comes from 127.0.0.1.
            **HIGH_LIMITS_ENV,
        )
        platform = spawn(
            [sys.executable, "-m", "services.cli", "run", "--port", str(port)],
            env,
            work / "platform.log",
        )
        base = f"http://127.0.0.1:{port}"
        await wait_http(f"{base}/health")
        token = Authenticator.from_settings(
            load_settings(secret_key=SECRET, data_dir=work / "data")
        ).access_token("bench", "coordinator", ttl=7200)
        async with httpx.AsyncClient(timeout=30) as client:
            edition = await new_edition(client, base, token)
            path = f"/api/bench/editions/{edition}/questions"
            raws = [
                build_request("POST", f"127.0.0.1:{port}", path, json.dumps(q).encode())
                for q in QUESTIONS
            ]

            def raw(i: int) -> bytes:
                return raws[i % len(raws)]

            print("\nQuestion intake, end to end (HTTP → row + outbox → JetStream → indicators)")
            before = cpu_seconds(platform.pid)
            sampling = (
                asyncio.create_task(
                    profile_intake.record(
                        platform.pid, args.duration - 1, work / "intake-profile.raw"
                    )
                )
                if args.profile
                else None
            )
            saturated = await closed_loop(
                "127.0.0.1", port, raw, connections=16, duration=args.duration
            )
            after = cpu_seconds(platform.pid)
            profile = await sampling if sampling is not None else None
            ratio = saturated.throughput / ceiling if ceiling else 0
            one_process["intake"] = saturated.throughput
            report.add(
                "intake at saturation",
                f"{saturated.throughput:,.0f} req/s",
                "",
                f"p99 {ms(saturated.percentile(99))}",
            )
            intake_cpu = cpu_per_request(before, after, saturated.count)
            report.add(
                "intake: CPU per question, by process (app = the whole platform)",
                cpu_text(intake_cpu),
            )
            report.add("intake / bare ceiling (one insert)", f"{ratio:.0%}")
            same_ratio = saturated.throughput / same if same else 0
            report.add(
                "intake / same-work ceiling",
                f"{same_ratio:.0%}",
                "≥ 50%",
                verdict(same_ratio >= 0.5),
            )
            report.add(
                "intake: CPU per question / same-work ceiling's",
                f"{sum(intake_cpu.values()) / max(sum(same_cpu.values()), 1e-9):.1f}x all, "
                f"{intake_cpu.get('app', 0) / max(same_cpu.get('app', 0), 1e-9):.1f}x app",
            )
            if profile is not None:
                print("    where the platform's time goes at saturation (py-spy samples):")
                profile_intake.report_shares(report, profile)
            if args.intake_only:
                return
            if ratio < 0.5:
                app_times = intake_cpu.get("app", 0) / max(ceiling_cpu.get("app", 0), 1e-9)
                all_times = sum(intake_cpu.values()) / max(sum(ceiling_cpu.values()), 1e-9)
                print(
                    f"    why: a question costs {app_times:.1f}× the ceiling's CPU in the Python "
                    f"process and {all_times:.1f}× in all processes together (the ceiling does "
                    "one insert; a question is a transaction of five statements with its outbox "
                    "row, a rate-limit count, the relay's publish, the projection's transaction "
                    "with its inbox row, the dashboards' change notice and a duplicate check); "
                    "the one-process run has one Python core, already busy (see 'app' above).",
                    flush=True,
                )
            fixed = await open_loop("127.0.0.1", port, raw, rate=200, duration=args.duration)
            report.add("intake at 200 req/s: p50", ms(fixed.percentile(50)))
            report.add("intake at 200 req/s: p95", ms(fixed.percentile(95)))
            report.add(
                "intake at 200 req/s: p99",
                ms(fixed.percentile(99)),
                "< 50 ms",
                verdict(fixed.percentile(99) < 0.05),
            )
            print("\nFreshness (commit → indicator visible)")
            # From a quiet platform: the saturation run's duplicate suggestions and mails drain
            # first (they would put a backlog, not the path, into the figure).
            await split.quiescent(client, f"{base}/metrics")
            one_process["fresh_p99"] = await freshness(
                port,
                raw,
                servers.database_url or "",
                client,
                base,
                args.duration,
                report,
            )
            print("  the same at 20 events/s (the path's own delays, without a queue):")
            await split.quiescent(client, f"{base}/metrics")
            await freshness(
                port,
                raw,
                servers.database_url or "",
                client,
                base,
                args.duration,
                report,
                rate=20,
            )
            errors = (
                fixed.errors
                + saturated.errors
                + sum(v for k, v in {**fixed.statuses, **saturated.statuses}.items() if k != 201)
            )
            report.add("intake errors (non-201 or failed)", str(errors), "0", verdict(errors == 0))

            pool = await asyncpg.connect(servers.database_url)
            try:
                stored = await pool.fetchval("select count(*) from participation.bench_questions")

                async def counted() -> bool:
                    return (
                        await indicator_value(client, base, token, "bench.questions_received")
                        >= stored
                    )

                lag = await until(counted, 120)
                report.add(
                    "all stored questions counted by the indicators",
                    f"{stored:,} (+{lag:.1f} s)",
                    "all",
                    "met",
                )

                print(
                    "\nLive Bench burst: 2,000 questions in 60 s, each with an e-mail (acknowledged)"
                )
                burst_edition = await new_edition(client, base, token)
                burst_path = f"/api/bench/editions/{burst_edition}/questions"

                def burst_request(i: int) -> bytes:
                    payload = {
                        **QUESTIONS[i % len(QUESTIONS)],
                        "email": f"asker{i}@example.org",
                        "consent": True,
                    }
                    return build_request(
                        "POST",
                        f"127.0.0.1:{port}",
                        burst_path,
                        json.dumps(payload).encode(),
                        {"Idempotency-Key": f"burst-{i}-{uuid.uuid4()}"},
                    )

                burst = await open_loop(
                    "127.0.0.1",
                    port,
                    burst_request,
                    rate=2000 / args.burst_seconds,
                    duration=args.burst_seconds,
                )
                stored_burst = await pool.fetchval(
                    "select count(*) from participation.bench_questions where edition_id = $1",
                    uuid.UUID(burst_edition),
                )
                report.add(
                    "burst: accepted (201)",
                    f"{burst.statuses.get(201, 0):,}",
                    "2,000",
                    verdict(burst.statuses.get(201, 0) == 2000),
                )
                report.add(
                    "burst: stored", f"{stored_burst:,}", "2,000", verdict(stored_burst == 2000)
                )
                report.add(
                    "burst: failed requests (after retries)",
                    str(burst.errors),
                    "0",
                    verdict(burst.errors == 0),
                )
                report.add("burst: p99 latency", ms(burst.percentile(99)))
                try:
                    acknowledged = await pool.fetchval(
                        "select count(*) from participation.outgoing_mail where purpose like 'bench%' and sent_at is not null"
                    )
                    report.add(
                        "burst: acknowledgement e-mails sent (all questions so far)",
                        f"{acknowledged:,}",
                    )
                except asyncpg.PostgresError:
                    pass
                total = await pool.fetchval("select count(*) from participation.bench_questions")

                async def all_counted() -> bool:
                    return (
                        await indicator_value(client, base, token, "bench.questions_received")
                        >= total
                    )

                lag = await until(all_counted, 120)
                report.add(
                    "burst: counted by the indicators", f"{total:,} (+{lag:.1f} s)", "all", "met"
                )
            finally:
                await pool.close()

        print("\nOne-process run")
        rss = rss_peak_mb(platform.pid)
        report.add("peak RSS of `openkrakow run`", f"{rss:.0f} MB", "< 300 MB", verdict(rss < 300))
        platform.terminate()
        platform.wait(20)
        platform = None

        await history(servers, work, env, args, report)
        await archive.run(servers.database_url or "", report, verdict)
        await split.run(work / "split", report, verdict, QUESTIONS, args.duration, one_process)
    finally:
        if platform is not None:
            platform.terminate()
            platform.wait(20)
        await servers.destroy()
    print(f"\nLogs in {work}")


def tools(args: argparse.Namespace) -> argparse.Namespace:
    """What tests/bench/split.py borrows from here to run the one-process platform alone."""
    return argparse.Namespace(
        args=args,
        spawn=spawn,
        wait_http=wait_http,
        new_edition=new_edition,
        freshness=freshness,
        questions=QUESTIONS,
        secret=SECRET,
    )


def samework_tools() -> argparse.Namespace:
    """The helpers tests/bench/samework.py measures with (it stays a module of its own)."""
    return argparse.Namespace(
        spawn=spawn,
        wait_http=wait_http,
        free_port=free_port,
        cpu_seconds=cpu_seconds,
        cpu_per_request=cpu_per_request,
        cpu_text=cpu_text,
        ms=ms,
        closed_loop=closed_loop,
        build_request=build_request,
        question=QUESTION,
    )


async def run_parts(args: argparse.Namespace) -> None:
    """Only the parts named by --parts (each on embedded servers of its own)."""
    work = Path(tempfile.mkdtemp(prefix="okr-bench-"))
    report = Report()
    print(f"Open Kraków benchmark, parts {', '.join(args.parts)} — {os.cpu_count()} cores")
    print("  load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    one_process: dict[str, float] = {}
    if "freshness" in args.parts or "split" in args.parts:
        one_process = await split.one_process(work / "one", report, verdict, tools(args))
    if "split" in args.parts:
        await split.run(work / "split", report, verdict, QUESTIONS, args.duration, one_process)
    if not {"archive", "rebuild"} & set(args.parts):
        print(f"\nLogs in {work}")
        return
    servers = EmbeddedServers(work / "servers")
    await servers.start()
    try:
        if "archive" in args.parts:
            await archive.run(servers.database_url or "", report, verdict)
        if "rebuild" in args.parts:
            await rebuild_memory.run(servers, report, verdict, args.rebuild_events, publish_history)
    finally:
        await servers.destroy()


async def publish_history(bus: Bus, first: int, count: int, total: int) -> None:
    """Publish events first..first+count-1 of the synthetic history (deterministic)."""
    rows = history_events(total)
    batch: list[tuple[str, str, bytes]] = []
    for i, row in enumerate(rows):
        if i < first:
            continue
        if i >= first + count:
            break
        batch.append(row)
        if len(batch) == 20_000:
            await bus.publish_raw_batch(batch)
            batch = []
    if batch:
        await bus.publish_raw_batch(batch)


async def dashboard_latency(
    env: dict[str, str], work: Path, args: argparse.Namespace, events: int, report: Report
) -> None:
    """Dashboard and indicator API read latency with `events` events projected (web part only)."""
    port = free_port()
    web = spawn(
        [
            sys.executable,
            "-m",
            "services.cli",
            "serve",
            "indicators",
            "--port",
            str(port),
            "--parts",
            "web",
        ],
        env,
        work / f"dashboard-{events}.log",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_http(f"{base}/health")
        token = Authenticator.from_settings(
            load_settings(secret_key=SECRET, data_dir=Path(env["OPENKRAKOW_DATA"]))
        ).access_token("bench", "coordinator", ttl=3600)
        auth = {"Authorization": f"Bearer {token}"}
        host = f"127.0.0.1:{port}"
        for label, path in (
            ("dashboard page", "/dashboard"),
            ("indicators API", f"/api/indicators?year={datetime.now(WARSAW).year}"),
        ):
            raw = build_request("GET", host, path, headers=auth)
            await closed_loop(
                "127.0.0.1", port, lambda i, raw=raw: raw, connections=2, duration=1
            )  # warm
            async with httpx.AsyncClient() as probe:
                paused = await breakdown.snapshot(probe, [f"{base}/metrics"])
                result = await open_loop(
                    "127.0.0.1", port, lambda i, raw=raw: raw, rate=50, duration=args.duration
                )
                breakdown.report(
                    paused,
                    await breakdown.snapshot(probe, [f"{base}/metrics"]),
                    report.add,
                    f"{label} at {events:,} events, server's ",
                    only=breakdown.PAUSES,
                )
            bad = result.errors + sum(v for k, v in result.statuses.items() if k != 200)
            p99 = result.percentile(99)
            report.add(
                f"{label} at {events:,} events: p50 / p99",
                f"{ms(result.percentile(50))} / {ms(p99)}",
                "p99 < 20 ms",
                verdict(p99 < 0.02 and bad == 0) + (f" ({bad} failed)" if bad else ""),
            )
    finally:
        web.terminate()
        web.wait(20)


async def dashboard_events(
    env: dict[str, str], work: Path, report: Report, before_tree: Path | None = None
) -> None:
    """The dashboard's work per question (tests/bench/dashboard_events.py): before and after."""
    from tests.bench.dashboard_events import dashboard_per_event

    token = Authenticator.from_settings(
        load_settings(secret_key=SECRET, data_dir=Path(env["OPENKRAKOW_DATA"]))
    ).access_token("bench", "coordinator", ttl=3600)
    print("\nDashboard per event (one open page; SQL statements counted at the server)")
    tools = argparse.Namespace(wait_http=wait_http, free_port=free_port, cpu_seconds=cpu_seconds)
    await dashboard_per_event(env, work, report, tools, token, before_tree)


async def only_dashboard_events(before_tree: Path | None) -> None:
    """`--only dashboard-events`: that part alone, on its own embedded servers."""
    from services.indicators.app import service as indicators
    from shared.migrate import migrate

    work = Path(tempfile.mkdtemp(prefix="okr-bench-"))
    servers = EmbeddedServers(work / "servers")
    await servers.start()
    try:
        assert servers.database_url and servers.nats_url and servers.redis_url
        await migrate(servers.database_url, indicators.schema, indicators.migrations)
        env = dict(os.environ)
        env.update(
            DATABASE_URL=servers.database_url,
            NATS_URL=servers.nats_url,
            REDIS_URL=servers.redis_url,
            OPENKRAKOW_DATA=str(work / "data"),
            OPENKRAKOW_SECRET_KEY=SECRET,
            LOG_LEVEL="WARNING",
            **HIGH_LIMITS_ENV,
        )
        await dashboard_events(env, work, Report(), before_tree)
    finally:
        await servers.destroy()
    print(f"\nLogs in {work}")


async def history(
    servers: EmbeddedServers,
    work: Path,
    platform_env: dict[str, str],
    args: argparse.Namespace,
    report: Report,
) -> None:
    """Rebuild and dashboard figures on a synthetic history: 10k events, then 1M.

    A fresh database and stream (the live run's are dropped), so the counts are exactly the
    history's. The projection is built by `rebuild` (the same code as `openkrakow indicators
    rebuild`); the dashboard is then served by the indicators web part alone.
    """
    from services.indicators.app import service as indicators
    from shared.db import create_pool
    from shared.migrate import migrate

    small, large = 10_000, args.rebuild_events
    admin = await asyncpg.connect(servers.database_url)
    try:
        await admin.execute('create database "history"')
    finally:
        await admin.close()
    database_url = (servers.database_url or "").rsplit("/", 1)[0] + "/history"
    env = {**platform_env, "DATABASE_URL": database_url}
    await migrate(database_url, indicators.schema, indicators.migrations)
    pool = await create_pool(database_url, indicators.schema, max_size=2)
    bus = await Bus.connect(servers.nats_url or "", name="bench-history")
    try:
        await bus.js.delete_stream(bus.stream)
        await bus.ensure_stream()
        print(f"\nRebuild and dashboard: a synthetic history of {small:,}, then {large:,} events")
        await publish_history(bus, 0, small, large)
        # The rebuild runs in a process of its own: its peak RSS is the rebuild's alone.
        first = await rebuild_memory.in_child(database_url, servers.nats_url or "")
        report.add("rebuild of 10,000 events", f"{first.rate:,.0f} events/s")
        await dashboard_latency(env, work, args, small, report)
        await dashboard_events(env, work, report)

        started = time.perf_counter()
        await publish_history(bus, small, large - small, large)
        print(
            f"  (published {large - small:,} more events in {time.perf_counter() - started:.0f} s)"
        )
        second = await rebuild_memory.in_child(database_url, servers.nats_url or "", progress=True)
        report.add(
            f"rebuild: replay of {second.summary['events']:,} events",
            f"{second.rate:,.0f} events/s",
            "≥ 20,000/s",
            verdict(second.rate >= 20_000 and second.summary["events"] == large),
        )
        report.add("rebuild: CPU time of the rebuilding process", f"{second.cpu_seconds:.1f} s")
        rebuild_memory.report_memory(report, verdict, first, second)
        await dashboard_latency(env, work, args, large, report)
    finally:
        await bus.close()
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds per throughput/latency run"
    )
    parser.add_argument(
        "--burst-seconds",
        type=float,
        default=60.0,
        help="the burst sends 2,000 questions over this many seconds",
    )
    parser.add_argument(
        "--rebuild-events",
        type=int,
        default=1_000_000,
        help="events in the synthetic history that the rebuild replays",
    )
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=["all", "archive", "dashboard-events", "freshness", "split", "rebuild", "intake"],
        default=["all"],
        help="what to run: everything (default), or only the named parts "
        "(archive: the Bench archive's search latency; dashboard-events: the dashboard's work "
        "per question; freshness: the one-process platform's intake and freshness with its "
        "breakdown; split: the split deployment on a 3-node NATS cluster, after freshness, "
        "with CPU per question by process and the sizing table; rebuild: the rebuild's speed "
        "and peak RSS at 10k and --rebuild-events events; intake: the ceilings and the intake "
        "at saturation against them)",
    )
    parser.add_argument(
        "--only",
        choices=["dashboard-events"],
        help="the same as --parts dashboard-events",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the platform with py-spy during the intake at saturation and print where "
        "its time goes (tests/bench/profile_intake.py)",
    )
    parser.add_argument(
        "--before-tree",
        type=Path,
        default=None,
        help="dashboard-events: measure the page of before against this checkout's server "
        "(git archive <commit> | tar -x -C <dir>); default: this tree's",
    )
    # The bench's own NATS clients reconnect and close on purpose: keep their notices quiet.
    logging.getLogger("openkrakow.bus").setLevel(logging.ERROR)
    args = parser.parse_args()
    if args.only:
        args.parts = [args.only]
    args.intake_only = "intake" in args.parts and "all" not in args.parts
    if args.intake_only:
        asyncio.run(run(args))
    if "all" in args.parts:
        asyncio.run(run(args))
        return
    if {"archive", "freshness", "split", "rebuild"} & set(args.parts):
        asyncio.run(run_parts(args))
    if "dashboard-events" in args.parts:
        asyncio.run(only_dashboard_events(args.before_tree))


if __name__ == "__main__":
    main()
