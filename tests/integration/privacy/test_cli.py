"""`openkrakow privacy export|erase` as an operator runs it: a separate process, same servers."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import httpx

from tests.helpers.platform import RunningPlatform
from tests.integration.bench.bench_helpers import ask, new_edition
from tests.integration.privacy.people import Someone, found_in_tables


async def openkrakow(platform: RunningPlatform, tmp: Path, *args: str) -> tuple[int, str, str]:
    settings = platform.settings
    env = {
        **os.environ,
        "OPENKRAKOW_DATA": str(tmp),
        "DATABASE_URL": settings.database_url or "",
        "NATS_URL": settings.nats_url or "",
        "REDIS_URL": settings.redis_url or "",
        "OPENKRAKOW_SECRET_KEY": settings.secret_key or "",
        "LOG_LEVEL": "WARNING",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli",
        "privacy",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_the_operator_exports_then_erases_a_person_from_the_command_line(
    platform: RunningPlatform, tmp_path: Path
) -> None:
    who = Someone.new("Iryna", "Bondarenko")
    edition = await new_edition(platform)
    await ask(
        platform, edition["id"], email=who.email, name=who.name, text=f"{who.name} pyta o żłobki."
    )

    code, out, err = await openkrakow(platform, tmp_path, "export", "--email", who.email.upper())
    assert code == 0, err
    exported = json.loads(out)
    [question] = exported["services"]["participation"]["bench_questions"]
    assert question["asker_name"] == who.name and question["asker_email"] == who.email

    code, out, err = await openkrakow(platform, tmp_path, "erase", "--email", who.email)
    assert code == 0, err
    request = json.loads(out)
    assert request["status"] == "completed"
    assert who.email not in out and who.name not in out
    parts = {p["service"]: p for p in request["parts"]}
    assert parts["participation"]["counts"]["bench_questions_anonymised"] == 1
    assert await found_in_tables(platform, [who.email, who.name]) == []


async def test_the_command_line_refuses_what_is_not_an_address(
    platform: RunningPlatform, tmp_path: Path
) -> None:
    before = await platform.runtime.pool("privacy").fetchval(
        "select count(*) from privacy_requests"
    )
    code, out, err = await openkrakow(platform, tmp_path, "erase", "--email", "nobody-at-all")
    assert code == 2 and out == "" and "not an e-mail address" in err
    after = await platform.runtime.pool("privacy").fetchval("select count(*) from privacy_requests")
    assert after == before


async def test_the_privacy_part_served_on_its_own_reaches_every_service(
    platform: RunningPlatform, tmp_path: Path
) -> None:
    from tests.helpers.processes import Processes, platform_env

    settings = platform.settings
    assert settings.database_url and settings.nats_url and settings.redis_url
    env = platform_env(settings.database_url, settings.nats_url, settings.redis_url, tmp_path)
    env["OPENKRAKOW_SECRET_KEY"] = settings.secret_key or ""  # so the session's tokens pass
    procs = Processes(env, tmp_path / "logs")
    part = procs.add("privacy", "serve", "privacy", web=True)
    who = Someone.new("Oksana", "Lysenko")
    edition = await new_edition(platform)
    await ask(platform, edition["id"], email=who.email, name=who.name)
    try:
        part.start()
        await part.wait_healthy(60)
        async with httpx.AsyncClient(base_url=part.url, timeout=30) as client:
            resp = await client.post(
                "/api/privacy/exports",
                json={"email": who.email},
                headers=platform.auth("coordinator"),
            )
            assert resp.status_code == 200, resp.text
            services = resp.json()["services"]
            assert set(services) == {
                "participation",
                "grants",
                "ambassadors",
                "incidents",
                "observatory",
                "indicators",
            }
            assert services["participation"]["bench_questions"][0]["asker_name"] == who.name
            # It serves the privacy routes only; the Bench is served elsewhere.
            assert (await client.get("/api/bench/editions")).status_code == 404
    finally:
        procs.stop_all()
