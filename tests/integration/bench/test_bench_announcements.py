"""What the Bench tells other services for issue 16 (the indicators count from it): the registry's
departments (`bench.department_saved`, those saved before announcement announced once by the
job), the department of an assignment, and the asker's verdict, once per question."""

from __future__ import annotations

import json
import uuid

import httpx

from services.participation.bench import scheduled
from services.participation.bench.commands import departments
from services.participation.bench.schemas import DepartmentIn
from tests.helpers.platform import RunningPlatform
from tests.integration.bench.bench_helpers import ask, events_of, new_edition
from tests.integration.bench.test_bench_departments import a_department, a_responder, address
from tests.integration.bench.test_bench_feedback import _answered
from tests.integration.bench.test_bench_staff_pages import csrf_of


async def test_a_department_is_announced_when_saved_and_an_older_one_once_by_the_job(
    platform: RunningPlatform,
) -> None:
    created = await a_department(platform)
    [saved] = await events_of(platform, "bench.department_saved", "department_id", created["id"])
    assert saved["name"] == "Wydział Polityki Społecznej i Zdrowia"
    assert saved["name_i18n"]["en"] == "Social Policy and Health Department"
    assert "email" not in saved and "head_email" not in saved

    await departments.change(
        platform.runtime,
        uuid.UUID(created["id"]),
        DepartmentIn(
            name={"pl": "Wydział Edukacji", "en": "Education Department"},
            email=address("we"),
            head_email=address("head"),
        ),
    )
    found = await events_of(platform, "bench.department_saved", "department_id", created["id"])
    assert [e["name"] for e in found] == [saved["name"], "Wydział Edukacji"]

    # A department saved before migration 023 (never announced) is announced once by the job.
    pool = platform.runtime.pool("participation")
    older = uuid.uuid4()
    await pool.execute(
        """insert into bench_departments (id, name, name_i18n, email, head_email, created_by)
           values ($1, 'Wydział Architektury', $2::jsonb, $3, $4, 'test')""",
        older,
        json.dumps({"uk": "Відділ архітектури"}),
        address("wa"),
        address("head"),
    )
    ctx = {"runtime": platform.runtime}
    assert await scheduled.bench_announce_departments(ctx) >= 1
    assert await scheduled.bench_announce_departments(ctx) == 0
    [announced] = await events_of(platform, "bench.department_saved", "department_id", str(older))
    assert announced["name"] == "Wydział Architektury"
    assert announced["name_i18n"] == {"uk": "Відділ архітектури"}
    # The ones announced when saved are not announced again.
    assert (
        len(await events_of(platform, "bench.department_saved", "department_id", created["id"]))
        == 2
    )


async def test_an_assignment_to_a_registry_department_names_it(platform: RunningPlatform) -> None:
    responder = await a_responder(platform)
    department = await a_department(platform, responders=[str(responder["id"])])
    edition = await new_edition(platform)
    question = await ask(platform, edition["id"], topic="health_care")
    resp = await platform.client.post(
        f"/api/bench/questions/{question['id']}/assignment",
        json={"responder_id": str(responder["id"]), "department_id": department["id"]},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    [assigned] = await events_of(platform, "bench.question_assigned", "question_id", question["id"])
    assert assigned["department_id"] == department["id"]


async def test_the_verdict_is_announced_once_when_clicked_twice(platform: RunningPlatform) -> None:
    qid, token = await _answered(platform, f"verdict-{uuid.uuid4().hex[:8]}@example.org")
    async with httpx.AsyncClient(base_url=platform.base_url, cookies={"lang": "uk"}) as browser:
        form = {"_csrf_token": csrf_of(await browser.get(f"/bench/feedback/{token}/not-helpful"))}
        assert await events_of(platform, "bench.answer_verdict_given", "question_id", qid) == []
        for verdict in ("not-helpful", "helpful", "not-helpful"):
            resp = await browser.post(f"/bench/feedback/{token}/{verdict}", data=form)
            assert resp.status_code == 200
    [given] = await events_of(platform, "bench.answer_verdict_given", "question_id", qid)
    assert given["verdict"] == "not_helpful" and given["given_at"]
