"""A small, fast HTTP/1.1 load generator on raw asyncio streams (keep-alive, no pipelining).

httpx costs more CPU per request than the servers we measure; on a 2-core machine the load
generator must be cheap, so it writes prepared requests and reads responses by Content-Length.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    completions: list[float] = field(default_factory=list)  # perf_counter() when each 2xx ended
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    elapsed: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def build_request(
    method: str, host: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            lname = name.strip().lower()
            if lname == b"content-length":
                length = int(value)
            elif lname == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def closed_loop(
    host: str,
    port: int | Sequence[int],
    make: Callable[[int], bytes],
    *,
    connections: int,
    duration: float,
) -> Result:
    """Saturation: `connections` clients each sending the next request as soon as one returns.
    With several ports (the split deployment), each client alternates between them."""
    result = Result()
    ports = [port] if isinstance(port, int) else list(port)
    counter = 0
    stop_at = time.perf_counter() + duration

    async def client() -> None:
        nonlocal counter
        conns = [Connection(host, p) for p in ports]
        while time.perf_counter() < stop_at:
            counter += 1
            conn = conns[counter % len(conns)]
            raw = make(counter)
            started = time.perf_counter()
            try:
                status, _ = await conn.request(raw)
            except (OSError, asyncio.IncompleteReadError):
                result.errors += 1
                conn.close()
                continue
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
        for conn in conns:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    result.elapsed = time.perf_counter() - started
    return result


async def open_loop(
    host: str,
    port: int | Sequence[int],
    make: Callable[[int], bytes],
    *,
    rate: float,
    duration: float,
    max_connections: int = 64,
) -> Result:
    """Fixed offered load: requests start on schedule (`rate` per second) whatever the latency;
    latency counts from the scheduled start, so queueing delay is not hidden. With several
    ports (processes serving the same app: the split deployment), request i goes to port i mod n,
    the bench's own client-side balancing."""
    result = Result()
    ports = [port] if isinstance(port, int) else list(port)
    idle: dict[int, list[Connection]] = {
        p: [Connection(host, p) for _ in range(max(1, max_connections // len(ports)))]
        for p in ports
    }
    total = int(rate * duration)
    begin = time.perf_counter()
    tasks = []

    async def one(i: int, due: float) -> None:
        target = ports[i % len(ports)]
        conn = idle[target].pop() if idle[target] else Connection(host, target)
        raw = make(i)
        # A kept-alive connection the server closed while idle fails on reuse; like any client,
        # send again on a fresh connection (requests carrying an Idempotency-Key stay safe).
        for attempt in range(3):
            try:
                status, _ = await conn.request(raw)
            except (OSError, asyncio.IncompleteReadError):
                conn.close()
                if attempt == 2:
                    result.errors += 1
                continue
            now = time.perf_counter()
            result.latencies.append(now - due)
            if 200 <= status < 300:
                result.completions.append(now)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            break
        idle[target].append(conn)

    for i in range(total):
        due = begin + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    result.elapsed = time.perf_counter() - begin
    for conns in idle.values():
        for conn in conns:
            conn.close()
    return result
