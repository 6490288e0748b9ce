"""The platform's parts as separate OS processes, for fault tests: start, SIGKILL, restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.helpers.platform import HIGH_LIMITS_ENV
from tests.helpers.server import free_port


@dataclass
class Part:
    """One `openkrakow ...` process."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", *self.args],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: no clean-up code runs, as in a crash or an OOM kill."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def url(self) -> str:
        assert self.port
        return f"http://127.0.0.1:{self.port}"

    async def wait_healthy(self, timeout: float = 30.0) -> None:
        assert self.port
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while asyncio.get_running_loop().time() < deadline:
                if self.proc and self.proc.poll() is not None:
                    raise AssertionError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
                try:
                    if (await client.get(f"{self.url}/health")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(
            f"{self.name} not healthy after {timeout}s: {self.log.read_text()[-3000:]}"
        )


@dataclass
class Processes:
    """A set of parts sharing one environment (server URLs, secret key, data folder)."""

    env: dict[str, str]
    logs: Path
    parts: dict[str, Part] = field(default_factory=dict)

    def add(self, name: str, *args: str, web: bool = False, **env: str) -> Part:
        """A part named `name` running `openkrakow *args`; `env` adds to the shared environment."""
        port = free_port() if web else None
        full = [*args, "--port", str(port)] if web else list(args)
        part = Part(name, full, {**self.env, **env}, self.logs / f"{name}.log", port)
        self.parts[name] = part
        return part

    def stop_all(self) -> None:
        """SIGTERM every part at once, then wait for each (SIGKILL after 15 s)."""
        running = [p for p in self.parts.values() if p.proc and p.proc.poll() is None]
        for part in running:
            assert part.proc is not None
            part.proc.send_signal(signal.SIGTERM)
        for part in running:
            part.stop()


def platform_env(
    database_url: str, nats_url: str, redis_url: str, data: Path, **extra: str
) -> dict[str, str]:
    """The environment of separately run parts: real server URLs, one shared secret."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "NATS_URL", "REDIS_URL"))
    }
    env.update(
        DATABASE_URL=database_url,
        NATS_URL=nats_url,
        REDIS_URL=redis_url,
        OPENKRAKOW_DATA=str(data),
        OPENKRAKOW_SECRET_KEY="chaos-secret-key-0123456789-abcdefghijklmnop",
        SMTP_INTAKE_PORT=str(free_port()),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
        **HIGH_LIMITS_ENV,  # thousands of questions from 127.0.0.1
        **extra,
    )
    return env
