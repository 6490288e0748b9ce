"""The Council's public record (issue 14) over HTTP: the next meetings with their agendas on
/council, a page per meeting, resolutions, translations in the reader's language (or the
original marked with its `lang`), and the open datasets — without names or addresses."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

from services.participation.council import queries
from services.participation.council.commands import translations as translate
from tests.helpers.platform import RunningPlatform
from tests.integration.council.helpers import SECRETARY, direct_member, held, meeting, now


async def held_by_all(platform: RunningPlatform, meeting_id: str, guests: int = 0) -> dict:
    """Recorded as held with every member in office on its day present (a quorum whatever
    other tests appointed) and `guests` guests."""
    row = await platform.runtime.pool("participation").fetchrow(
        "select starts_at from council_meetings where id = $1", uuid.UUID(meeting_id)
    )
    members = await queries.members_on_meeting_day(platform.runtime, row["starts_at"])
    attendees = [
        {"name": m["name"], "organisation": m["organisation"], "member_id": str(m["id"])}
        for m in members
    ]
    attendees += [{"name": f"Gość {i}", "organisation": "Stowarzyszenie"} for i in range(guests)]
    resp = await held(platform, meeting_id, attendees)
    assert resp.status_code == 200, resp.text
    assert resp.json()["quorum_reached"] is True and resp.json()["guests"] == guests
    return resp.json()


async def _agenda_item(platform: RunningPlatform, meeting_id: str, title: str) -> str:
    resp = await platform.client.post(
        f"/api/council/meetings/{meeting_id}/agenda",
        json={"title": title, "description": "Opis punktu przygotowany przez sekretariat."},
        headers=platform.auth(SECRETARY),
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


async def _proposal(platform: RunningPlatform, meeting_id: str, title: str) -> None:
    """A member's proposal, not decided: stays off the public agenda."""
    async with platform.runtime.pool("participation").acquire() as conn:
        await conn.execute(
            """insert into council_agenda_items (id, meeting_id, title, description, status)
               values ($1, $2, $3, 'Zgłoszone przez członka', 'proposed')""",
            uuid.uuid4(),
            uuid.UUID(meeting_id),
            title,
        )


async def _resolution(platform: RunningPlatform, meeting_id: str, title: str, text: str) -> dict:
    resp = await platform.client.post(
        f"/api/council/meetings/{meeting_id}/resolutions",
        headers=platform.auth(SECRETARY),
        json={
            "kind": "resolution",
            "title": title,
            "text": text,
            "votes_for": 1,
            "votes_against": 0,
            "votes_abstaining": 0,
        },
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_the_next_meeting_shows_its_agenda_in_the_readers_language(
    platform: RunningPlatform,
) -> None:
    await direct_member(platform, name="Ołeksandra Melnyk")
    tag = uuid.uuid4().hex[:6]
    title = f"Posiedzenie grudniowe {tag}"
    # within the hour: the soonest of the meetings other tests scheduled, so on /council
    meeting_id = await meeting(platform, starts_at=now() + timedelta(minutes=50), title=title)
    item = await _agenda_item(platform, meeting_id, f"Dostępność tłumaczy {tag}")
    await _proposal(platform, meeting_id, f"Niezatwierdzona propozycja {tag}")
    await translate.translate_meeting(
        platform.runtime,
        uuid.UUID(meeting_id),
        {"title": {"uk": f"Грудневе засідання {tag}"}},
        {uuid.UUID(item): {"title": {"uk": f"Доступність перекладачів {tag}"}}},
        {},
    )

    pl = await platform.client.get("/council", params={"lang": "pl"})
    assert pl.status_code == 200 and title in pl.text
    assert f"Dostępność tłumaczy {tag}" in pl.text
    assert f"Niezatwierdzona propozycja {tag}" not in pl.text
    assert "Sala Obrad, Plac Wszystkich Świętych 3-4" in pl.text
    assert f'href="/council/meetings/{meeting_id}"' in pl.text

    uk = await platform.client.get("/council", params={"lang": "uk"})
    assert f"Грудневе засідання {tag}" in uk.text and title not in uk.text
    assert f"Доступність перекладачів {tag}" in uk.text
    # the place has no Ukrainian version: the Polish original, marked as Polish, with a note
    assert '<span lang="pl">Sala Obrad, Plac Wszystkich Świętych 3-4</span>' in uk.text
    assert "(польською, ще не перекладено)" in uk.text

    en = await platform.client.get("/council", params={"lang": "en"})
    assert f'<span lang="pl">{title}</span>' in en.text  # no English version: original marked
    assert "(in Polish, not translated yet)" in en.text

    page = await platform.client.get(f"/council/meetings/{meeting_id}", params={"lang": "uk"})
    assert page.status_code == 200
    assert f"Доступність перекладачів {tag}" in page.text
    assert f"Niezatwierdzona propozycja {tag}" not in page.text
    assert "Opis punktu" not in page.text and "Zgłoszone przez członka" not in page.text
    missing = await platform.client.get(f"/council/meetings/{uuid.uuid4()}")
    assert missing.status_code == 404


async def test_approved_minutes_and_resolutions_are_public_draft_minutes_are_not(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform, name="Dariusz Kowalczyk")
    tag = uuid.uuid4().hex[:6]
    secretary = platform.auth(SECRETARY)
    first = await meeting(platform, starts_at=now() - timedelta(days=2), title=f"Pierwsze {tag}")
    counts = await held_by_all(platform, first, guests=1)
    await platform.client.put(
        f"/api/council/meetings/{first}/minutes",
        json={"text": f"Protokół zatwierdzony {tag}."},
        headers=secretary,
    )
    resolution = await _resolution(
        platform, first, f"Uchwała o tłumaczach {tag}", f"Rada wnosi o tłumaczy {tag}."
    )
    second = await meeting(platform, starts_at=now() - timedelta(days=1), title=f"Drugie {tag}")
    await held_by_all(platform, second)
    await platform.client.put(
        f"/api/council/meetings/{second}/minutes",
        json={"text": f"Szkic protokołu {tag}."},
        headers=secretary,
    )
    approved = await platform.client.post(
        f"/api/council/meetings/{first}/minutes/approval",
        json={"at_meeting_id": second},
        headers=secretary,
    )
    assert approved.status_code == 200, approved.text
    await translate.translate_meeting(
        platform.runtime,
        uuid.UUID(first),
        {},
        {},
        {uuid.UUID(resolution["id"]): {"title": {"en": f"Resolution on interpreters {tag}"}}},
    )

    first_page = await platform.client.get(f"/council/meetings/{first}", params={"lang": "en"})
    assert first_page.status_code == 200
    assert f"Protokół zatwierdzony {tag}." in first_page.text
    assert f"Resolution on interpreters {tag}" in first_page.text
    # the text has no English version: shown in Polish, marked so
    assert 'lang="pl"' in first_page.text and f"Rada wnosi o tłumaczy {tag}." in first_page.text
    assert f"Members present: {counts['members_present']}, guests: 1." in first_page.text
    assert "Gość 0" not in first_page.text and member["email"] not in first_page.text

    second_page = await platform.client.get(f"/council/meetings/{second}", params={"lang": "pl"})
    assert second_page.status_code == 200 and f"Szkic protokołu {tag}." not in second_page.text
    for url in ("/council", "/council/minutes", "/council/resolutions"):
        shown = await platform.client.get(url, params={"lang": "pl"})
        assert shown.status_code == 200
        assert f"Szkic protokołu {tag}." not in shown.text and "Gość 0" not in shown.text
        assert member["email"] not in shown.text
    listed = await platform.client.get("/council/resolutions", params={"lang": "uk"})
    assert f"Uchwała o tłumaczach {tag}" in listed.text and resolution["number"] in listed.text
    minutes = await platform.client.get("/council/minutes", params={"lang": "pl"})
    assert f"Protokół zatwierdzony {tag}." in minutes.text


async def test_the_council_datasets_hold_counts_and_resolutions_but_no_names(
    platform: RunningPlatform,
) -> None:
    member = await direct_member(platform, name="Wiktoria Zielińska")
    tag = uuid.uuid4().hex[:6]
    held_id = await meeting(platform, starts_at=now() - timedelta(days=1), title=f"Dane {tag}")
    counts = await held_by_all(platform, held_id, guests=2)
    resolution = await _resolution(platform, held_id, f"Uchwała {tag}", f"Treść {tag}.")

    data = await platform.client.get("/open-data/council-attendance.json")
    assert data.status_code == 200, data.text
    rows = [r for r in data.json()["items"] if r["meeting_id"] == held_id]
    assert len(rows) == 1
    row = rows[0]
    assert row["guests"] == 2 and row["members_present"] == counts["members_present"]
    assert row["participants"] == counts["members_present"] + 2
    assert (
        row["members_present_association"]
        + row["members_present_resident"]
        + row["members_present_city"]
        == counts["members_present"]
    )
    assert row["quorum_reached"] is True

    resolutions = await platform.client.get("/open-data/council-resolutions.csv")
    assert resolutions.status_code == 200
    parsed = list(csv.DictReader(io.StringIO(resolutions.text)))
    mine = [r for r in parsed if r["number"] == resolution["number"]]
    assert mine and mine[0]["title"] == f"Uchwała {tag}" and mine[0]["adopted"] == "true"
    assert mine[0]["meeting_id"] == held_id

    for name in ("council-attendance", "council-resolutions"):
        for ext in ("csv", "json"):
            body = (await platform.client.get(f"/open-data/{name}.{ext}")).text
            assert "Wiktoria Zielińska" not in body and member["email"] not in body
            assert "Gość" not in body and "@" not in body
    catalog = (await platform.client.get("/open-data/catalog.jsonld")).json()
    ids = {d["dct:identifier"] for d in catalog["dcat:dataset"]}
    assert {"council-resolutions", "council-attendance"} <= ids


async def test_an_erased_member_is_named_nowhere_public_not_even_in_a_translation(
    platform: RunningPlatform,
) -> None:
    from tests.integration.privacy.test_erasure import completed

    tag = uuid.uuid4().hex[:6]
    name = f"Bożena Wróblewska{tag}"
    member = await direct_member(platform, name=name)
    held_id = await meeting(platform, starts_at=now() - timedelta(hours=5), title=f"Erase {tag}")
    await held_by_all(platform, held_id)
    resolution = await _resolution(
        platform, held_id, f"Podziękowanie {tag}", f"Rada dziękuje: {name} za raport."
    )
    await translate.translate_meeting(
        platform.runtime,
        uuid.UUID(held_id),
        {},
        {},
        {uuid.UUID(resolution["id"]): {"text": {"en": f"The council thanks {name}."}}},
    )
    before = await platform.client.get(f"/council/meetings/{held_id}", params={"lang": "en"})
    assert f"The council thanks {name}." in before.text

    asked = await platform.client.post(
        "/api/privacy/erasures",
        json={"email": member["email"]},
        headers=platform.auth("coordinator"),
    )
    assert asked.status_code == 202, asked.text
    done = await completed(platform, asked.json()["id"])
    [part] = [p for p in done["parts"] if p["service"] == "participation"]
    assert part["counts"]["council_translations_redacted"] == 1

    for lang in ("en", "pl"):
        page = await platform.client.get(f"/council/meetings/{held_id}", params={"lang": lang})
        assert name not in page.text and "[erased]" in page.text
    for ext in ("csv", "json"):
        body = (await platform.client.get(f"/open-data/council-resolutions.{ext}")).text
        assert name not in body
