"""The programme's year through the API (real servers): tasks seeded from the programme's
Table 1, a task added, a dated note changing its status (events without free text), refusals,
the completion indicator, the risk table with risk 4 raised by lagging nominations, overdue
tasks on the coordinator's /work."""

from __future__ import annotations

from shared.events import decode
from tests.helpers.platform import RunningPlatform
from tests.integration.bench.test_bench_staff_pages import signed_in

YEAR = 2043  # a task added here is due in 2043 only


async def test_tasks_are_seeded_added_noted_and_counted(platform: RunningPlatform) -> None:
    coordinator = platform.auth("coordinator")
    seeded = await platform.client.get("/api/programme/tasks?lang=pl", headers=coordinator)
    assert seeded.status_code == 200
    tasks = seeded.json()["tasks"]
    assert len(tasks) >= 26
    welcome = next(t for t in tasks if t["objective"] == 1 and t["number"] == 3)
    assert welcome["title"].startswith("Aktualizacja pakietu powitalnego")
    assert welcome["deadline"] == "2028-12-31" and welcome["cycle"] == "once"
    assert {t["objective"] for t in tasks} == {1, 2, 3, 4, 5, 6}

    added = await platform.client.post(
        "/api/programme/tasks",
        json={
            "objective": 6,
            "title": "Broszura o prawach i obowiązkach",
            "title_en": "Brochure on rights and obligations",
            "units": "Koordynator Programu",
            "deadline": f"{YEAR}-06-30",
            "status": "planned",
        },
        headers=coordinator,
    )
    assert added.status_code == 201, added.text
    task = added.json()
    assert (task["objective"], task["cycle"], task["status"]) == (6, "once", "planned")

    of_year = await platform.client.get(f"/api/programme/tasks?year={YEAR}", headers=coordinator)
    ids = [t["id"] for t in of_year.json()["tasks"]]
    assert task["id"] in ids and welcome["id"] not in ids  # 2028's deadline is not due in 2043

    note = await platform.client.post(
        f"/api/programme/tasks/{task['id']}/notes",
        json={"text": "Tekst broszury gotowy", "status": "done"},
        headers=coordinator,
    )
    assert note.status_code == 201, note.text
    assert note.json()["status"] == "done" and note.json()["written_on"]
    again = await platform.client.get(f"/api/programme/tasks?year={YEAR}", headers=coordinator)
    mine = next(t for t in again.json()["tasks"] if t["id"] == task["id"])
    assert mine["status"] == "done" and [n["text"] for n in mine["notes"]] == [
        "Tekst broszury gotowy"
    ]

    # The report's table of tasks as CSV: the task, its status in words, the year's note.
    table = await platform.client.get(
        f"/api/programme/report/{YEAR}.csv?lang=pl", headers=coordinator
    )
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    body = table.content.decode("utf-8-sig")
    row = next(line for line in body.splitlines() if "Broszura o prawach" in line)
    assert "wykonane" in row and f"{YEAR}" not in row.split(",")[0]
    # The report of a year holds that year's notes: this one was written today, not in 2043.
    assert "Tekst broszury gotowy" not in body

    # The indicator: done / due in the year (dropped tasks are not due), the same as the list's.
    due = [t for t in again.json()["tasks"] if t["status"] != "dropped"]
    expected = round(100 * sum(t["status"] == "done" for t in due) / len(due), 1)
    assert again.json()["completed_share"]["all"] == expected
    indicators = await platform.client.get(f"/api/indicators?year={YEAR}", headers=coordinator)
    share = next(
        i for i in indicators.json()["indicators"] if i["id"] == "programme.tasks_completed_share"
    )
    assert share["value"] == expected and share["unit"] == "percent"

    # Events: ids, objective, statuses, dates; never the title or the note's text.
    pool = platform.runtime.pool("indicators")
    events = [decode(bytes(r["body"])) for r in await pool.fetch("select body from outbox")]
    mine_events = [
        e
        for e in events
        if e.type.startswith("indicators.task_") and e.payload.task_id == task["id"]
    ]
    kinds = {e.type for e in mine_events}
    assert kinds == {
        "indicators.task_added",
        "indicators.task_note_recorded",
        "indicators.task_status_changed",
    }
    rows = [{"p": repr(e.payload)} for e in mine_events]
    assert not any("broszur" in r["p"].lower() for r in rows)


async def test_refusals_change_nothing(platform: RunningPlatform) -> None:
    coordinator = platform.auth("coordinator")
    missing = await platform.client.post(
        "/api/programme/tasks/999999/notes", json={"text": "x"}, headers=coordinator
    )
    assert missing.status_code == 404
    empty = await platform.client.post(
        "/api/programme/tasks/1/notes", json={"text": "   "}, headers=coordinator
    )
    assert empty.status_code == 422
    bad_status = await platform.client.post(
        "/api/programme/tasks/1/notes",
        json={"text": "x", "status": "finished"},
        headers=coordinator,
    )
    assert bad_status.status_code == 400
    bad_objective = await platform.client.post(
        "/api/programme/tasks",
        json={"objective": 7, "title": "x", "units": "y"},
        headers=coordinator,
    )
    assert bad_objective.status_code == 400
    pool = platform.runtime.pool("indicators")
    assert await pool.fetchval("select count(*) from programme_task_notes where text = '   '") == 0
    for role in ("responder", "ngo"):
        denied = await platform.client.get("/api/programme/tasks", headers=platform.auth(role))
        assert denied.status_code == 403


async def test_risk_four_is_raised_by_lagging_nominations(platform: RunningPlatform) -> None:
    coordinator = platform.auth("coordinator")
    past = 2044  # a past-like year with no nominations: 0 is under the threshold of 10
    answer = await platform.client.get(f"/api/programme/risks?year={past}", headers=coordinator)
    assert answer.status_code == 200
    risks = {r["id"]: r for r in answer.json()["risks"]}
    assert len(risks) == 6
    four = risks[4]
    assert four["indicator_id"] == "ambassadors.nominations_submitted"
    assert four["threshold"] == 10 and four["raised"] is True
    assert risks[3]["indicator_id"] is None and risks[3]["raised"] is False


async def test_an_overdue_task_is_on_the_coordinators_work(platform: RunningPlatform) -> None:
    coordinator = platform.auth("coordinator")
    added = await platform.client.post(
        "/api/programme/tasks",
        json={
            "objective": 2,
            "title": "Zadanie po terminie",
            "units": "Koordynator",
            "deadline": "2024-01-31",
        },
        headers=coordinator,
    )
    assert added.status_code == 201
    listed = await platform.client.get("/api/programme/tasks", headers=coordinator)
    assert next(t for t in listed.json()["tasks"] if t["id"] == added.json()["id"])["overdue"]
    async with signed_in(platform, "coordinator", "coordinator-tasks") as browser:
        work = await browser.get("/work")
        assert work.status_code == 200
        assert 'href="/programme/tasks?overdue=1"' in work.text
        dashboard = await browser.get("/dashboard")
        assert 'href="/programme/tasks?overdue=1"' in dashboard.text  # "Needs attention now"
