"""Generated requests against the OpenAPI document: no 5xx, no answer that breaks its schema.

Schemathesis (its CLI, against the platform served over HTTP) generates requests from the
OpenAPI document — valid ones and edge cases — for several callers and checks every answer:
never a server error, status codes and bodies as documented. The callers: anonymous, the
coordinator, an NGO, an evaluator of a real call's pool and a juror of a real edition. The last
two are set up with data (an application assigned to the evaluator, an accepted nomination of
the juror's edition) and their runs fix those ids in the path, so the evaluator- and juror-only
routes are fuzzed past their guards and object checks, not answered 403/404 throughout.
The coordinator's run also has the stateful phase: chains of calls that feed the ids a create
answers into the routes that read and change what it created (links schemathesis infers from
the response schemas and path parameters). A fixed seed keeps the runs reproducible.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers.platform import RunningPlatform

MIN_REQUESTS = 5_000
# The coordinator's routes in three groups, fuzzed side by side; the third is all the others.
GROUP_A = ["grants", "privacy", "public", "observatory"]
GROUP_B = ["bench", "indicators", "programme"]
SEED = "20261121"
CHECKS = (
    "not_a_server_error,response_schema_conformance,status_code_conformance,"
    "content_type_conformance"
)


@dataclass
class Caller:
    headers: list[str]
    examples: int
    phases: str = "coverage,fuzzing"
    # Only these operations (a regular expression on the path); all of them when empty.
    paths: str = ""
    # Path parameters fixed to ids that exist (schemathesis `[parameters]`).
    parameters: dict[str, str] = field(default_factory=dict)
    # Answers kept (a HAR file) to show which got past the guards.
    har: bool = False


async def st_run(
    base_url: str, caller: Caller, workdir: Path, name: str, seed: str = SEED
) -> tuple[int, str]:
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is a test dependency (pip install -e '.[test]')"
    config = workdir / f"schemathesis-{name}.toml"
    # Stateful scenarios of at most a few steps: bounded time, still create → read → change.
    config.write_text(
        "[phases.stateful]\nmax-steps = 6\n"
        + ("[parameters]\n" if caller.parameters else "")
        + "".join(f'"path.{k}" = "{v}"\n' for k, v in caller.parameters.items())
    )
    args = [
        st,
        "--config-file",
        str(config),
        "run",
        f"{base_url}/schema/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(caller.examples),
        "--seed",
        seed,
        "--request-timeout",
        "10",
        # One thread per run: CPython 3.11's AST state is shared between threads, so Hypothesis
        # naming a strategy in two threads at once can fail with "AST constructor recursion depth
        # mismatch"; the runs go side by side as processes instead.
        "--workers",
        "1",
        # Coverage (edge cases from the schema), fuzzing and, for some callers, stateful chains;
        # the SSE stream never ends, so each generated call to it would only wait for the
        # request timeout.
        "--phases",
        caller.phases,
        "--exclude-path",
        "/api/indicators/stream",
        # How fast Hypothesis generates data says nothing of the platform, and on a loaded
        # machine (the suite runs in several processes) it would stop a run for it.
        "--suppress-health-check",
        "too_slow",
    ]
    if caller.paths:
        args += ["--include-path-regex", caller.paths]
    if caller.har:
        args += ["--report", "har", "--report-har-path", str(workdir / f"{name}.har")]
    for header in caller.headers:
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


def successes(har: Path, ids: set[str]) -> set[str]:
    """The routes (method and path) that answered 2xx on one of `ids` in a schemathesis HAR."""
    entries = json.loads(har.read_text())["log"]["entries"]
    return {
        f"{e['request']['method']} {urlsplit(e['request']['url']).path}"
        for e in entries
        if 200 <= e["response"]["status"] < 300 and any(i in e["request"]["url"] for i in ids)
    }


CPYTHON_AST_BUG = "SystemError: AST constructor recursion depth mismatch"


async def evaluator_and_juror(platform: RunningPlatform) -> tuple[Caller, Caller]:
    """An evaluator with an application assigned, a juror with an accepted nomination to score."""
    from tests.integration.ambassadors import ambassadors_helpers as amb
    from tests.integration.grants import helpers as grants

    coordinator = platform.auth("coordinator")
    call_id = await grants.new_call(platform)
    _, ngo = await grants.new_organisation(platform)
    app_id = await grants.submitted_application(platform, call_id, ngo)
    subjects = [f"st-evaluator-{n}-{uuid.uuid4().hex[:6]}" for n in range(2)]
    for subject in subjects:
        resp = await platform.client.post(
            f"/api/grants/calls/{call_id}/evaluators",
            headers=coordinator,
            json={"subject": subject, "name": "Ewa Oceniająca", "email": f"{subject}@example.org"},
        )
        assert resp.status_code == 201, resp.text
    resp = await platform.client.post(
        f"/api/grants/applications/{app_id}/formal-check",
        headers=coordinator,
        json={"eligible": True},
    )
    assert resp.status_code == 200 and resp.json()["evaluators_assigned"] == 2, resp.text
    # Fuzzing only: the routes are few, and the coverage phase's negative cases trip the
    # CPython 3.11 parser bug below on one of them every time (the seed is fixed).
    evaluator = Caller(
        [f"Authorization: Bearer {platform.token('evaluator', subjects[0], ttl=3600)}"],
        50,
        phases="fuzzing",
        paths=r"^/api/grants/(applications|evaluations)",
        parameters={"app_id": app_id},
        har=True,
    )

    edition = await amb.new_edition(platform)
    subject, _ = await amb.appoint(platform, edition["id"])
    nomination = await amb.accepted_nomination(platform, edition["id"])
    juror = Caller(
        [f"Authorization: Bearer {platform.token('juror', subject, ttl=3600)}"],
        50,
        phases="fuzzing",
        paths=r"^/api/ambassadors/(nominations/[^/]+/scores|editions/[^/]+/jury/me)",
        parameters={"edition_id": edition["id"], "nomination_id": nomination["id"]},
        har=True,
    )
    return evaluator, juror


async def fuzz(platform: RunningPlatform, tmp_path: Path) -> None:
    # Most requests as the coordinator, who passes most guards; the evaluator and the juror on
    # the routes only they may call, with ids that exist.
    evaluator, juror = await evaluator_and_juror(platform)
    coordinator = [f"Authorization: Bearer {platform.token('coordinator', ttl=3600)}"]
    callers = {
        "anonymous": Caller([], 5),
        # The coordinator's many routes in three runs side by side (one would be the long pole).
        "coordinator, grants": Caller(coordinator, 40, paths=f"^/api/({'|'.join(GROUP_A)})"),
        "coordinator, bench": Caller(coordinator, 40, paths=f"^/api/({'|'.join(GROUP_B)})"),
        "coordinator, the rest": Caller(
            coordinator, 40, paths=f"^/(?!api/({'|'.join(GROUP_A + GROUP_B)})/)"
        ),
        # Chains along the OpenAPI links: create, then read and change what was created.
        "coordinator, stateful": Caller(coordinator, 10, phases="stateful"),
        "ngo": Caller([f"Authorization: Bearer {platform.token('ngo', ttl=3600)}"], 5),
        "evaluator": evaluator,
        "juror": juror,
    }

    async def run(name: str, caller: Caller) -> tuple[int, str, list[str]]:
        """One caller's run: (requests generated, its summary, its failures)."""
        failures: list[str] = []
        file_name = re.sub(r"\W+", "-", name)
        code, out = await st_run(platform.base_url, caller, tmp_path, file_name)
        for attempt in range(1, 4):
            if code == 0 or CPYTHON_AST_BUG not in out:
                break
            # Not a finding: CPython 3.11's parser miscounts its recursion depth when Hypothesis
            # parses a lambda's source to name a strategy deep in the stack (a SystemError in
            # schemathesis's own generator, not an answer of ours). A given seed can hit it every
            # time, so the caller runs again with the next seed (at most three more times).
            print(f"schemathesis as {name}: CPython's AST SystemError, again with another seed")
            seed = str(int(SEED) + attempt)
            code, out = await st_run(platform.base_url, caller, tmp_path, file_name, seed)
        match = re.search(r"(\d+) generated", out)
        generated = int(match.group(1)) if match else 0
        summary = f"{name}: {generated}"
        if code != 0:
            # The failures section comes before the (long) warnings: show it whole.
            failures.append(f"--- as {name} (exit {code}) ---\n{out.split('WARNINGS')[0][-8000:]}")
        if "stateful" in caller.phases:
            assert "✅ Stateful" in out or code != 0, f"no stateful phase ran:\n{out[-3000:]}"
        if caller.har:
            # Past the guards: on the ids that exist, the role's own routes answer 2xx.
            passed = successes(tmp_path / f"{file_name}.har", set(caller.parameters.values()))
            if not passed:
                failures.append(f"--- as {name}: no 2xx on {caller.parameters} ---\n{out[-3000:]}")
            summary += f" ({len(passed)} routes answered 2xx)"
        return generated, summary, failures

    # The callers run side by side (each schemathesis process mostly waits on the platform's
    # answers); what they create is their own, and no caller's checks read another's.
    # At most four at once: more would only share the same two cores.
    slots = asyncio.Semaphore(4)

    async def in_turn(name: str, caller: Caller) -> tuple[int, str, list[str]]:
        async with slots:
            return await run(name, caller)

    results = await asyncio.gather(*(in_turn(name, caller) for name, caller in callers.items()))
    total = sum(generated for generated, _, _ in results)
    summaries = [summary for _, summary, _ in results]
    failures = [failure for _, _, found in results for failure in found]
    assert not failures, "\n".join(failures)
    assert total >= MIN_REQUESTS, f"only {total} generated requests"
    print(f"schemathesis: {total} generated requests ({', '.join(summaries)}), no failure")
