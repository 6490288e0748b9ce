"""The Observatory's publications on real servers (issue 17): the coordinator adds one by the
API or the page form (a PDF upload), with English and Ukrainian versions; anyone finds it at
`/observatory` searching in any of the three languages, reads its page, downloads the PDF and
follows the Atom feed; a withdrawal takes it off the page, the feed and the open data; bad input
is 400/422, never 500; reports and studies count in `observatory.reports_published` from the
events alone."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any
from xml.etree import ElementTree as ET

import httpx

from services.indicators.rebuild import rebuild
from shared.auth import Principal
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.indicators.events import caught_up

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
ATOM = "{http://www.w3.org/2005/Atom}"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def body(**overrides: Any) -> dict[str, Any]:
    word = uuid.uuid4().hex[:10]
    data = {
        "kind": "report",
        "title": f"Raport o mieszkańcach z Ukrainy {word}",
        "summary": "Badanie warunków życia i pracy mieszkańców Krakowa z Ukrainy w 2025 roku.",
        "title_i18n": {"en": f"Report on residents from Ukraine {word}"},
        "summary_i18n": {"uk": f"Дослідження умов життя українців у Кракові {word}."},
        "topic": "labour",
        "objective": 1,
        "published_on": "2025-03-14",
        "document_url": "https://example.org/raport.pdf",
    }
    return data | overrides


async def add(platform: RunningPlatform, **overrides: Any) -> dict[str, Any]:
    resp = await platform.client.post(
        "/api/observatory/publications",
        json=body(**overrides),
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


@contextlib.asynccontextmanager
async def coordinator(
    platform: RunningPlatform, lang: str = "en"
) -> AsyncIterator[httpx.AsyncClient]:
    assert platform.runtime.auth is not None
    session = platform.runtime.auth.session_token(
        Principal(subject=f"coordinator-{uuid.uuid4().hex[:6]}", roles=("coordinator",))
    )
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={"okr_session": session, "lang": lang}, timeout=30
    ) as client:
        yield client


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has no form with a CSRF field"
    return found.group(1)


async def reports_published(platform: RunningPlatform, year: int) -> Any:
    resp = await platform.client.get(
        f"/api/indicators?year={year}", headers=platform.auth("coordinator")
    )
    assert resp.status_code == 200, resp.text
    found = {i["id"]: i for i in resp.json()["indicators"]}
    return found["observatory.reports_published"]["value"]


async def test_a_publication_added_by_the_api_is_found_in_every_language(
    platform: RunningPlatform,
) -> None:
    added = await add(platform)
    word = added["title"].split()[-1]
    assert added["title_i18n"] == {"en": f"Report on residents from Ukraine {word}"}
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        # A word only in the Ukrainian summary finds it, and so does one of the English title.
        uk = await anonymous.get("/observatory", params={"q": word, "lang": "uk"})
        en_word = await anonymous.get(
            "/observatory", params={"q": f"residents {word}", "lang": "en"}
        )
        api = await anonymous.get(
            "/api/observatory/publications", params={"q": "українців " + word}
        )
        none = await anonymous.get("/observatory", params={"q": f"{word} nothingmatches"})
        page_uk = await anonymous.get(f"/observatory/{added['id']}", params={"lang": "uk"})
        page_en = await anonymous.get(f"/observatory/{added['id']}", params={"lang": "en"})
    assert uk.status_code == 200 and f"/observatory/{added['id']}" in uk.text
    assert 'type="application/atom+xml" href="/observatory/feed.atom?lang=uk"' in uk.text
    assert f"/observatory/{added['id']}" in en_word.text
    assert [p["id"] for p in api.json()["items"]] == [added["id"]]
    assert f"/observatory/{added['id']}" not in none.text
    # Ukrainian reader: the summary in Ukrainian, the title untranslated (Polish, marked so).
    assert f"Дослідження умов життя українців у Кракові {word}." in page_uk.text
    assert f'<span lang="pl">Raport o mieszkańcach z Ukrainy {word}</span>' in page_uk.text
    assert f"Report on residents from Ukraine {word}" in page_en.text
    assert 'href="https://example.org/raport.pdf"' in page_en.text


async def test_an_idempotency_key_publishes_once(platform: RunningPlatform) -> None:
    data = body()
    headers = platform.auth("coordinator", subject="coordinator-idem") | {
        "Idempotency-Key": uuid.uuid4().hex
    }
    first = await platform.client.post("/api/observatory/publications", json=data, headers=headers)
    again = await platform.client.post("/api/observatory/publications", json=data, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    word = data["title"].split()[-1]
    listed = await platform.client.get("/api/observatory/publications", params={"q": word})
    assert listed.json()["total"] == 1


async def test_filters_and_pages_narrow_the_list(platform: RunningPlatform) -> None:
    tag = uuid.uuid4().hex[:8]
    study = await add(
        platform, kind="study", objective=5, published_on="2024-06-01", title=f"Studium {tag} A"
    )
    notes = await add(
        platform,
        kind="seminar_notes",
        objective=5,
        published_on="2023-02-01",
        title=f"Notatki {tag} B",
    )
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        both = await anonymous.get("/api/observatory/publications", params={"q": tag})
        kind = await anonymous.get(
            "/api/observatory/publications", params={"q": tag, "kind": "study"}
        )
        year = await anonymous.get("/observatory", params={"q": tag, "year": "2023"})
        paged = await anonymous.get(
            "/api/observatory/publications", params={"q": tag, "limit": 1, "offset": 1}
        )
        odd = await anonymous.get(
            "/observatory", params={"q": tag, "kind": "poem", "objective": "9", "page": "x"}
        )
    assert [p["id"] for p in both.json()["items"]] == [study["id"], notes["id"]]  # newest first
    assert [p["id"] for p in kind.json()["items"]] == [study["id"]]
    assert (
        f"/observatory/{notes['id']}" in year.text
        and f"/observatory/{study['id']}" not in year.text
    )
    assert paged.json()["total"] == 2 and [p["id"] for p in paged.json()["items"]] == [notes["id"]]
    assert odd.status_code == 200  # filters that mean nothing are dropped, not a 500


async def test_the_coordinator_uploads_a_pdf_translates_and_withdraws(
    platform: RunningPlatform,
) -> None:
    word = uuid.uuid4().hex[:10]
    async with coordinator(platform) as staff:
        form = await staff.get("/observatory/staff/new")
        assert form.status_code == 200
        fields = {
            "_csrf_token": csrf_of(form),
            "kind": "recommendation",
            "topic": "education",
            "objective": "5",
            "published_on": "2025-09-01",
            "title": f"Rekomendacje dla szkół {word}",
            "title__en": "",
            "title__uk": f"Рекомендації для шкіл {word}",
            "summary": "Jak szkoły mogą lepiej przyjmować dzieci z doświadczeniem migracji.",
            "summary__en": "How schools can better welcome children with migration experience.",
            "summary__uk": "",
            "document_url": "",
        }
        created = await staff.post(
            "/observatory/staff/publications",
            data=fields,
            files={"document": ("rekomendacje-łódź.pdf", PDF, "application/pdf")},
        )
        assert created.status_code == 303, created.text
        edit_path = created.headers["location"].split("?")[0]
        publication_id = edit_path.rsplit("/", 1)[1]

        # A file that is not a PDF is said beside its field, nothing saved (400).
        not_pdf = await staff.post(
            "/observatory/staff/publications",
            data=fields | {"title": f"Inny {word}"},
            files={"document": ("x.pdf", b"<html>not a pdf</html>", "application/pdf")},
        )
        assert not_pdf.status_code == 400
        assert "Choose a PDF file" in not_pdf.text
        # A body over the page's 21 MiB is refused before anything is read (413).
        huge = await staff.post(
            "/observatory/staff/publications",
            data=fields,
            files={"document": ("big.pdf", PDF + b"0" * (22 * 1024 * 1024), "application/pdf")},
        )
        assert huge.status_code == 413

        async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
            found = await anonymous.get("/observatory", params={"q": f"шкіл {word}", "lang": "uk"})
            assert f"/observatory/{publication_id}" in found.text
            page = await anonymous.get(f"/observatory/{publication_id}", params={"lang": "uk"})
            assert f"Рекомендації для шкіл {word}" in page.text
            pdf = await anonymous.get(f"/observatory/{publication_id}/document.pdf")
            assert pdf.status_code == 200 and pdf.content == PDF
            assert pdf.headers["content-type"] == "application/pdf"
            # A Polish name: in ASCII for old clients, in UTF-8 beside it (never a 500).
            disposition = pdf.headers["content-disposition"]
            assert 'filename="rekomendacje-lodz.pdf"' in disposition
            assert "filename*=UTF-8''rekomendacje-%C5%82%C3%B3d%C5%BA.pdf" in disposition
            feed = await anonymous.get("/observatory/feed.atom", params={"lang": "en"})
            assert feed.headers["content-type"].startswith("application/atom+xml")
            entries = ET.fromstring(feed.content).findall(f"{ATOM}entry")
            ours = [e for e in entries if e.findtext(f"{ATOM}id") == f"urn:uuid:{publication_id}"]
            assert len(ours) == 1
            assert (
                ours[0]
                .find(f"{ATOM}link[@rel='enclosure']")
                .get("href")
                .endswith(f"/observatory/{publication_id}/document.pdf")
            )
            opened = await anonymous.get("/open-data/observatory-publications.json")
            rows = {r["id"]: r for r in opened.json()["items"]}
            assert rows[publication_id]["title_uk"] == f"Рекомендації для шкіл {word}"
            assert rows[publication_id]["document_url"] == (
                f"{platform.base_url}/observatory/{publication_id}/document.pdf"
            )

            # Withdrawal needs the box ticked; then it is gone from every public place.
            edit = await staff.get(edit_path)
            unticked = await staff.post(
                f"{edit_path}/withdraw", data={"_csrf_token": csrf_of(edit)}
            )
            assert unticked.status_code == 400
            assert (
                unticked.text.count("Tick the box to confirm the withdrawal.") == 2
            )  # summary, field
            assert (await anonymous.get(f"/observatory/{publication_id}")).status_code == 200
            withdrawn = await staff.post(
                f"{edit_path}/withdraw", data={"_csrf_token": csrf_of(edit), "confirm": "yes"}
            )
            assert withdrawn.status_code == 303
            assert (await anonymous.get(f"/observatory/{publication_id}")).status_code == 404
            assert (
                await anonymous.get(f"/observatory/{publication_id}/document.pdf")
            ).status_code == 404
            gone = await anonymous.get("/observatory", params={"q": word})
            assert f"/observatory/{publication_id}" not in gone.text
            feed = await anonymous.get("/observatory/feed.atom")
            assert f"urn:uuid:{publication_id}".encode() not in feed.content
            opened = await anonymous.get("/open-data/observatory-publications.csv")
            assert publication_id not in opened.text
        # The coordinator still sees it, marked; it can no longer change (409).
        listed = await staff.get("/observatory/staff")
        assert publication_id in listed.text and "withdrawn on" in listed.text
        again = await staff.post(edit_path, data=fields | {"_csrf_token": csrf_of(edit)})
        assert again.status_code == 409


async def test_bad_input_is_refused_never_a_500(platform: RunningPlatform) -> None:
    coordinator_auth = platform.auth("coordinator")
    cases = [
        ({"kind": "poem"}, 400),
        ({"objective": 7}, 400),
        ({"title": "ab"}, 400),
        ({"published_on": "2999-01-01"}, 422),
        ({"published_on": "1999-12-31"}, 422),
        ({"document_url": "javascript:alert(1)"}, 422),
        ({"title_i18n": {"pl": "Tytuł"}}, 400),
        ({"summary_i18n": {"uk": "коротко"}}, 400),
        ({"extra": 1}, 400),
    ]
    for change, status in cases:
        resp = await platform.client.post(
            "/api/observatory/publications", json=body(**change), headers=coordinator_auth
        )
        assert resp.status_code == status, (change, resp.status_code, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
    for who in ({}, platform.auth("ngo")):
        resp = await platform.client.post("/api/observatory/publications", json=body(), headers=who)
        assert resp.status_code in (401, 403)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        assert (await anonymous.get(f"/observatory/{uuid.uuid4()}")).status_code == 404
        assert (await anonymous.get("/observatory/not-an-id")).status_code == 404
        assert (
            await anonymous.get("/api/observatory/publications", params={"objective": 0})
        ).status_code == 400
        long = await anonymous.get("/observatory", params={"q": "x" * 500})
        assert long.status_code == 400
        wild = await anonymous.get("/api/observatory/publications", params={"q": "%_\\"})
        assert wild.status_code == 200
    async with coordinator(platform) as staff:
        form = await staff.get("/observatory/staff/new")
        bad = await staff.post(
            "/observatory/staff/publications",
            data={
                "_csrf_token": csrf_of(form),
                "kind": "report",
                "objective": "x",
                "published_on": "yesterday",
            },
        )
        assert bad.status_code == 400
        assert "Enter the day of publication" in bad.text


async def test_reports_and_studies_are_counted_from_the_events(platform: RunningPlatform) -> None:
    year = 2011  # no other test publishes in this year
    before = await reports_published(platform, year)
    assert before in (None, 0, "0")
    report = await add(platform, kind="report", published_on=f"{year}-05-01")
    await add(platform, kind="study", published_on=f"{year}-12-31")
    advice = await add(platform, kind="recommendation", published_on=f"{year}-06-01")
    await eventually(lambda: _equals(platform, year, 2), what="two reports and studies counted")
    async with coordinator(platform) as staff:
        # The recommendations were a study after all: corrected on the form, counted, and the
        # English title added there is what English readers see.
        edit = await staff.get(f"/observatory/staff/publications/{advice['id']}")
        assert f'value="{advice["title"]}"' in edit.text
        fields = {
            "_csrf_token": csrf_of(edit),
            "kind": "study",
            "topic": advice["topic"],
            "objective": str(advice["objective"]),
            "published_on": advice["published_on"],
            "title": advice["title"],
            "title__en": "Corrected: a study",
            "summary": advice["summary"],
            "summary__uk": advice["summary_i18n"]["uk"],
            "document_url": "",
        }
        saved = await staff.post(f"/observatory/staff/publications/{advice['id']}", data=fields)
        assert saved.status_code == 303, saved.text
        await eventually(lambda: _equals(platform, year, 3), what="the corrected study counted")
        page = await platform.client.get(f"/observatory/{advice['id']}", params={"lang": "en"})
        assert "Corrected: a study" in page.text and "example.org" not in page.text
        edit = await staff.get(f"/observatory/staff/publications/{report['id']}")
        resp = await staff.post(
            f"/observatory/staff/publications/{report['id']}/withdraw",
            data={"_csrf_token": csrf_of(edit), "confirm": "yes"},
        )
        assert resp.status_code == 303
    await eventually(lambda: _equals(platform, year, 2), what="the withdrawn report uncounted")
    # A rebuild from the stream replays the Observatory's events to the same count.
    await caught_up(platform)
    assert platform.runtime.bus is not None
    await rebuild(platform.runtime.pool("indicators"), platform.runtime.bus)
    assert await _equals(platform, year, 2)


async def _equals(platform: RunningPlatform, year: int, expected: int) -> bool:
    value = await reports_published(platform, year)
    return value is not None and float(value) == expected


async def test_a_pdf_of_nearly_20_mib_goes_through_the_page_and_back(
    platform: RunningPlatform,
) -> None:
    """Over the platform's 1 MiB, under the upload forms' own limit: stored and served whole."""
    big = PDF + b"0" * (19 * 1024 * 1024)
    async with coordinator(platform) as staff:
        form = await staff.get("/observatory/staff/new")
        fields = {
            "_csrf_token": csrf_of(form),
            "kind": "report",
            "topic": "education",
            "objective": "5",
            "published_on": "2025-09-01",
            "title": f"Duży raport {uuid.uuid4().hex}",
            "summary": "Streszczenie dużego raportu o szkołach.",
        }
        created = await staff.post(
            "/observatory/staff/publications",
            data=fields,
            files={"document": ("duzy.pdf", big, "application/pdf")},
        )
        assert created.status_code == 303, created.text
    publication_id = created.headers["location"].split("?")[0].rsplit("/", 1)[1]
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        pdf = await anonymous.get(f"/observatory/{publication_id}/document.pdf")
        # The JSON API keeps its 1 MiB.
        over = await platform.client.post(
            "/api/observatory/publications",
            content=b'{"title": "' + b"x" * (1024 * 1024) + b'"}',
            headers=platform.auth("coordinator") | {"Content-Type": "application/json"},
        )
    assert pdf.status_code == 200 and pdf.content == big
    assert over.status_code == 413
