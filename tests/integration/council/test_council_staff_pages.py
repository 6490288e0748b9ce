"""The Council secretariat's pages over HTTP (session cookie, CSRF, no browser): the meetings
with the scheduling form, and a meeting's page with its attendance, cancellation and minutes."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from services.participation.council.domain import WARSAW
from shared.auth import Principal
from tests.helpers.platform import RunningPlatform
from tests.integration.council.helpers import (
    SECRETARY,
    direct_member,
    held_with_quorum,
    meeting,
    now,
    outbox_events,
)

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@contextlib.asynccontextmanager
async def signed_in(
    platform: RunningPlatform, role: str, lang: str = "pl"
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client holding the session cookie a sign-in link would have set."""
    assert platform.runtime.auth is not None
    session = platform.runtime.auth.session_token(
        Principal(subject=f"{role}-{uuid.uuid4().hex[:6]}", roles=(role,))
    )
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={"okr_session": session, "lang": lang}
    ) as client:
        yield client


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has no form with a CSRF field"
    return found.group(1)


async def meeting_row(platform: RunningPlatform, meeting_id: str | uuid.UUID) -> dict[str, Any]:
    row = await platform.runtime.pool("participation").fetchrow(
        "select * from council_meetings where id = $1", uuid.UUID(str(meeting_id))
    )
    assert row is not None
    return dict(row)


async def meetings_titled(platform: RunningPlatform, title: str) -> int:
    return await platform.runtime.pool("participation").fetchval(
        "select count(*) from council_meetings where title = $1", title
    )


async def attendance_of(platform: RunningPlatform, meeting_id: str) -> list[dict[str, Any]]:
    rows = await platform.runtime.pool("participation").fetch(
        "select name, organisation, member_id from council_attendance where meeting_id = $1"
        " order by name",
        uuid.UUID(meeting_id),
    )
    return [dict(r) for r in rows]


def warsaw(moment: datetime) -> str:
    return moment.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M")


# --- Who may come in --------------------------------------------------------------------


async def test_anonymous_visitors_are_sent_to_sign_in_and_other_roles_are_refused(
    platform: RunningPlatform,
) -> None:
    meeting_id = await meeting(platform, title=f"Posiedzenie {uuid.uuid4().hex[:6]}")
    paths = ["/council/staff", f"/council/staff/meetings/{meeting_id}"]
    async with httpx.AsyncClient(base_url=platform.base_url) as anonymous:
        for path in paths:
            resp = await anonymous.get(path)
            assert resp.status_code == 303, path
            assert resp.headers["location"] == f"/auth/sign-in?next={quote(path, safe='')}"

    async with signed_in(platform, SECRETARY) as secretary:
        csrf = csrf_of(await secretary.get(paths[0]))
    for role in ("responder", "evaluator", "ngo"):
        async with signed_in(platform, role) as other:
            for path in paths:
                resp = await other.get(path)
                assert resp.status_code == 403, (role, path)
                assert "Nie możesz tego zrobić" in resp.text
            for action, form in [
                ("/council/staff/meetings", {"title": "Posiedzenie obce", "place": "Sala 1"}),
                (f"/council/staff/meetings/{meeting_id}/held", {"guest_name_1": "Jan Obcy"}),
                (f"/council/staff/meetings/{meeting_id}/cancel", {"confirm": "yes"}),
            ]:
                resp = await other.post(action, data={"_csrf_token": csrf, **form})
                assert resp.status_code == 403, (role, action)
    assert (await meeting_row(platform, meeting_id))["status"] == "scheduled"
    assert await meetings_titled(platform, "Posiedzenie obce") == 0

    for role in (SECRETARY, "coordinator"):
        async with signed_in(platform, role, lang="en") as staff:
            page = await staff.get(paths[0])
            assert page.status_code == 200, role
            # The header leads the secretariat to its pages.
            assert re.search(r'<a href="/council/staff"[^>]*>Council meetings</a>', page.text)
            assert (await staff.get(paths[1])).status_code == 200
    async with signed_in(platform, "responder", lang="en") as responder:
        assert 'href="/council/staff"' not in (await responder.get("/bench/staff")).text
    bearer = await platform.client.get(paths[0], headers=platform.auth(SECRETARY))
    assert bearer.status_code == 200 and meeting_id in bearer.text
    assert (
        await platform.client.get(
            f"/council/staff/meetings/{uuid.uuid4()}", headers=platform.auth(SECRETARY)
        )
    ).status_code == 404


# --- Scheduling -------------------------------------------------------------------------


async def test_the_secretary_schedules_a_meeting_in_warsaw_time_and_bad_input_changes_nothing(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform, name="Oksana Melnyk")
    title = f"Posiedzenie Rady {uuid.uuid4().hex[:6]}"
    day = date.today() + timedelta(days=30)
    async with signed_in(platform, SECRETARY, lang="pl") as secretary:
        page = await secretary.get("/council/staff")
        assert page.status_code == 200
        assert "Członkowie pełniący dziś funkcję:" in page.text
        csrf = csrf_of(page)
        form = {"title": title, "date": day.isoformat(), "time": "17:30", "place": "Sala Obrad"}

        no_csrf = await secretary.post("/council/staff/meetings", data=form)
        assert no_csrf.status_code == 403

        bad = await secretary.post(
            "/council/staff/meetings",
            data={
                "_csrf_token": csrf,
                "title": "Xy",
                "date": "3.12.2026",
                "time": "25:00",
                "place": "",
            },
        )
        assert bad.status_code == 400
        for message in (
            "Wpisz tytuł posiedzenia: od 3 do 300 znaków.",
            "Wpisz datę posiedzenia, np. 2026-12-03.",
            "Wpisz godzinę rozpoczęcia, np. 17:30 (czasu krakowskiego).",
            "Wpisz miejsce posiedzenia: od 2 do 300 znaków.",
        ):
            assert message in bad.text
        assert 'value="3.12.2026"' in bad.text and 'value="Xy"' in bad.text  # kept as typed

        # 02:30 on the last Sunday of March does not exist in Kraków.
        gap = await secretary.post(
            "/council/staff/meetings",
            data={"_csrf_token": csrf, **form, "date": "2027-03-28", "time": "02:30"},
        )
        assert gap.status_code == 400
        assert "Tego dnia w Krakowie nie ma takiej godziny" in gap.text
        assert await meetings_titled(platform, title) == 0

        done = await secretary.post("/council/staff/meetings", data={"_csrf_token": csrf, **form})
        assert done.status_code == 303
        location = done.headers["location"]
        match = re.fullmatch(
            r"/council/staff/meetings/([0-9a-f-]{36})\?done=scheduled#done", location
        )
        assert match, location
        meeting_id = match.group(1)
        stored = await meeting_row(platform, meeting_id)
        assert stored["title"] == title and stored["status"] == "scheduled"
        assert warsaw(stored["starts_at"]) == f"{day.isoformat()} 17:30"

        confirmation = await secretary.get(location)
        assert "Posiedzenie zostało zaplanowane." in confirmation.text
        assert f"{day.isoformat()} 17:30" in confirmation.text
        assert "Oksana Melnyk: Brak odpowiedzi" in confirmation.text  # invited, no reply yet
        # Not its day yet: no attendance form, a note instead; it can be cancelled.
        assert "/held" not in confirmation.text
        assert (
            f"Obecność można zapisać, gdy posiedzenie się rozpocznie ({day.isoformat()}, 17:30"
            in confirmation.text
        )

        listed = await secretary.get("/council/staff")
        upcoming = listed.text.split('id="upcoming"')[1].split("</table>")[0]
        row = upcoming.split(f'id="meeting-{meeting_id}"')[1].split("</tr>")[0]
        assert title in row and f"{day.isoformat()} 17:30" in row and "Zaplanowane" in row

    api = await platform.client.get(
        f"/api/council/meetings/{meeting_id}", headers=platform.auth(SECRETARY)
    )
    assert api.status_code == 200
    assert member["id"] in {r["member_id"] for r in api.json()["rsvps"]}
    assert (
        len(
            await outbox_events(
                platform, "council.meeting_scheduled", meeting_id=uuid.UUID(meeting_id)
            )
        )
        == 1
    )


# --- Recording as held ------------------------------------------------------------------


async def test_the_secretary_records_who_came_once_and_every_refusal_is_explained(
    platform: RunningPlatform,
) -> None:
    anna = await direct_member(platform, name="Anna Kowalczyk")
    ihor = await direct_member(platform, name="Ihor Bondarenko")
    meeting_id = await meeting(platform, title=f"Posiedzenie {uuid.uuid4().hex[:6]}")
    url = f"/council/staff/meetings/{meeting_id}"
    async with signed_in(platform, SECRETARY, lang="uk") as secretary:
        page = await secretary.get(url)
        assert page.status_code == 200
        assert f'name="member" value="{anna["id"]}"' in page.text
        assert f'name="member" value="{ihor["id"]}"' in page.text
        csrf = csrf_of(page)

        assert (await secretary.post(f"{url}/held", data={"member": anna["id"]})).status_code == 403

        nobody = await secretary.post(f"{url}/held", data={"_csrf_token": csrf})
        assert nobody.status_code == 400
        assert "Позначте присутніх членів або введіть щонайменше одного гостя." in nobody.text

        long_name = "Ж" * 201
        bad = await secretary.post(
            f"{url}/held",
            data={
                "_csrf_token": csrf,
                "member": anna["id"],
                "guest_name_1": long_name,
                "guest_organisation_2": "Fundacja bez gościa",
            },
        )
        assert bad.status_code == 400
        assert "Введіть ім&#39;я та прізвище гостя: від 2 до 200 символів." in bad.text
        assert bad.text.count("Введіть ім&#39;я та прізвище гостя") >= 2  # rows 1 and 2
        assert long_name in bad.text and "Fundacja bez gościa" in bad.text  # kept
        assert f'value="{anna["id"]}" checked' in bad.text

        stranger = await secretary.post(
            f"{url}/held", data={"_csrf_token": csrf, "member": str(uuid.uuid4())}
        )
        assert stranger.status_code == 400
        assert "Список членів змінився" in stranger.text
        assert (await meeting_row(platform, meeting_id))["status"] == "scheduled"
        assert await attendance_of(platform, meeting_id) == []

        recorded = await secretary.post(
            f"{url}/held",
            data={
                "_csrf_token": csrf,
                "member": [anna["id"], ihor["id"]],
                "guest_name_3": "Maryna Hość",
                "guest_organisation_3": "Stowarzyszenie Interkulturalni",
            },
        )
        assert recorded.status_code == 303
        assert recorded.headers["location"] == f"{url}?done=held#done"
        shown = await secretary.get(recorded.headers["location"])
        assert "Засідання записано як проведене." in shown.text
        assert "члени: 2, гості: 1" in shown.text
        assert f'action="{url}/held' not in shown.text  # the form is gone

        again = await secretary.post(
            f"{url}/held", data={"_csrf_token": csrf, "guest_name_1": "Ktoś Późniejszy"}
        )
        assert again.status_code == 409
        assert "Це засідання вже записано як проведене" in again.text

    stored = await meeting_row(platform, meeting_id)
    assert (stored["status"], stored["members_present"], stored["guests"]) == ("held", 2, 1)
    assert await attendance_of(platform, meeting_id) == [
        {
            "name": "Anna Kowalczyk",
            "organisation": "Urząd Miasta Krakowa",
            "member_id": uuid.UUID(anna["id"]),
        },
        {
            "name": "Ihor Bondarenko",
            "organisation": "Urząd Miasta Krakowa",
            "member_id": uuid.UUID(ihor["id"]),
        },
        {
            "name": "Maryna Hość",
            "organisation": "Stowarzyszenie Interkulturalni",
            "member_id": None,
        },
    ]
    events = await outbox_events(platform, "council.meeting_held", meeting_id=uuid.UUID(meeting_id))
    assert [(e.payload.members_present, e.payload.guests) for e in events] == [(2, 1)]


# --- Cancelling and minutes -------------------------------------------------------------


async def test_cancelling_needs_a_confirmation_and_minutes_are_drafted_then_approved(
    platform: RunningPlatform,
) -> None:
    await direct_member(platform, name="Piotr Zieliński")
    later = await meeting(platform, starts_at=now() + timedelta(days=10), title="Do odwołania")
    async with signed_in(platform, SECRETARY, lang="en") as secretary:
        page = await secretary.get(f"/council/staff/meetings/{later}")
        csrf = csrf_of(page)
        unconfirmed = await secretary.post(
            f"/council/staff/meetings/{later}/cancel", data={"_csrf_token": csrf}
        )
        assert unconfirmed.status_code == 400
        assert "Tick the box to confirm that the meeting is cancelled." in unconfirmed.text
        assert (await meeting_row(platform, later))["status"] == "scheduled"
        cancelled = await secretary.post(
            f"/council/staff/meetings/{later}/cancel", data={"_csrf_token": csrf, "confirm": "yes"}
        )
        assert cancelled.status_code == 303
        shown = await secretary.get(cancelled.headers["location"])
        assert "The meeting was cancelled. No reminders will be sent." in shown.text
        assert "/cancel" not in shown.text
        twice = await secretary.post(
            f"/council/staff/meetings/{later}/cancel", data={"_csrf_token": csrf, "confirm": "yes"}
        )
        assert twice.status_code == 409
        assert "This meeting was cancelled. Nothing was changed." in twice.text
        assert (
            len(
                await outbox_events(
                    platform, "council.meeting_cancelled", meeting_id=uuid.UUID(later)
                )
            )
            == 1
        )

        # Minutes later than any other meeting the session held, so no approving meeting yet.
        first = await meeting(platform, starts_at=now() - timedelta(minutes=2), title="Pierwsze")
        await held_with_quorum(platform, first)
        url = f"/council/staff/meetings/{first}"
        page = await secretary.get(url)
        assert "Minutes are approved at a later meeting held with a quorum" not in page.text
        empty = await secretary.post(f"{url}/minutes", data={"_csrf_token": csrf, "text": "  "})
        assert empty.status_code == 400
        assert "Write the minutes: 1 to 100000 characters." in empty.text
        assert (await meeting_row(platform, first))["minutes_text"] is None

        text = "Obecni: większość składu.\nUstalenia: tłumaczenia informacji w urzędach."
        drafted = await secretary.post(f"{url}/minutes", data={"_csrf_token": csrf, "text": text})
        assert drafted.status_code == 303
        shown = await secretary.get(drafted.headers["location"])
        assert "The draft minutes were saved." in shown.text
        assert "Minutes are approved at a later meeting held with a quorum" in shown.text
        assert (await meeting_row(platform, first))["minutes_text"] == text

        second = await meeting(platform, starts_at=now() - timedelta(minutes=1), title="Drugie")
        await held_with_quorum(platform, second)
        page = await secretary.get(url)
        assert f'<option value="{second}">' in page.text
        wrong = await secretary.post(
            f"{url}/minutes/approval", data={"_csrf_token": csrf, "at_meeting_id": first}
        )
        assert wrong.status_code == 409
        assert "Choose the later meeting, held with a quorum" in wrong.text
        assert (await meeting_row(platform, first))["minutes_approved_at"] is None

        approved = await secretary.post(
            f"{url}/minutes/approval", data={"_csrf_token": csrf, "at_meeting_id": second}
        )
        assert approved.status_code == 303
        shown = await secretary.get(approved.headers["location"])
        assert "The minutes were approved and are now public." in shown.text
        assert f'action="{url}/minutes' not in shown.text
        rewrite = await secretary.post(
            f"{url}/minutes", data={"_csrf_token": csrf, "text": "Inny tekst."}
        )
        assert rewrite.status_code == 409
        assert "were approved in the meantime" in rewrite.text and "Inny tekst." in rewrite.text
    public = await platform.client.get(f"/api/council/minutes/{first}")
    assert public.status_code == 200 and public.json()["minutes"] == text


async def test_a_held_meeting_is_listed_as_past_whatever_its_time(
    platform: RunningPlatform,
) -> None:
    """Lists classify by state: a meeting recorded held (e.g. under the old same-day rule before
    its start) is under "past", never "upcoming"; the page explains when recording opens."""
    later = await meeting(
        platform,
        title=f"Wieczorne {uuid.uuid4().hex[:6]}",
        starts_at=datetime.now(WARSAW) + timedelta(hours=3),
    )
    async with signed_in(platform, SECRETARY, lang="uk") as secretary:
        page = await secretary.get(f"/council/staff/meetings/{later}")
        assert "/held" not in page.text
        assert "Присутніх можна записати, коли засідання почнеться" in page.text
        async with platform.runtime.pool("participation").acquire() as conn:
            await conn.execute(
                "update council_meetings set status = 'held', held_recorded_at = now(),"
                " members_in_office = 0, members_present = 0, guests = 1, quorum_reached = false"
                " where id = $1",
                uuid.UUID(later),
            )
        listed = await secretary.get("/council/staff")
    upcoming, past = listed.text.split('id="upcoming"'), listed.text.split('id="past"')
    assert len(past) == 2, "the past list is shown"
    assert f'id="meeting-{later}"' in past[1].split("</table>")[0]
    assert len(upcoming) == 1 or f'id="meeting-{later}"' not in upcoming[1].split("</table>")[0]
