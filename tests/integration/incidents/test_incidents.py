"""Incident reports over HTTP against the real platform: the public API and form (five
languages, anonymous by default), the response team's API and pages (triage, referral, history),
the reporter's mail on referral in their language, the team's registry and sign-in, erasure."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from shared.auth import Principal
from shared.events import decode
from tests.helpers.platform import RunningPlatform
from tests.helpers.signin import link_in, mail_files, mail_to, messages_to, text_of
from tests.helpers.waiting import eventually

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
WARSAW = ZoneInfo("Europe/Warsaw")


def today() -> str:
    return datetime.now(UTC).astimezone(WARSAW).date().isoformat()


def address(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.org"


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "what": "Two men shouted insults at a woman speaking Ukrainian on the tram.",
        "where": "Tram 52, Rondo Mogilskie stop",
        "when": today(),
        "language": "pl",
        **overrides,
    }


@asynccontextmanager
async def signed_in(
    platform: RunningPlatform, role: str, subject: str | None = None, lang: str = "pl"
) -> AsyncIterator[httpx.AsyncClient]:
    assert platform.runtime.auth is not None
    session = platform.runtime.auth.session_token(
        Principal(subject=subject or f"{role}-{uuid.uuid4().hex[:6]}", roles=(role,))
    )
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={"okr_session": session, "lang": lang}
    ) as client:
        yield client


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has no form with a CSRF field"
    return found.group(1)


async def report(platform: RunningPlatform, **overrides: Any) -> str:
    resp = await platform.client.post("/api/incidents", json=body(**overrides))
    assert resp.status_code == 201, resp.text
    return str(resp.json()["reference"])


async def find(platform: RunningPlatform, reference: str) -> dict[str, Any]:
    resp = await platform.client.get(
        "/api/incidents?limit=500", headers=platform.auth("response_team")
    )
    assert resp.status_code == 200, resp.text
    return next(r for r in resp.json()["items"] if r["reference"] == reference)


async def test_anyone_reports_without_an_account_and_the_team_lists_it_newest_first(
    platform: RunningPlatform,
) -> None:
    first = await report(platform, category="graffiti", district="d13_podgorze")
    second = await report(platform, reported_to_police="yes")
    assert re.fullmatch(r"INC-\d{4}-\d{5}", first)
    resp = await platform.client.get("/api/incidents", headers=platform.auth("response_team"))
    assert resp.status_code == 200, resp.text
    refs = [r["reference"] for r in resp.json()["items"]]
    assert refs.index(second) < refs.index(first)
    got = await find(platform, first)
    assert got["status"] == "received" and got["anonymous"] is True
    assert got["category"] == "graffiti" and got["district"] == "d13_podgorze"
    other = await find(platform, second)
    assert other["category"] == "unspecified" and other["reported_to_police"] == "yes"
    # Filters: status, category, district.
    resp = await platform.client.get(
        "/api/incidents?category=graffiti&district=d13_podgorze&status=received",
        headers=platform.auth("coordinator"),
    )
    assert first in [r["reference"] for r in resp.json()["items"]]
    assert second not in [r["reference"] for r in resp.json()["items"]]
    for refused in ("unknown", "d19_nowhere"):  # the filter takes the 18 districts only
        resp = await platform.client.get(
            f"/api/incidents?district={refused}", headers=platform.auth("coordinator")
        )
        assert resp.status_code == 400, (refused, resp.text)


async def test_the_event_carries_no_personal_data(platform: RunningPlatform) -> None:
    mail = address("reporter")
    reference = await report(platform, email=mail, district="d18_nowa_huta", language="uk")
    got = await find(platform, reference)
    pool = platform.runtime.pool("incidents")

    async def published() -> list[asyncpg.Record]:
        rows = await pool.fetch("select body from outbox where subject like '%incident_reported%'")
        return [r for r in rows if got["id"] in bytes(r["body"]).decode()]

    rows = await eventually(published)
    raw = bytes(rows[0]["body"]).decode()
    assert mail not in raw and "tram" not in raw.lower() and "Rondo" not in raw
    assert '"district":"d18_nowa_huta"' in raw.replace(" ", "")


async def test_bad_reports_are_refused_with_422_never_500(platform: RunningPlatform) -> None:
    tomorrow = (datetime.now(UTC).astimezone(WARSAW).date() + timedelta(days=2)).isoformat()
    for bad, field in [
        (body(what="short"), "what"),
        (body(when="2026-02-30"), "when"),
        (body(when=tomorrow), "when"),
        (body(when="1999-01-01"), "when"),
        (body(when="yesterday"), "when"),
        (body(category="murder"), "category"),
        (body(district="d19_nowhere"), "district"),
        # "unknown" is the events' word for no district chosen, never one to choose.
        (body(district="unknown"), "district"),
        (body(email="not an address"), "email"),
        (body(language="de"), "language"),
        ({**body(), "name": "Jan"}, "name"),
    ]:
        resp = await platform.client.post("/api/incidents", json=bad)
        assert resp.status_code in (400, 422), (bad, resp.text)
        assert field in resp.text, (field, resp.text)


async def test_a_resident_cannot_list_reports(platform: RunningPlatform) -> None:
    assert (await platform.client.get("/api/incidents")).status_code == 401
    for role in ("ngo", "responder", "juror", "council_member"):
        resp = await platform.client.get("/api/incidents", headers=platform.auth(role))
        assert resp.status_code == 403, role
    reference = await report(platform)
    got = await find(platform, reference)
    resp = await platform.client.post(
        f"/api/incidents/{got['id']}/triage",
        json={"category": "hate_speech", "severity": "high"},
        headers=platform.auth("ngo"),
    )
    assert resp.status_code == 403
    resp = await platform.client.get("/api/incidents/team", headers=platform.auth("response_team"))
    assert resp.status_code == 403


async def test_triage_then_referral_mails_the_reporter_in_ukrainian_with_the_history(
    platform: RunningPlatform,
) -> None:
    mail = address("olena")
    reference = await report(platform, email=mail, language="uk", category="hate_speech")
    got = await find(platform, reference)
    url = f"/api/incidents/{got['id']}/triage"
    team = platform.auth("response_team", subject="team-anna")
    # Referral before triage, a triage without severity, nothing at all: refused.
    resp = await platform.client.post(url, json={"refer_to": "police", "note": "x"}, headers=team)
    assert resp.status_code == 409, resp.text
    resp = await platform.client.post(url, json={"category": "violence"}, headers=team)
    assert resp.status_code == 422 and "severity" in resp.text
    assert (await platform.client.post(url, json={}, headers=team)).status_code == 422
    before = mail_files(platform)
    resp = await platform.client.post(
        url, json={"category": "violence", "severity": "high"}, headers=team
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "triaged" and resp.json()["confirmed_category"] == "violence"
    resp = await platform.client.post(url, json={"refer_to": "ngo"}, headers=team)
    assert resp.status_code == 422 and "note" in resp.text
    resp = await platform.client.post(
        url,
        json={"refer_to": "police", "note": "Komisariat IV, ul. Mogilska; sygn. do nadania"},
        headers=team,
    )
    assert resp.status_code == 200, resp.text
    done = resp.json()
    assert done["status"] == "referred" and done["referred_to"] == "police"
    assert [s["step"] for s in done["history"]] == ["reported", "triaged", "referred"]
    assert done["history"][2]["actor"] == "team-anna"
    message = await mail_to(platform, mail, since=before)
    assert message["Content-Language"] == "uk"
    # The team never reads the reporter's address: only that there is one.
    listed = await platform.client.get("/api/incidents?limit=500", headers=team)
    assert mail not in listed.text and done["anonymous"] is False
    text = text_of(message)
    assert reference in text and "поліції" in text
    assert "Komisariat" not in text  # the team's note stays inside
    # Referred once only.
    again = await platform.client.post(url, json={"refer_to": "ngo", "note": "again"}, headers=team)
    assert again.status_code == 409
    # An anonymous report referred: nobody is mailed.
    anonymous = await find(platform, await report(platform))
    before = mail_files(platform)
    for step in (
        {"category": "graffiti", "severity": "low"},
        {"refer_to": "department", "note": "Zarząd Dróg Miasta Krakowa: cleaning"},
    ):
        resp = await platform.client.post(
            f"/api/incidents/{anonymous['id']}/triage", json=step, headers=team
        )
        assert resp.status_code == 200, resp.text
    assert mail_files(platform) == before
    unknown = await platform.client.post(
        f"/api/incidents/{uuid.uuid4()}/triage",
        json={"category": "graffiti", "severity": "low"},
        headers=team,
    )
    assert unknown.status_code == 404


FORM_WORDS = {
    "pl": "Zgłoś incydent rasistowski lub ksenofobiczny",
    "en": "Report a racist or xenophobic incident",
    "uk": "Повідомити про расистський або ксенофобний інцидент",
    "ru": "Сообщить о расистском или ксенофобном инциденте",
    "be": "Паведаміць пра расісцкі або ксенафобны інцыдэнт",
}
# On the form's pages in ru/be, the note that the rest of the site (its header and footer too)
# is in pl/en/uk, said in the form's language; none on the pages in the kit's languages.
SITE_LANGUAGES_NOTE = {
    "ru": "Остальная часть сайта, в том числе верх и низ этой страницы, — на польском",
    "be": "Астатняя частка сайта, у тым ліку верх і ніз гэтай старонкі, — на польскай",
}
RECEIPT_WORDS = {
    "pl": "Dziękujemy za zgłoszenie",
    "en": "Thank you for your report",
    "uk": "Дякуємо за повідомлення",
    "ru": "Спасибо за сообщение",
    "be": "Дзякуй за паведамленне",
}


async def test_the_form_in_five_languages_sends_an_anonymous_report(
    platform: RunningPlatform,
) -> None:
    for lang in ("pl", "en", "uk", "ru", "be"):
        async with httpx.AsyncClient(base_url=platform.base_url) as visitor:
            page = await visitor.get(f"/incidents?lang={lang}")
            assert page.status_code == 200, page.text
            assert FORM_WORDS[lang] in page.text
            assert f'<div class="container" lang="{lang}">' in page.text
            if lang in SITE_LANGUAGES_NOTE:
                note = page.text.split('<div class="container" lang=', 1)[1]
                assert SITE_LANGUAGES_NOTE[lang] in note  # inside the part marked with lang
            else:
                assert 'id="site-languages"' not in page.text
            for district in ("Nowa Huta", "Stare Miasto", "Podgórze Duchackie"):
                assert district in page.text
            assert page.text.count('<option value="d') == 18
            form = {
                "_csrf_token": csrf_of(page),
                "language": lang,
                "what": "Someone sprayed a swastika and an insult on the wall of the shop.",
                "where": "ul. Starowiślna 10",
                "district": "d01_stare_miasto",
                "when_date": today(),
                "when_time": "",
                "category": "graffiti",
                "reported_to_police": "no",
                "email": "",
            }
            sent = await visitor.post("/incidents", data=form)
            assert sent.status_code == 201, sent.text[-2000:]
            assert RECEIPT_WORDS[lang] in sent.text
            if lang in SITE_LANGUAGES_NOTE:
                assert SITE_LANGUAGES_NOTE[lang] in sent.text
            else:
                assert 'id="site-languages"' not in sent.text
            reference = re.search(r"INC-\d{4}-\d{5}", sent.text)
            assert reference
            got = await find(platform, reference.group(0))
            assert got["language"] == lang and got["anonymous"] is True
            assert got["district"] == "d01_stare_miasto" and got["category"] == "graffiti"


async def test_the_form_explains_mistakes_in_the_forms_language_and_keeps_what_was_typed(
    platform: RunningPlatform,
) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url) as visitor:
        page = await visitor.get("/incidents?lang=ru")
        tomorrow = (datetime.now(UTC).astimezone(WARSAW).date() + timedelta(days=3)).isoformat()
        form = {
            "_csrf_token": csrf_of(page),
            "language": "ru",
            "what": "Кто-то кричал оскорбления у остановки.",
            "where": "",
            "district": "d99",
            "when_date": tomorrow,
            "reported_to_police": "maybe",
            "email": "nope",
        }
        sent = await visitor.post("/incidents", data=form)
        assert sent.status_code == 400
        assert "Возникла проблема" in sent.text
        assert "Напишите, где это произошло" in sent.text
        assert "Выберите район из списка" in sent.text
        assert "Кто-то кричал оскорбления у остановки." in sent.text
        form.update(where="Rynek Główny", district="", reported_to_police="unsure", email="")
        sent = await visitor.post("/incidents", data=form)
        assert sent.status_code == 400
        assert "Дата не может быть в будущем." in sent.text


async def test_the_team_triages_and_refers_on_its_pages(platform: RunningPlatform) -> None:
    mail = address("reporter")
    reference = await report(platform, email=mail, language="en", district="d05_krowodrza")
    got = await find(platform, reference)
    for lang in ("pl", "en", "uk"):
        async with signed_in(platform, "response_team", lang=lang) as team:
            for path in (
                "/incidents/staff",
                "/incidents/staff?status=received&category=unspecified&district=d05_krowodrza",
                f"/incidents/staff/reports/{got['id']}",
            ):
                page = await team.get(path)
                assert page.status_code == 200, (path, page.text[-1500:])
                assert f'<html lang="{lang}">' in page.text
    async with signed_in(platform, "response_team", subject="team-piotr", lang="en") as team:
        listing = await team.get("/incidents/staff?district=d05_krowodrza")
        assert reference in listing.text
        page = await team.get(f"/incidents/staff/reports/{got['id']}")
        csrf = csrf_of(page)
        wrong = await team.post(
            f"/incidents/staff/reports/{got['id']}/triage",
            data={"_csrf_token": csrf, "category": "hate_speech"},
        )
        assert wrong.status_code == 400 and "Choose the severity." in wrong.text
        done = await team.post(
            f"/incidents/staff/reports/{got['id']}/triage",
            data={"_csrf_token": csrf, "category": "hate_speech", "severity": "medium"},
            follow_redirects=True,
        )
        assert "The triage is saved." in done.text
        before = mail_files(platform)
        done = await team.post(
            f"/incidents/staff/reports/{got['id']}/refer",
            data={"_csrf_token": csrf, "refer_to": "ngo", "note": "Fundacja Przeciwdziałania"},
            follow_redirects=True,
        )
        assert "The report is referred." in done.text
        assert "Fundacja Przeciwdziałania" in done.text
        assert mail not in done.text
        # Triaged again once referred: refused, said on the page.
        late = await team.post(
            f"/incidents/staff/reports/{got['id']}/triage",
            data={"_csrf_token": csrf, "category": "violence", "severity": "low"},
        )
        assert late.status_code == 409 and "already been referred" in late.text
        message = await mail_to(platform, mail, since=before)
        assert message["Content-Language"] == "en"
    async with signed_in(platform, "ngo") as ngo:
        assert (await ngo.get("/incidents/staff")).status_code == 403
    async with httpx.AsyncClient(base_url=platform.base_url) as anonymous:
        resp = await anonymous.get("/incidents/staff")
        assert resp.status_code == 303


async def test_the_coordinator_keeps_the_team_whose_members_sign_in_by_email(
    platform: RunningPlatform,
) -> None:
    mail = address("team")
    async with signed_in(platform, "coordinator", lang="uk") as coordinator:
        page = await coordinator.get("/incidents/staff/team")
        assert page.status_code == 200 and '<html lang="uk">' in page.text
        csrf = csrf_of(page)
        bad = await coordinator.post(
            "/incidents/staff/team", data={"_csrf_token": csrf, "name": "A", "email": "x"}
        )
        assert bad.status_code == 400
        before = mail_files(platform)
        added = await coordinator.post(
            "/incidents/staff/team",
            data={"_csrf_token": csrf, "name": "Marta Zielińska", "email": mail, "language": "pl"},
            follow_redirects=True,
        )
        assert added.status_code == 200 and "Marta Zielińska" in added.text
        invitation = await mail_to(platform, mail, since=before)
        assert "next=%2Fincidents%2Fstaff" in link_in(invitation)
        twice = await coordinator.post(
            "/incidents/staff/team",
            data={"_csrf_token": csrf, "name": "Marta Zielińska", "email": mail, "language": "pl"},
        )
        assert twice.status_code == 409
    resp = await platform.client.get("/api/incidents/team", headers=platform.auth("coordinator"))
    assert mail in [m["email"] for m in resp.json()]
    # The kit's sign-in knows the address as a member of the response team.
    before = mail_files(platform)
    async with httpx.AsyncClient(base_url=platform.base_url) as visitor:
        page = await visitor.get("/auth/sign-in")
        await visitor.post("/auth/sign-in", data={"_csrf_token": csrf_of(page), "email": mail})
    link = await mail_to(platform, mail, since=before)
    assert "/auth/link" in link_in(link)
    # The team's home counts what waits for triage.
    await report(platform)
    async with signed_in(platform, "response_team", lang="en") as team:
        work = await team.get("/work")
        assert "Incident reports waiting for triage" in work.text


async def test_erasure_blanks_what_the_reporter_wrote_and_keeps_the_counts(
    platform: RunningPlatform,
) -> None:
    mail = address("erase")
    reference = await report(
        platform, email=mail, what="My neighbour Ivan Petrenko was beaten near the market."
    )
    got = await find(platform, reference)
    export = await platform.client.post(
        "/api/privacy/exports", json={"email": mail}, headers=platform.auth("coordinator")
    )
    assert export.status_code == 200, export.text
    assert "Ivan Petrenko" in export.text
    resp = await platform.client.post(
        "/api/privacy/erasures", json={"email": mail}, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 202, resp.text
    pool = platform.runtime.pool("incidents")

    async def erased() -> asyncpg.Record | None:
        row = await pool.fetchrow("select * from reports where reference = $1", reference)
        return row if row and row["email"] is None else None

    row = await eventually(erased)
    assert row["what"] == "[erased]" and row["place"] == "[erased]"
    assert row["category"] == "unspecified" and row["status"] == "received"
    after = await find(platform, reference)
    assert after["id"] == got["id"] and after["anonymous"] is True
    _ = decode
    _ = messages_to


async def test_a_retry_with_the_same_idempotency_key_gives_the_same_reference(
    platform: RunningPlatform,
) -> None:
    key = {"Idempotency-Key": uuid.uuid4().hex}
    sent = body(what="A man tore down the Ukrainian flag at the consulate and shouted.")
    first = await platform.client.post("/api/incidents", json=sent, headers=key)
    again = await platform.client.post("/api/incidents", json=sent, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = await platform.client.post("/api/incidents", json=body(), headers=key)
    assert other.status_code in (409, 422), other.text
