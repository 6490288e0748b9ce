"""Generated requests against the OpenAPI document: no 5xx, no answer that breaks its schema.

Schemathesis (its CLI, against the platform served over HTTP) generates requests from the
OpenAPI document — valid ones and edge cases — for several callers (anonymous, coordinator,
an NGO) and checks every answer: never a server error, status codes and bodies as documented.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.helpers.platform import RunningPlatform

MIN_REQUESTS = 5_000


async def st_run(
    base_url: str, headers: list[str], examples: int, workdir: Path
) -> tuple[int, str]:
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is a test dependency (pip install -e '.[test]')"
    args = [
        st,
        "run",
        f"{base_url}/schema/openapi.json",
        "--checks",
        "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
        "--max-examples",
        str(examples),
        "--seed",
        "20261121",
        "--request-timeout",
        "10",
        "--workers",
        "2",
        # Coverage (edge cases from the schema) and fuzzing; the SSE stream never ends, so each
        # generated call to it would only wait for the request timeout.
        "--phases",
        "coverage,fuzzing",
        "--exclude-path",
        "/api/indicators/stream",
    ]
    for header in headers:
        args += ["-H", header]
    proc = await asyncio.create_subprocess_exec(
        *args, cwd=workdir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode(errors="replace")


@pytest.mark.slow
async def test_generated_requests_never_get_a_server_error_or_an_undocumented_answer(
    tmp_path: Path,
) -> None:
    # Its own servers: generated requests change shared settings (a council's quorum) and
    # publish events, which must not reach the session platform other tests rely on.
    from services.registry import all_services
    from shared.embedded import EmbeddedServers
    from tests.helpers.platform import running_platform, test_settings

    servers = EmbeddedServers(tmp_path / "servers")
    await servers.start()
    try:
        assert servers.database_url and servers.nats_url and servers.redis_url
        settings = test_settings(
            tmp_path / "data", servers.database_url, servers.nats_url, servers.redis_url
        )
        async with running_platform(settings, all_services()) as platform:
            await fuzz(platform, tmp_path)
    finally:
        await servers.destroy()


CPYTHON_AST_BUG = "SystemError: AST constructor recursion depth mismatch"


async def fuzz(platform: RunningPlatform, tmp_path: Path) -> None:
    # (headers, examples per operation): most requests as the coordinator, who passes most guards.
    callers = {
        "anonymous": ([], 5),
        "coordinator": ([f"Authorization: Bearer {platform.token('coordinator', ttl=3600)}"], 40),
        "ngo": ([f"Authorization: Bearer {platform.token('ngo', ttl=3600)}"], 5),
    }
    total = 0
    failures = []
    for name, (headers, examples) in callers.items():
        code, out = await st_run(platform.base_url, headers, examples, tmp_path)
        if code != 0 and CPYTHON_AST_BUG in out:
            # Not a finding: CPython 3.11's parser miscounts its recursion depth when Hypothesis
            # parses a lambda's source to name a strategy deep in the stack (a SystemError in
            # schemathesis's own generator, before any request). Run that caller again once.
            code, out = await st_run(platform.base_url, headers, examples, tmp_path)
        match = re.search(r"(\d+) generated", out)
        generated = int(match.group(1)) if match else 0
        total += generated
        if code != 0:
            # The failures section comes before the (long) warnings: show it whole.
            failures.append(f"--- as {name} (exit {code}) ---\n{out.split('WARNINGS')[0][-8000:]}")
    assert not failures, "\n".join(failures)
    assert total >= MIN_REQUESTS, f"only {total} generated requests"
    print(f"schemathesis: {total} generated requests, no failure")
