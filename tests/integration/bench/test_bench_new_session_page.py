"""The coordinator's "new session" page over HTTP (session cookie, CSRF, no browser): who may use
it, a refused form explained per field in the page's language with nothing created, and a created
session with its closing time entered in Kraków and stored in UTC (the clock changes too)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import httpx

from tests.helpers.platform import RunningPlatform
from tests.integration.bench.bench_helpers import events_of
from tests.integration.bench.test_bench_staff_pages import csrf_of, signed_in

PAGE = "/bench/staff/editions/new"
NEXT_YEAR = datetime.now(UTC).year + 1


def last_sunday(year: int, month: int) -> date:
    """The day the clocks change in Kraków (last Sunday of March or October)."""
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def form(**overrides: str) -> dict[str, str]:
    return {
        "title": "Ławka Dialogu: mieszkańcy z Ukrainy",
        "held_on": f"{NEXT_YEAR}-12-10",
        "venue": "Centrum Wielokulturowe, ul. Józefińska 14",
        "audience": "mieszkańcy z zagranicy i organizacje mniejszości",
        "close_date": f"{NEXT_YEAR}-12-01",
        "close_time": "18:00",
        "due_days": "21",
        **overrides,
    }


async def editions_count(platform: RunningPlatform) -> int:
    return await platform.runtime.pool("participation").fetchval(
        "select count(*) from bench_editions"
    )


async def created_events_count(platform: RunningPlatform) -> int:
    return await platform.runtime.pool("participation").fetchval(
        "select count(*) from outbox where subject = 'okr.bench.edition_created'"
    )


async def create(coordinator: httpx.AsyncClient, **overrides: str) -> httpx.Response:
    csrf = csrf_of(await coordinator.get(PAGE))
    return await coordinator.post(PAGE, data={"_csrf_token": csrf, **form(**overrides)})


async def test_only_the_coordinator_creates_a_session_and_csrf_is_required(
    platform: RunningPlatform,
) -> None:
    before = await editions_count(platform)
    async with httpx.AsyncClient(base_url=platform.base_url) as anonymous:
        resp = await anonymous.get(PAGE)
        assert resp.status_code == 303
        assert resp.headers["location"] == f"/auth/sign-in?next={quote(PAGE, safe='')}"
        assert (await anonymous.post(PAGE, data=form())).status_code in (303, 401, 403)

    async with signed_in(platform, "responder") as responder:
        queue = await responder.get("/bench/staff")
        assert f'href="{PAGE}"' not in queue.text  # the link is the coordinator's
        assert (await responder.get(PAGE)).status_code == 403
        refused = await responder.post(PAGE, data={"_csrf_token": csrf_of(queue), **form()})
        assert refused.status_code == 403

    async with signed_in(platform, "coordinator") as coordinator:
        queue = await coordinator.get("/bench/staff")
        assert f'href="{PAGE}"' in queue.text
        shown = await coordinator.get(PAGE)
        assert shown.status_code == 200
        assert 'name="close_time"' in shown.text and 'value="30"' in shown.text
        assert (await coordinator.post(PAGE, data=form())).status_code == 403  # no CSRF field

    assert await editions_count(platform) == before


async def test_bad_input_is_explained_per_field_keeping_what_was_typed_and_creates_nothing(
    platform: RunningPlatform,
) -> None:
    before, events_before = await editions_count(platform), await created_events_count(platform)
    spring = last_sunday(NEXT_YEAR, 3).isoformat()
    async with signed_in(platform, "coordinator", lang="pl") as coordinator:
        empty = await create(coordinator, title="   ", due_days="0", venue="Sala Obrad UMK")
        assert empty.status_code == 400
        assert "Wpisz tytuł spotkania: od 3 do 200 znaków." in empty.text
        assert "Wpisz liczbę dni na odpowiedź: liczbę całkowitą od 1 do 365." in empty.text
        assert 'value="Sala Obrad UMK"' in empty.text  # what was typed stays
        assert 'aria-invalid="true"' in empty.text

        for due_days in ("366", "dużo", ""):
            too_long = await create(coordinator, due_days=due_days)
            assert too_long.status_code == 400, due_days
            assert "liczbę całkowitą od 1 do 365" in too_long.text

        dates = await create(coordinator, held_on="10.12.2027", close_date="", close_time="25:00")
        assert dates.status_code == 400
        assert "Wpisz datę spotkania w formacie 2026-12-03." in dates.text
        assert "Wpisz ostatni dzień przyjmowania pytań w formacie 2026-12-03." in dates.text
        assert "Wpisz godzinę zamknięcia w formacie 23:59 (czas krakowski)." in dates.text
        assert 'value="10.12.2027"' in dates.text

        gap = await create(coordinator, close_date=spring, close_time="02:30")
        assert gap.status_code == 400
        assert "Tej godziny nie ma w Krakowie tego dnia" in gap.text

    async with signed_in(platform, "coordinator", lang="uk") as coordinator:
        empty = await create(coordinator, audience="")
        assert empty.status_code == 400
        assert "Введіть, для кого зустріч: від 2 до 300 символів." in empty.text

    assert await editions_count(platform) == before
    assert await created_events_count(platform) == events_before


async def test_a_created_session_is_the_apis_edition_closing_at_the_kraków_time_in_utc(
    platform: RunningPlatform,
) -> None:
    autumn = last_sunday(NEXT_YEAR, 10)
    cases = [
        # winter (UTC+1), and the autumn overlap: the first 02:30, still summer time (UTC+2)
        ({}, datetime(NEXT_YEAR, 12, 1, 17, 0, tzinfo=UTC)),
        (
            {"close_date": autumn.isoformat(), "close_time": "02:30"},
            datetime(autumn.year, autumn.month, autumn.day, 0, 30, tzinfo=UTC),
        ),
    ]
    async with signed_in(platform, "coordinator", lang="en") as coordinator:
        for overrides, closes_at in cases:
            created = await create(coordinator, **overrides)
            assert created.status_code == 303, created.text
            location = created.headers["location"]
            assert location.startswith("/bench/staff/editions/")
            assert location.endswith("?done=created#done")
            edition_id = location.split("/")[-1].split("?")[0]
            uuid.UUID(edition_id)

            shown = await coordinator.get(location)
            assert shown.status_code == 200
            assert "The session was created." in shown.text
            assert "Ławka Dialogu: mieszkańcy z Ukrainy" in shown.text

            api = await platform.client.get(f"/api/bench/editions/{edition_id}")
            assert api.status_code == 200
            edition = api.json()
            assert datetime.fromisoformat(edition["submissions_close_at"]) == closes_at
            assert edition["held_on"] == f"{NEXT_YEAR}-12-10"
            assert edition["answer_due_days"] == 21
            assert edition["status"] == "open"
            assert edition["venue"] == "Centrum Wielokulturowe, ul. Józefińska 14"

            emitted = await events_of(platform, "bench.edition_created", "edition_id", edition_id)
            assert len(emitted) == 1
            assert datetime.fromisoformat(emitted[0]["submissions_close_at"]) == closes_at
            assert emitted[0]["answer_due_days"] == 21
            opened = await events_of(
                platform, "bench.edition_submissions_opened", "edition_id", edition_id
            )
            assert len(opened) == 1
