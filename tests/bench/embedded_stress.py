"""Stress run for the embedded servers' ports (issue 22): `make stress-embedded`, or
`python -m tests.bench.embedded_stress [--starts 100]`. Not part of the test suite.

Starts and stops the three embedded servers (PostgreSQL, NATS, Redis) ``--starts`` times on one
data folder, forgetting the saved ports each time so every start chooses new ones, while another
process opens outgoing TCP connections to 127.0.0.1 as fast as it can -- the connections that,
drawing their local ports from the kernel's ephemeral range, used to take a server's port between
its choice and its bind. Prints every failed start and a last line such as
``100 of 100 starts, 0 failures, 0 retries (churn: 1,234,567 connections, 9,876/s)``, and exits
1 when a start failed.

The churn only ever connects to a listener of its own on 127.0.0.1 and stops after
``--churn-connections`` connections or ``--churn-seconds`` seconds, whichever comes first.
It resets each connection (SO_LINGER 0) unless ``--churn-close normal`` (TIME_WAIT for a
minute), and closes it at once unless ``--churn-hold N`` keeps the last N open. By default it
therefore never holds more than a few local ports, which matters on a shared machine: Linux
hands ``connect()`` even ports first and ``bind(port 0)`` odd ones, so the old race needs the
even half in use -- ``--churn-hold 16000`` does that, and is meant for a private network
namespace, where nothing else is disturbed (as root)::

    unshare --net sh -c 'ip link set lo up && .venv/bin/python -m tests.bench.embedded_stress \
        --churn-hold 16000'

``--ephemeral`` chooses the ports the old way (bind port 0: from the ephemeral range) and turns
the retries off, to see the race the run guards against.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

from shared import embedded
from shared.embedded import EmbeddedServers
from shared.ports import bound_socket

log = logging.getLogger("openkrakow.stress")


# -- the churn: another process opening outgoing connections as fast as it can -------------


def churn(threads: int, max_connections: int, max_seconds: float, close: str, hold: int) -> None:
    """Run in its own process; prints the number of connections made when it stops."""
    listener = bound_socket()
    listener.listen(4096)
    address = listener.getsockname()
    stop = threading.Event()
    counts = [0] * threads
    failures = [0] * threads
    linger = struct.pack("ii", 1, 0)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.close()

    def connect(i: int) -> None:
        budget = max_connections // threads
        held: deque[socket.socket] = deque()
        while not stop.is_set() and counts[i] < budget:
            sock = socket.socket()
            try:
                sock.connect(address)
                if close == "reset":
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                counts[i] += 1
                held.append(sock)
            except OSError:
                failures[i] += 1
                sock.close()
                time.sleep(0.01)  # the range is exhausted for now; do not spin
            while len(held) > hold // threads:
                held.popleft().close()
        while held:
            held.popleft().close()

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    listener.settimeout(0.5)
    workers = [threading.Thread(target=connect, args=(i,), daemon=True) for i in range(threads)]
    acceptor = threading.Thread(target=accept, daemon=True)
    began = time.monotonic()
    acceptor.start()
    for w in workers:
        w.start()
    deadline = began + max_seconds
    while not stop.is_set() and time.monotonic() < deadline and any(w.is_alive() for w in workers):
        stop.wait(0.2)
    stop.set()
    for w in workers:
        w.join(5)
    elapsed = time.monotonic() - began
    print(f"{sum(counts)} {sum(failures)} {elapsed:.1f}", flush=True)


def start_churn(args: argparse.Namespace) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.bench.embedded_stress",
            "--churn-only",
            "--churn-threads",
            str(args.churn_threads),
            "--churn-connections",
            str(args.churn_connections),
            "--churn-seconds",
            str(args.churn_seconds),
            "--churn-close",
            args.churn_close,
            "--churn-hold",
            str(args.churn_hold),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


# -- the starts ----------------------------------------------------------------------------


def _ephemeral_port(exclude: object = (), host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


async def starts(args: argparse.Namespace) -> int:
    if args.ephemeral:
        embedded.free_port = _ephemeral_port  # type: ignore[assignment]
        embedded.START_ATTEMPTS = 1
    churner = start_churn(args)
    failures: list[str] = []
    retries = 0
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="openkrakow-stress-") as tmp:
        data = Path(tmp) / "data"
        try:
            for i in range(1, args.starts + 1):
                (data / "ports.json").unlink(missing_ok=True)  # choose new ports every time
                servers = EmbeddedServers(data)
                try:
                    await servers.start()
                except Exception as exc:
                    lines = str(exc).splitlines()
                    why = [ln for ln in lines[1:] if "in use" in ln.lower()][-1:]
                    failures.append(" / ".join([f"start {i}: {lines[0]}", *why]))
                    print(f"FAILED {failures[-1]}", flush=True)
                finally:
                    retries += servers.retries
                    await servers.stop()
                if i % 10 == 0:
                    print(
                        f"{i} starts, {len(failures)} failures, {retries} retries,"
                        f" {time.monotonic() - began:.0f} s",
                        flush=True,
                    )
        finally:
            churner.send_signal(signal.SIGTERM)
            out, _ = churner.communicate(timeout=30)
            await EmbeddedServers(data).destroy()
    made, refused, seconds = out.split() if out.strip() else ("0", "0", "1")
    rate = int(made) / max(float(seconds), 0.001)
    ok = args.starts - len(failures)
    print(
        f"{ok} of {args.starts} starts, {len(failures)} failures, {retries} retries"
        f" (churn: {int(made):,} connections, {rate:,.0f}/s, {int(refused):,} connect errors;"
        f" ports {'from the ephemeral range, no retries' if args.ephemeral else 'as shipped'})"
    )
    for failure in failures:
        print(f"  {failure}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=100)
    parser.add_argument("--ephemeral", action="store_true", help="the old port choice")
    parser.add_argument("--churn-threads", type=int, default=4)
    parser.add_argument("--churn-connections", type=int, default=5_000_000)
    parser.add_argument("--churn-seconds", type=float, default=3600)
    parser.add_argument("--churn-close", choices=["reset", "normal"], default="reset")
    parser.add_argument("--churn-hold", type=int, default=0)
    parser.add_argument("--churn-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.churn_only:
        churn(
            args.churn_threads,
            args.churn_connections,
            args.churn_seconds,
            args.churn_close,
            args.churn_hold,
        )
        return 0
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"), format="%(message)s")
    return asyncio.run(starts(args))


if __name__ == "__main__":
    sys.exit(main())
