"""Refusal codes: each one translated into pl, en and uk, used by its code, API text unchanged."""

from __future__ import annotations

import ast
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from litestar.testing import RequestFactory

from services.grants import domain
from services.grants.page_errors import (
    MOMENT,
    STATUS_LABELS,
    Speaker,
    explain,
    input_problems,
    page_status,
    refusals_of,
)
from services.grants.pages import catalogs
from services.grants.refusals import (
    WORDING,
    Amount,
    Reasons,
    Refusal,
    Status,
)
from services.grants.schemas import ApplicationIn
from shared.http import refused_handler
from shared.refusals import conflict, invalid
from shared.web.i18n import LANGUAGES

GRANTS = Path(domain.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# A string literal shaped like a refusal code, wherever the service writes one.
CODE = re.compile(
    r"^(organisation|call|application|evaluators|formal_check|evaluation|ranking|decision"
    r"|report|form)\.[a-z_]+$"
)


def plain(text: str) -> str:
    """Babel separates digit groups and currencies with no-break spaces; compare them as spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", sorted(WORDING))
def test_every_refusal_code_is_translated_with_the_same_placeholders(code: str, lang: str) -> None:
    msgid = WORDING[code].page
    translated = catalogs.translation(lang, msgid)
    assert isinstance(translated, str) and translated.strip(), f"no {lang} text for {code}"
    assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(msgid)), (code, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_words_refusals_put_in_sentences_are_translated(lang: str) -> None:
    for msgid in [MOMENT, *STATUS_LABELS.values()]:
        assert catalogs.translation(lang, msgid), (lang, msgid)


@pytest.mark.parametrize("code", sorted(c for c, w in WORDING.items() if w.api))
def test_the_page_text_names_only_what_the_refusal_carries(code: str) -> None:
    page, api = WORDING[code].page, WORDING[code].api or ""
    assert set(PLACEHOLDER.findall(page)) <= set(PLACEHOLDER.findall(api)), code


def _literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


@pytest.mark.parametrize(
    "path", sorted(GRANTS.rglob("*.py")), ids=lambda p: str(p.relative_to(GRANTS))
)
def test_every_code_the_service_uses_is_listed_with_its_wording(path: Path) -> None:
    used = {s for s in _literals(path) if CODE.match(s)}
    assert used - set(WORDING) == set()


def _calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


@pytest.mark.parametrize(
    "module",
    ["commands.py", "queries.py", "domain.py", *(f"api/{p.name}" for p in GRANTS.glob("api/*.py"))],
)
def test_refusals_are_raised_only_through_codes(module: str) -> None:
    """A new refusal written as Conflict("...") or field_error(...) would reach pages in English."""
    bare = {
        "Conflict",
        "NotFoundException",
        "PermissionDeniedException",
        "field_error",
        "HTTPException",
    }
    found = [
        (_name(call), ast.unparse(call.args[0]) if call.args else "")
        for call in _calls(GRANTS / module)
        if _name(call) in bare and (call.args or call.keywords)
    ]
    # The only exception: a JSON body msgspec cannot decode, which no page ever sends.
    assert [f for f in found if f[1] != "'body'"] == []


def test_an_unknown_code_fails_at_once() -> None:
    with pytest.raises(KeyError):
        Refusal("application.no_such_code")


requests = RequestFactory()


def test_a_field_refusal_answers_the_api_exactly_as_before() -> None:
    exc = invalid("budget_lines[1].amount.amount", "application.line_not_positive")
    response = refused_handler(requests.get("/api/x"), exc)
    assert msgspec.to_builtins(response.content) == {
        "type": "https://openkrakow.local/problems/error",
        "title": "Error",
        "status": 422,
        "detail": "budget_lines[1].amount.amount: must be more than zero",
        "errors": [{"field": "budget_lines[1].amount.amount", "message": "must be more than zero"}],
        "code": "application.line_not_positive",
    }
    assert refusals_of(exc) == [
        Refusal("application.line_not_positive", {}, "budget_lines[1].amount.amount")
    ]


def test_a_conflict_keeps_its_shape_without_a_list_of_errors() -> None:
    closes = datetime(2026, 3, 31, 21, 59, tzinfo=UTC)
    exc = conflict("application.call_closed", deadline=closes)
    response = refused_handler(requests.get("/api/x"), exc)
    assert response.status_code == 409
    assert msgspec.to_builtins(response.content) == {
        "type": "https://openkrakow.local/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "the call is closed: the deadline was 2026-03-31 23:59 (Europe/Warsaw)",
        "code": "application.call_closed",
    }
    assert refusals_of(exc) == [Refusal("application.call_closed", {"deadline": closes})]


def test_input_the_schema_refused_is_said_as_a_general_message() -> None:
    exc = msgspec.ValidationError("Expected `int`, got `str`")
    assert refusals_of(exc) == [Refusal("form.refused")]
    assert page_status(exc) == 400


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "pl",
            "Wnioskowana kwota przekracza o 100,00 zł maksymalną kwotę dotacji, "
            "która wynosi 3 000,00 zł.",
        ),
        ("en", "The amount requested is PLN100.00 over the maximum per grant of PLN3,000.00."),
        ("uk", "Запитувана сума перевищує максимальну суму гранту (3 000,00 PLN) на 100,00 PLN."),
    ],
)
def test_amounts_are_written_the_way_the_language_writes_them(lang: str, expected: str) -> None:
    over = domain.budget_problem(310_000, [310_000], 300_000, "PLN")
    assert over is not None
    assert plain(Speaker(catalogs, lang).say(over)) == expected


@pytest.mark.parametrize(
    ("lang", "moment", "expected"),
    [
        # Summer time: 21:59 UTC is 23:59 in Kraków.
        ("pl", datetime(2026, 3, 31, 21, 59, tzinfo=UTC), "31 marca 2026, godz. 23:59"),
        # Winter time: 22:59 UTC is 23:59 in Kraków.
        ("uk", datetime(2026, 1, 15, 22, 59, tzinfo=UTC), "15 січня 2026 р., о 23:59"),
        ("en", datetime(2026, 1, 15, 22, 59, tzinfo=UTC), "January 15, 2026, 11:59 PM"),
    ],
)
def test_deadlines_are_given_in_warsaw_time(lang: str, moment: datetime, expected: str) -> None:
    text = plain(
        Speaker(catalogs, lang).say(Refusal("application.deadline_passed", {"deadline": moment}))
    )
    assert expected in text
    assert {"pl": "czasu warszawskiego", "uk": "за варшавським часом", "en": "Warsaw time"}[
        lang
    ] in text


def test_a_status_is_named_by_its_word_in_the_language() -> None:
    said = Speaker(catalogs, "uk").say(
        Refusal("application.already_sent", {"status": Status("submitted")})
    )
    assert said == "Цю заявку не можна подати: її статус уже «Подано»."


def test_a_decision_not_ready_lists_each_reason_as_its_own_message() -> None:
    reasons = Reasons(
        [
            Refusal("ranking.formal_check_pending", {"count": 2}),
            Refusal("ranking.evaluations_missing", {"count": 1, "per_application": 3}),
        ]
    )
    blocked = Refusal("decision.not_ready", {"reasons": reasons})
    assert blocked.english == (
        "the decision cannot be published yet: 2 application(s) await the formal check; "
        "1 application(s) lack 3 completed evaluations"
    )
    assert Speaker(catalogs, "pl").messages(blocked) == [
        "Rozstrzygnięcia nie można jeszcze opublikować.",
        "Wnioski oczekujące na ocenę formalną: 2.",
        "Wnioski bez wymaganej liczby ocen (3): 1.",
    ]


def test_every_bad_field_of_a_form_is_found_at_once_with_its_limits() -> None:
    body = {
        "title": "ab",
        "summary": "short",
        "objectives": [],
        "requested": {"amount": 100, "currency": "EUR"},
        "budget_lines": [
            {"category": "fees", "description": "", "amount": {"amount": 100, "currency": "EUR"}},
            {"category": "x", "description": "", "amount": {"amount": 1, "currency": "XXX"}},
        ],
    }
    assert input_problems(body, ApplicationIn) == [
        ("title", {"min": 3, "max": 200}),
        ("summary", {"min": 10, "max": 5000}),
        ("objectives", {"min": 1, "max": 6}),
        ("budget_lines[1].category", {"min": 2, "max": 100}),
        ("budget_lines[1].amount.currency", {}),
    ]
    assert input_problems(body, ApplicationIn, skip=["budget_lines[1].amount"])[-1] == (
        "budget_lines[1].category",
        {"min": 2, "max": 100},
    )


def test_the_form_lists_fields_in_its_own_order_and_whole_form_problems_apart() -> None:
    errors = explain(
        Speaker(catalogs, "en"),
        [
            Refusal("form.summary", {"min": 10, "max": 5000}, "summary"),
            Refusal("application.call_closed", {"deadline": datetime(2026, 1, 1, tzinfo=UTC)}),
            Refusal("form.application_title", {"min": 3, "max": 200}, "title"),
            Refusal("form.application_title", {"min": 3, "max": 200}, "title"),
        ],
        lambda r: (r.field, r),
        order=["title", "summary"],
    )
    assert errors.fields == {
        "title": "Enter the title of the project: 3 to 200 characters.",
        "summary": "Enter a summary of the project: 10 to 5000 characters.",
    }
    assert [plain(m) for m in errors.form] == [
        "The call is closed: the deadline was January 1, 2026, 1:00 AM (Warsaw time)."
    ]


def test_amount_parameters_keep_the_apis_minor_units() -> None:
    app_id = uuid.uuid4()
    refused = Refusal(
        "decision.award_over_maximum", {"application_id": app_id, "maximum": Amount(250050, "EUR")}
    )
    assert refused.english == f"the amount for {app_id} is over the maximum per grant (250050)"
    assert plain(Speaker(catalogs, "pl").say(refused)) == (
        "Kwota dotacji przekracza maksymalną kwotę dotacji (2 500,50 €)."
    )
