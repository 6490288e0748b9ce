"""Refused forms on the grants pages speak the page's language, next to the field, keeping input.

Posted like a browser without JavaScript: the page first (CSRF token, `?lang=` remembered in a
cookie, or Accept-Language), then the form. The JSON API keeps its English answers.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.helpers.platform import RunningPlatform
from tests.integration.grants.helpers import (
    application_body,
    eur,
    new_application,
    new_call,
    new_organisation,
    submitted_application,
    valid_nip,
    wait_until,
)
from tests.integration.grants.page_helpers import Html, browser, post_form, principal, spaced

WARSAW = ZoneInfo("Europe/Warsaw")


def bad_nip() -> str:
    nip = valid_nip()
    return nip[:9] + str((int(nip[9]) + 1) % 10)


async def applications_of(platform: RunningPlatform, headers: dict[str, str]) -> list:
    resp = await platform.client.get("/api/grants/applications", headers=headers)
    return resp.json()["items"]


async def test_a_bad_application_is_explained_in_ukrainian_by_each_field_keeping_the_input(
    platform: RunningPlatform,
) -> None:
    call_id = await new_call(platform)
    org_id, headers = await new_organisation(platform)
    async with browser(platform, principal("ngo", org_id)) as client:
        resp = await post_form(
            client,
            f"/grants/calls/{call_id}/apply",
            {
                "title": "Мо",
                "summary": "Коротко",
                "requested": "дві тисячі",
                "line0_category": "x",
                "line0_amount": "1500",
                "line1_description": "оренда залу",
            },
            lang="uk",  # on the form's page; the cookie carries it to the post
        )
    assert resp.status_code == 400 and resp.headers["content-language"] == "uk"
    page = Html(resp.text)
    expected = {
        "title": "Введіть назву проєкту (від 3 до 200 символів).",
        "summary": "Введіть короткий опис проєкту (від 10 до 5000 символів).",
        "objectives": "Виберіть щонайменше одну з наведених цілей.",
        "requested": "Введіть запитувану суму в EUR, наприклад 2500,00.",
        "line0_category": "Рядок бюджету 1: Введіть категорію витрат (від 2 до 100 символів).",
        "line1_category": "Рядок бюджету 2: Введіть категорію витрат (від 2 до 100 символів).",
        "line1_amount": "Рядок бюджету 2: Введіть суму в EUR, наприклад 500,00.",
    }
    # The summary links each message to its field, in the form's order.
    assert page.summary == {f"#{name}": message for name, message in expected.items()}
    assert list(page.summary) == [f"#{name}" for name in expected]
    for name, message in expected.items():
        if name == "objectives":  # a group: the fieldset is described, each box marked
            assert page.text("objectives-error") == message
        else:
            assert page.field_error(name) == message
    assert set(expected) <= page.invalid()
    assert "line0_amount" not in page.invalid()
    assert page.value("title") == "Мо" and page.value("summary") == "Коротко"
    assert page.value("requested") == "дві тисячі"
    assert page.value("line0_amount") == "1500"
    assert page.value("line1_description") == "оренда залу"
    for english in ("must be", "Expected", "Enter"):
        assert english not in page.text("main")
    assert await applications_of(platform, headers) == []


async def test_money_rules_are_explained_with_amounts_in_the_browsers_language(
    platform: RunningPlatform,
) -> None:
    call_id = await new_call(platform)  # up to 3 000,00 EUR per grant
    org_id, headers = await new_organisation(platform)
    form = {
        "title": "Warsztaty dla rodzin",
        "summary": "Cotygodniowe warsztaty języka polskiego.",
        "objectives": ["3", "6"],
        "requested": "2500,00",
        "line0_category": "honoraria",
        "line0_amount": "2000",
    }
    path = f"/grants/calls/{call_id}/apply"
    async with browser(platform, principal("ngo", org_id), **{"Accept-Language": "uk-UA"}) as uk:
        short = await post_form(uk, path, form)
    assert short.status_code == 400
    page = Html(short.text)
    assert page.field_error("budget_lines") == spaced(
        "Сума рядків бюджету становить 2 000,00 EUR, тобто на 500,00 EUR менше "
        "за запитувану суму (2 500,00 EUR)."
    )
    assert page.summary["#budget_lines"] == page.text("budget_lines-error")
    assert page.value("requested") == "2500,00" and page.value("line0_amount") == "2000"
    assert page.by_id["objectives"].attrs.get("checked") is not None

    over = {**form, "requested": "3500", "line0_amount": "3500"}
    async with browser(platform, principal("ngo", org_id), **{"Accept-Language": "pl"}) as pl:
        refused = await post_form(pl, path, over)
        assert Html(refused.text).field_error("requested") == spaced(
            "Wnioskowana kwota przekracza o 500,00 € maksymalną kwotę dotacji, "
            "która wynosi 3 000,00 €."
        )
        saved = await post_form(pl, path, {**form, "line1_category": "sala", "line1_amount": "500"})
    assert saved.status_code == 303
    assert [a["requested"] for a in await applications_of(platform, headers)] == [eur(250_000)]


async def test_after_the_deadline_the_page_names_it_in_warsaw_time_in_the_pages_language(
    platform: RunningPlatform,
) -> None:
    org_id, headers = await new_organisation(platform)
    call_id = await new_call(platform, closes_in=3)
    draft = await new_application(platform, call_id, headers)
    call = (await platform.client.get(f"/api/grants/calls/{call_id}")).json()
    closes = datetime.fromisoformat(call["closes_at"])
    async with browser(platform, principal("ngo", org_id)) as client:
        form_page = await client.get(f"/grants/calls/{call_id}/apply", params={"lang": "uk"})
        token = form_page.text.split('name="_csrf_token" value="')[1].split('"')[0]
        await wait_until(closes)
        late = await client.post(
            f"/grants/calls/{call_id}/apply",
            data={
                "_csrf_token": token,
                "title": "Запізно",
                "summary": "Дуже пізня, але повна заявка.",
                "objectives": ["3"],
                "requested": "1000",
                "line0_category": "оренда",
                "line0_amount": "1000",
            },
        )
        assert late.status_code == 409
        page = Html(late.text)
        warsaw_clock = closes.astimezone(WARSAW).strftime("%H:%M")
        assert "Конкурс закрито: кінцевий термін минув" in page.problems()
        assert f"{warsaw_clock} (за варшавським часом)" in page.problems()
        assert page.value("title") == "Запізно"

        submit = await post_form(
            client,
            f"/grants/applications/{draft}/submit",
            {},
            form_page=f"/grants/applications/{draft}",
            lang="pl",
        )
    assert submit.status_code == 409
    problem = Html(submit.text).problems()
    assert "Termin składania wniosków minął" in problem
    assert f"godz. {warsaw_clock} (czasu warszawskiego)" in problem
    api = await platform.client.post(f"/api/grants/applications/{draft}/submit", headers=headers)
    assert api.json() == {
        "type": "https://openkrakow.local/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "the deadline for submissions was "
        + closes.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M")
        + " (Europe/Warsaw)",
        "code": "application.submissions_closed",  # problem details name the refusal
    }


async def test_the_organisation_form_explains_every_mistake_in_polish(
    platform: RunningPlatform,
) -> None:
    path = "/grants/organisation/new"
    async with browser(platform, principal("ngo"), **{"Accept-Language": "pl,en;q=0.5"}) as client:
        empty = await post_form(client, path, {"name": "", "nip": "123", "email": "nie-adres"})
        page = Html(empty.text)
        assert empty.status_code == 400
        assert page.field_error("name") == "Wpisz nazwę organizacji (od 3 do 200 znaków)."
        assert page.field_error("nip") == "Wpisz NIP jako 10 cyfr, np. 526-000-12-46."
        assert page.text("kind-error") == "Wybierz rodzaj organizacji."
        assert page.field_error("email") == "Wpisz adres e-mail, np. nazwa@example.org."
        assert list(page.summary) == ["#name", "#nip", "#kind", "#email"]
        assert page.value("nip") == "123" and page.value("email") == "nie-adres"

        # A name of its own: other tests register organisations too (one is "Fundacja Most").
        name = f"Fundacja Most {uuid.uuid4().hex[:6]}"
        form = {"name": name, "kind": "ngo", "email": "most@example.org"}
        wrong = await post_form(client, path, {**form, "nip": bad_nip(), "krs": "12ab"})
        page = Html(wrong.text)
        assert page.field_error("nip") == (
            "Ten NIP jest nieprawidłowy: cyfra kontrolna się nie zgadza. Sprawdź numer."
        )
        assert page.value("name") == name

        _, owner = await new_organisation(platform)
        taken_nip = (
            await platform.client.get("/api/grants/organisations/mine", headers=owner)
        ).json()["nip"]
        taken = await post_form(client, path, {**form, "nip": taken_nip})
        assert taken.status_code == 409
        assert Html(taken.text).field_error("nip") == (
            "Organizacja z tym numerem NIP jest już zarejestrowana. "
            "Poproś jej przedstawiciela, aby dodał Cię do organizacji."
        )
    stored = await platform.runtime.pool("grants").fetchval(
        "select count(*) from organisations where name = $1", name
    )
    assert stored == 0


async def test_an_evaluator_sees_each_criterion_named_in_ukrainian(
    platform: RunningPlatform,
) -> None:
    call_id = await new_call(platform)
    _, headers = await new_organisation(platform)
    app_id = await submitted_application(platform, call_id, headers)
    coordinator = platform.auth("coordinator")
    subjects = [f"ev-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    for s in subjects:
        await platform.client.post(
            f"/api/grants/calls/{call_id}/evaluators",
            headers=coordinator,
            json={"subject": s, "name": "Olena Koval", "email": f"{s}@example.org"},
        )
    await platform.client.post(
        f"/api/grants/applications/{app_id}/formal-check",
        headers=coordinator,
        json={"eligible": True},
    )
    path = f"/grants/evaluate/{app_id}"
    async with browser(platform, principal("evaluator", subject=subjects[0])) as client:
        resp = await post_form(
            client,
            path,
            {"score_relevance": "", "score_feasibility": "9", "comment": "Добре"},
            lang="uk",
        )
    assert resp.status_code == 400
    page = Html(resp.text)
    assert page.field_error("score_relevance") == (
        "Критерій «Relevance to the programme»: Введіть кількість балів за цим критерієм."
    )
    assert page.field_error("score_feasibility") == (
        "Критерій «Feasibility and budget»: Введіть кількість балів — ціле число від 0 до 5."
    )
    assert page.value("score_feasibility") == "9" and page.value("comment") == "Добре"
    own = await platform.client.get(
        f"/api/grants/applications/{app_id}/evaluations",
        headers=platform.auth("evaluator", subject=subjects[0]),
    )
    assert [v["submitted"] for v in own.json()] == [False]


async def test_the_coordinator_gets_every_call_mistake_and_the_rules_in_polish(
    platform: RunningPlatform,
) -> None:
    async with browser(platform, principal("coordinator")) as client:
        bad = await post_form(
            client,
            "/grants/coordinator",
            {
                "title": "Gr",
                "currency": "PLN",
                "budget_total": "sto tysięcy",
                "max_per_grant": "5000",
                "opens_at": "",
                "closes_at": "2099-01-01T12:00",
                "c0_key": "Relevance",
                "c0_name": "R",
                "c0_weight": "0",
                "c0_max": "10",
            },
            lang="pl",
        )
        assert bad.status_code == 400
        page = Html(bad.text)
        assert {name: page.field_error(name) for name in page.invalid()} == {
            "title": "Wpisz tytuł konkursu (od 3 do 200 znaków).",
            "budget_total": "Wpisz budżet całkowity, np. 100000,00.",
            "opens_at": "Wpisz datę i godzinę otwarcia konkursu.",
            "c0_key": "Kryterium 1: Wpisz klucz złożony z małych liter (a–z), cyfr i znaku _, "
            "zaczynający się od litery, np. relevance.",
            "c0_name": "Kryterium 1: Wpisz nazwę kryterium (od 2 do 200 znaków).",
            "c0_weight": "Kryterium 1: Wpisz wagę większą od 0 i nie większą niż 100, np. 2.",
        }
        assert page.value("c0_key") == "Relevance"
        backwards = await post_form(
            client,
            "/grants/coordinator",
            {
                "title": "Granty odwrócone",
                "currency": "PLN",
                "budget_total": "100000",
                "max_per_grant": "5000",
                "opens_at": "2099-01-02T12:00",
                "closes_at": "2099-01-01T12:00",
                "c0_key": "relevance",
                "c0_name": "Znaczenie",
                "c0_weight": "2",
                "c0_max": "10",
            },
        )
        assert Html(backwards.text).field_error("closes_at") == (
            "Zamknięcie konkursu musi nastąpić po jego otwarciu."
        )
    titles = [c["title"] for c in (await platform.client.get("/api/grants/calls")).json()["items"]]
    assert "Granty odwrócone" not in titles and "Gr" not in titles


async def test_a_decision_not_ready_lists_what_blocks_it_in_ukrainian(
    platform: RunningPlatform,
) -> None:
    call_id = await new_call(platform)
    _, headers = await new_organisation(platform)
    await submitted_application(platform, call_id, headers)
    path = f"/grants/coordinator/calls/{call_id}"
    async with browser(platform, principal("coordinator")) as client:
        shown = Html((await client.get(path, params={"lang": "uk"})).text).text("main")
        assert "Заявки, що очікують на формальну перевірку: 1." in shown
        resp = await post_form(client, f"{path}/decision", {}, form_page=path)
    assert resp.status_code == 409
    problems = Html(resp.text).problems()
    assert "Рішення ще не можна опублікувати." in problems
    assert "Конкурс закриється" in problems and "за варшавським часом" in problems
    assert "Заявки, що очікують на формальну перевірку: 1." in problems
    api = await platform.client.post(
        f"/api/grants/calls/{call_id}/decision", headers=platform.auth("coordinator")
    )
    assert api.status_code == 409 and "errors" not in api.json()
    assert api.json()["detail"].startswith("the decision cannot be published yet: the call closes")
    assert api.json()["detail"].endswith("; 1 application(s) await the formal check")


async def test_the_json_api_answers_in_english_exactly_as_before(platform: RunningPlatform) -> None:
    call_id = await new_call(platform, eligible_kinds=["ngo"])
    _, headers = await new_organisation(platform)
    _, minority = await new_organisation(platform, kind="minority_organisation")
    url = f"/api/grants/calls/{call_id}/applications"

    nip = await platform.client.post(
        "/api/grants/organisations",
        headers=platform.auth("ngo"),
        json={"name": "Fundacja", "nip": "12345678901", "kind": "ngo", "email": "f@example.org"},
    )
    assert nip.status_code == 422 and nip.json() == {
        "type": "https://openkrakow.local/problems/error",
        "title": "Error",
        "status": 422,
        "detail": "nip: must be 10 digits",
        "errors": [{"field": "nip", "message": "must be 10 digits"}],
        "code": "organisation.nip_digits",  # the one addition: the refusal's stable code
    }
    short = await platform.client.post(
        url, headers=headers, json=application_body(300_000, (200_000, 50_000))
    )
    assert short.json() == {
        "type": "https://openkrakow.local/problems/error",
        "title": "Error",
        "status": 422,
        "detail": "budget_lines: add up to 250000, which is 50000 less than the requested 300000",
        "errors": [
            {
                "field": "budget_lines",
                "message": "add up to 250000, which is 50000 less than the requested 300000",
            }
        ],
        "code": "application.budget_under_requested",
    }
    outside = await platform.client.post(
        url, headers=headers, json={**application_body(), "objectives": [1, 3]}
    )
    assert outside.json()["errors"] == [
        {"field": "objectives", "message": "this call serves objectives [3, 6], not [1]"}
    ]
    not_eligible = await platform.client.post(url, headers=minority, json=application_body())
    assert not_eligible.json() == {
        "type": "https://openkrakow.local/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "organisations of kind minority_organisation are not eligible in this call",
        "code": "application.kind_not_eligible",
    }
    app_id = await new_application(platform, call_id, headers)
    _, stranger = await new_organisation(platform)
    other = await platform.client.get(f"/api/grants/applications/{app_id}", headers=stranger)
    assert other.json() == {
        "type": "https://openkrakow.local/problems/forbidden",
        "title": "Forbidden",
        "status": 403,
        "detail": "this application belongs to another organisation",
        "code": "application.other_organisation",
    }
    missing = uuid.uuid4()
    gone = await platform.client.get(f"/api/grants/applications/{missing}", headers=headers)
    assert gone.json() == {
        "type": "https://openkrakow.local/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": f"no application {missing}",
        "code": "application.not_found",
    }
