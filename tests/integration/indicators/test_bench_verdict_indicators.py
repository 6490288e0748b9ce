"""Issue 16's indicators from the Bench's events: the askers' verdicts (each question once), the
share answered by the due date (per department of the registry, cells under 5 hidden), the median
days to a helpful answer, the departments' names; rebuilt from the stream they come out the same."""

from __future__ import annotations

import uuid
from datetime import timedelta

from services.indicators import programme_report, public, queries
from services.indicators.rebuild import rebuild
from shared.events import catalogue as ev
from tests.helpers.platform import RunningPlatform
from tests.integration.indicators.events import (
    answered,
    at,
    caught_up,
    indicators,
    publish,
    question,
    value_becomes,
)
from tests.integration.indicators.test_rebuild_and_live import snapshot


def assigned(
    q: ev.BenchQuestionReceived, department_id: uuid.UUID | None
) -> ev.BenchQuestionAssigned:
    return ev.BenchQuestionAssigned(
        question_id=q.question_id,
        responder="resp-1",
        department="Wydział",
        assigned_at=q.received_at + timedelta(hours=1),
        department_id=department_id,
    )


def verdict(q: ev.BenchQuestionReceived, helpful: bool, days: float) -> ev.BenchAnswerVerdictGiven:
    return ev.BenchAnswerVerdictGiven(
        question_id=q.question_id,
        verdict="helpful" if helpful else "not_helpful",
        given_at=q.received_at + timedelta(days=days),
    )


async def test_verdicts_on_time_and_departments_are_counted_once_and_rebuilt_alike(
    platform: RunningPlatform,
) -> None:
    year = 2070  # no other test counts in it, nor charts it (test_live_message counts reads)
    health, small = uuid.uuid4(), uuid.uuid4()
    saved = [
        ev.BenchDepartmentSaved(
            department_id=health,
            name="Wydział Zdrowia (stara nazwa)",
            name_i18n={},
            saved_at=at(year, 1),
        ),
        ev.BenchDepartmentSaved(
            department_id=health,
            name="Wydział Polityki Społecznej i Zdrowia",
            name_i18n={"en": "Social Policy and Health Department"},
            saved_at=at(year, 2),
        ),
        ev.BenchDepartmentSaved(
            department_id=small, name="Wydział Sportu", name_i18n={}, saved_at=at(year, 1)
        ),
    ]
    # Six questions of the health department: answered after 2, 3, 5, 8, 40, 50 days (due in
    # 30: four on time); two of another department; one never assigned.
    qs = [question(at(year, 3, d)) for d in range(1, 7)]
    days = [2, 3, 5, 8, 40, 50]
    others = [question(at(year, 4, d)) for d in (1, 2)]
    # Five of a third one (the smallest cell shown besides the hidden one is hidden too).
    sport = uuid.uuid4()
    fives = [question(at(year, 6, d)) for d in range(1, 6)]
    lone = question(at(year, 5))
    events: list[ev.Payload] = [*saved]
    for q, n in zip(qs, days, strict=True):
        events += [q, assigned(q, health), answered(q, n)]
    for q in others:
        events += [q, assigned(q, small), answered(q, 1)]
    for q in fives:
        events += [q, assigned(q, sport), answered(q, 1)]
    events += [lone, answered(lone, 45)]
    # Verdicts: helpful on the answers of 2, 5, 8, 40 days, not helpful on 3 days; the first
    # verdict of a question stands (a later event of the same question changes nothing).
    events += [
        verdict(qs[0], True, 3),
        verdict(qs[1], False, 4),
        verdict(qs[2], True, 6),
        verdict(qs[3], True, 9),
        verdict(qs[4], True, 41),
        verdict(qs[4], False, 42),
        verdict(others[0], True, 2),
    ]
    await publish(platform, *events[: len(events) // 2])
    await publish(platform, *events[len(events) // 2 :])
    await value_becomes(platform, year, "bench.answers_helpful_share", 83.3)  # 5 of 6
    found = await indicators(platform, year)
    # 14 answered, on time: 2, 3, 5, 8 days and the other departments' 2 + 5 = 11
    assert found["bench.answered_on_time_share"]["value"] == 78.6
    # helpful answers after 1, 2, 5, 8, 40 days: the median is 5
    assert found["bench.median_days_to_helpful_answer"]["value"] == 5
    resp = await platform.client.get(
        f"/api/indicators/bench.answered_on_time_share/breakdown?year={year}",
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    cells = {c["key"]: c for c in resp.json()["by"]["department"]}
    assert cells[str(health)]["count"] == 6
    assert cells[str(health)]["names"]["en"] == "Social Policy and Health Department"
    assert cells[str(small)]["count"] is None and cells[str(small)]["shown"] == "<5"
    assert cells[str(small)].get("share") is None
    assert cells[str(health)]["share"] == 66.7
    assert cells[str(sport)]["count"] is None and cells[str(sport)]["shown"] == "hidden"

    # Figures written each language's way (a decimal comma in Polish and Ukrainian).
    for lang, words in (
        ("pl", ("Wydział Polityki Społecznej i Zdrowia", "w terminie: 66,7%", "według wydziałów")),
        ("en", ("Social Policy and Health Department", "on time: 66.7%", "by department")),
        ("uk", ("Wydział Polityki Społecznej i Zdrowia", "в строк: 66,7%", "за відділами")),
    ):
        page = await platform.client.get(
            f"/dashboard?year={year}&lang={lang}", headers=platform.auth("coordinator")
        )
        assert page.status_code == 200
        card = next(
            c
            for c in page.text.split('class="indicator-card"')[1:]
            if 'data-indicator="bench.answered_on_time_share"' in c
        )
        assert all(w in card for w in words), (lang, card)
        assert "Wydział Sportu" not in card and str(small) not in card or "&lt;5" in card

    async with platform.runtime.pool("indicators").acquire() as conn:
        stats = {d["id"]: d for d in await queries.department_stats(conn, year)}
        published = {
            r.reading.indicator.id: r
            for r in public.publish(await queries.year_readings(conn, year))
        }
    # The annual report's section (HTML, so the PDF; CSV), in Polish and English.
    async with platform.runtime.pool("indicators").acquire() as conn:
        content = await programme_report.assemble(conn, year)
    html_pl = programme_report.document(content, "pl")
    section = html_pl.split('id="bench-departments"')[1]
    assert "Wydział Polityki Społecznej i Zdrowia" in section and "66,7%" in section
    assert "80%" in section and "6,5" in section and "mniej niż 5" in section
    html_en = programme_report.document(content, "en")
    assert "Social Policy and Health Department" in html_en.split('id="bench-departments"')[1]
    assert "Wydział Sportu" in html_en  # no English name saved: the Polish one
    rows = programme_report.tasks_csv(content, "en").decode("utf-8-sig").splitlines()
    assert (
        "Department,Received,Answered on time,Median days to answer,Answers found helpful" in rows
    )
    assert "Social Policy and Health Department,6,66.7%,6.5,80%" in rows
    rows_pl = programme_report.tasks_csv(content, "pl").decode("utf-8-sig").splitlines()
    assert "Wydział Polityki Społecznej i Zdrowia,6,66.7%,6.5,80%" in rows_pl  # plain digits
    # The public side: one "not helpful" verdict is a count of 1 that the share would reveal.
    assert published["bench.answers_helpful_share"].withheld
    assert published["bench.answered_on_time_share"].withheld  # 3 answered late
    assert not published["bench.median_days_to_helpful_answer"].withheld  # 5 helpful
    h = stats[str(health)]
    assert (h["received"], h["answered"]) == (6, 6)
    assert float(h["on_time_share"]) == 66.7 and h["median_days"] == 6.5
    assert h["helpful_share"] is not None and float(h["helpful_share"]) == 80.0
    assert h["names"]["pl"] == "Wydział Polityki Społecznej i Zdrowia"
    assert stats[str(small)]["received"] is None and stats[str(small)]["helpful_share"] is None

    await caught_up(platform)
    live = await snapshot(platform)
    bus = platform.runtime.bus
    assert bus is not None
    await rebuild(platform.runtime.pool("indicators"), bus)
    assert await snapshot(platform) == live
    again = await indicators(platform, year)
    for key in (
        "bench.answers_helpful_share",
        "bench.answered_on_time_share",
        "bench.median_days_to_helpful_answer",
    ):
        assert again[key]["value"] == found[key]["value"]


async def test_fewer_than_five_verdicts_show_no_share(platform: RunningPlatform) -> None:
    year = 2080  # no other test counts anything in it
    qs = [question(at(year, 3, d)) for d in range(1, 5)]
    events: list[ev.Payload] = []
    for q in qs:
        events += [q, answered(q, 2), verdict(q, True, 3)]
    await publish(platform, *events)
    await value_becomes(platform, year, "bench.questions_answered", 4)
    await caught_up(platform)
    found = await indicators(platform, year)
    assert found["bench.answers_helpful_share"]["value"] is None
    assert found["bench.median_days_to_helpful_answer"]["value"] is None
    assert found["bench.answered_on_time_share"]["value"] == 100
