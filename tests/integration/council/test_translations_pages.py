"""The secretariat types English and Ukrainian versions of what residents read (issue 14):
with a new meeting, agenda item or call, or later on the meeting's and the call's pages; the
public pages show them, a too long translation is refused and saves nothing, other roles are
refused."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from services.participation.council.domain import WARSAW
from tests.helpers.platform import RunningPlatform
from tests.integration.council.helpers import (
    SECRETARY,
    direct_member,
    meeting,
    now,
    open_call,
)
from tests.integration.council.test_council_staff_pages import csrf_of, signed_in
from tests.integration.council.test_public_record import held_by_all


async def _i18n(platform: RunningPlatform, sql: str, *args: object) -> dict:
    value = await platform.runtime.pool("participation").fetchval(sql, *args)
    return dict(value)


async def test_the_secretary_schedules_a_meeting_with_translations_and_adds_them_later(
    platform: RunningPlatform,
) -> None:
    tag = uuid.uuid4().hex[:6]
    title = f"Posiedzenie styczniowe {tag}"
    day = (now() + timedelta(days=20)).astimezone(WARSAW).date()
    async with signed_in(platform, SECRETARY, lang="pl") as secretary:
        page = await secretary.get("/council/staff")
        assert 'name="title__uk"' in page.text and 'lang="uk"' in page.text
        # no translation provider: no draft button
        assert 'value="draft"' not in page.text
        csrf = csrf_of(page)
        scheduled = await secretary.post(
            "/council/staff/meetings",
            data={
                "_csrf_token": csrf,
                "title": title,
                "title__en": f"January meeting {tag}",
                "title__uk": f"Січневе засідання {tag}",
                "date": day.isoformat(),
                "time": "17:30",
                "place": "Sala Lea, ul. Lea 1",
                "place__uk": "",
            },
        )
        assert scheduled.status_code == 303, scheduled.text
        meeting_id = scheduled.headers["location"].split("/")[-1].split("?")[0]
        stored = await _i18n(
            platform, "select title_i18n from council_meetings where id = $1", uuid.UUID(meeting_id)
        )
        assert stored == {"en": f"January meeting {tag}", "uk": f"Січневе засідання {tag}"}

        added = await secretary.post(
            f"/council/staff/meetings/{meeting_id}/agenda",
            data={
                "_csrf_token": csrf,
                "item_title": f"Mieszkania dla cudzoziemców {tag}",
                "item_title__en": f"Housing for foreigners {tag}",
            },
        )
        assert added.status_code == 303, added.text
        assert (
            f"Housing for foreigners {tag}" in (await secretary.get(added.headers["location"])).text
        )

        staff_page = await secretary.get(f"/council/staff/meetings/{meeting_id}")
        assert f'value="January meeting {tag}"' in staff_page.text  # the form shows what is saved
        found = re.search(r'name="(item_[0-9a-f]{32})__uk"', staff_page.text)
        assert found, "the translations form has no field for the agenda item"
        item = found.group(1)
        too_long = await secretary.post(
            f"/council/staff/meetings/{meeting_id}/translations",
            data={"_csrf_token": csrf, "place__en": "x" * 301, f"{item}__uk": "Житло"},
        )
        assert too_long.status_code == 400
        assert "Tłumaczenie może mieć najwyżej 300 znaków" in too_long.text
        unchanged = await _i18n(
            platform, "select place_i18n from council_meetings where id = $1", uuid.UUID(meeting_id)
        )
        assert unchanged == {}

        saved = await secretary.post(
            f"/council/staff/meetings/{meeting_id}/translations",
            data={
                "_csrf_token": csrf,
                "title__en": f"January meeting {tag}",
                "title__uk": "",  # emptied: the Ukrainian title is removed
                "place__uk": "Зала Леа, вул. Леа 1",
                f"{item}__en": f"Housing for foreigners {tag}",
                f"{item}__uk": f"Житло для іноземців {tag}",
            },
        )
        assert saved.status_code == 303 and "done=translated" in saved.headers["location"]

    uk = await platform.client.get(f"/council/meetings/{meeting_id}", params={"lang": "uk"})
    assert "Зала Леа, вул. Леа 1" in uk.text
    assert f"Житло для іноземців {tag}" in uk.text
    assert f'<span lang="pl">{title}</span>' in uk.text  # the Ukrainian title was removed
    en = await platform.client.get(f"/council/meetings/{meeting_id}", params={"lang": "en"})
    assert f"January meeting {tag}" in en.text and f"Housing for foreigners {tag}" in en.text

    async with signed_in(platform, "responder") as other:
        refused = await other.post(
            f"/council/staff/meetings/{meeting_id}/translations",
            data={"_csrf_token": csrf, "place__en": "Hacked"},
        )
        assert refused.status_code == 403
    assert (
        await _i18n(
            platform, "select place_i18n from council_meetings where id = $1", uuid.UUID(meeting_id)
        )
    ).get("en") is None


async def test_a_resolution_and_a_call_carry_their_translations_to_the_public_pages(
    platform: RunningPlatform,
) -> None:
    await direct_member(platform, name="Marta Lis")
    tag = uuid.uuid4().hex[:6]
    held_id = await meeting(platform, starts_at=now() - timedelta(hours=3), title=f"Obrady {tag}")
    await held_by_all(platform, held_id)
    call = await open_call(platform, title=f"Nabór {tag}")
    async with signed_in(platform, SECRETARY, lang="uk") as secretary:
        page = await secretary.get(f"/council/staff/meetings/{held_id}")
        csrf = csrf_of(page)
        voted = await secretary.post(
            f"/council/staff/meetings/{held_id}/resolutions",
            data={
                "_csrf_token": csrf,
                "kind": "recommendation",
                "r_title": f"Rekomendacja {tag}",
                "r_title__uk": f"Рекомендація {tag}",
                "r_text": "Rada rekomenduje tłumaczy w urzędach.",
                "r_text__uk": "Рада рекомендує перекладачів в установах.",
                "votes_for": "1",
                "votes_against": "0",
                "votes_abstaining": "0",
                "confirm_vote": "yes",
            },
        )
        assert voted.status_code == 303, voted.text
        translated = await secretary.post(
            f"/council/staff/calls/{call['id']}/translations",
            data={
                "_csrf_token": csrf,
                "title__uk": f"Набір {tag}",
                "description__uk": "Шукаємо людей та організації.",
            },
        )
        assert translated.status_code == 303, translated.text
        missing = await secretary.post(
            f"/council/staff/calls/{uuid.uuid4()}/translations",
            data={"_csrf_token": csrf, "title__uk": "Ні"},
        )
        assert missing.status_code == 404

    listed = await platform.client.get("/council/resolutions", params={"lang": "uk"})
    assert f"Рекомендація {tag}" in listed.text
    assert "Рада рекомендує перекладачів в установах." in listed.text
    assert "Rada rekomenduje tłumaczy w urzędach." not in listed.text
    apply = await platform.client.get(f"/council/calls/{call['id']}/apply", params={"lang": "uk"})
    assert f"Набір {tag}" in apply.text and "Шукаємо людей та організації." in apply.text
    home_pl = await platform.client.get("/council", params={"lang": "pl"})
    assert f"Nabór {tag}" in home_pl.text and f"Набір {tag}" not in home_pl.text
