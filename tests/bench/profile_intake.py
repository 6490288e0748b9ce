"""Where the platform's time goes during the intake at saturation (issue 18, part 1).

`python -m tests.bench --parts intake --profile` samples the one-process platform with py-spy
(a sampling profiler outside the process: nothing in the platform changes) while the intake
is saturated, and prints the share of the samples by part of the work. py-spy is in the
`test` extras; without it (or without ptrace rights) the benchmark says so and goes on.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from pathlib import Path

# (label, a frame that marks it), the first match from the top of the stack wins.
PARTS = [
    ("question: rate limit (Redis)", "RateLimiter.check_client"),
    ("question: BEGIN", "UnitOfWork.__aenter__"),
    ("question: outbox row + COMMIT", "UnitOfWork.__aexit__"),
    ("question: the command's SQL and logic", "receive_question"),
    ("question: handler, rest", "ask_question"),
    ("HTTP: uvicorn + Litestar + middlewares", "RequestResponseCycle.run_asgi"),
    ("duplicate suggestions (job)", "bench_suggest_duplicates"),
    ("projection (indicators consumer)", "ConsumerRunner"),
    ("outbox relay", "OutboxRelay"),
    ("job worker (arq) polling", "Worker.main"),
    ("pool: connection reset on release", "Connection.reset"),
    ("NATS client I/O", "nats/aio/"),
    ("Redis client I/O", "redis/asyncio/"),
]


def py_spy() -> str | None:
    """The py-spy next to this interpreter, or on the PATH."""
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


async def record(pid: int, seconds: float, out: Path) -> Path | None:
    """Sample `pid` for `seconds` (100 Hz, without stopping it); the raw stacks' path, or None."""
    exe = py_spy()
    if exe is None:
        print("    (py-spy is not installed: pip install -e '.[test]')", flush=True)
        return None
    proc = await asyncio.create_subprocess_exec(
        exe,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, int(seconds))),
        "--rate",
        "100",
        "--format",
        "raw",
        "--nonblocking",
        "--output",
        str(out),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        print(f"    (py-spy could not sample: {err.decode()[-300:].strip()})", flush=True)
        return None
    return out


def shares(raw: Path) -> list[tuple[str, float]]:
    """Share of the samples per part (PARTS), plus the event loop itself and the rest."""
    counts: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        total += int(n)
        frames = stack.split(";")
        label = "other"
        for name, mark in PARTS:
            if any(mark in frame for frame in frames):
                label = name
                break
        else:
            if frames[-1].startswith("Runner.run") or frames[-1].startswith("run_loop"):
                label = "event loop itself"
        counts[label] += int(n)
    return [(label, n / total) for label, n in counts.most_common()] if total else []


def report_shares(report: object, raw: Path) -> None:
    """Rows 'where the time goes' for the benchmark's report."""
    for label, share in shares(raw):
        report.add(f"  app time: {label}", f"{share:.1%}")  # type: ignore[attr-defined]
