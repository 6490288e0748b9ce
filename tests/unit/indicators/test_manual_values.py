"""What a value reported by hand must be (one rule for the API and the page), and every refusal
of the service said in Polish, English and Ukrainian."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.indicators import domain
from services.indicators.domain import ManualValue, check_manual_value
from services.indicators.pages import catalogs
from shared.refusals import WORDING, Kind, Refused
from shared.web.i18n import LANGUAGES
from shared.web.refusals import Speaker, explain


def reasons(unit: str, entry: ManualValue) -> list[tuple[str, str | None]]:
    with pytest.raises(Refused) as refused:
        check_manual_value(unit, entry)
    assert refused.value.kind is Kind.INVALID
    return [(r.code, r.field) for r in refused.value.refusals]


@pytest.mark.parametrize(
    ("unit", "entry"),
    [
        ("count", ManualValue(2000, Decimal(0))),
        ("count", ManualValue(2100, Decimal(10) ** 12, "x" * 2000)),
        ("percent", ManualValue(2025, Decimal(100))),
    ],
)
def test_values_at_the_edges_are_taken(unit: str, entry: ManualValue) -> None:
    check_manual_value(unit, entry)


def test_each_rule_names_its_field() -> None:
    assert reasons("count", ManualValue(1999, Decimal(1))) == [("indicators.year_range", "year")]
    assert reasons("count", ManualValue(None, Decimal(1))) == [("indicators.year_range", "year")]
    assert reasons("count", ManualValue(2025, Decimal("-0.1"))) == [
        ("indicators.value_range", "value")
    ]
    assert reasons("count", ManualValue(2025, Decimal("Infinity"))) == [
        ("indicators.value_range", "value")
    ]
    assert reasons("count", ManualValue(2025, Decimal(10) ** 12 + 1)) == [
        ("indicators.value_range", "value")
    ]
    assert reasons("percent", ManualValue(2025, Decimal("100.5"))) == [
        ("indicators.percent_over_100", "value")
    ]
    assert reasons("count", ManualValue(2025, Decimal(1), "x" * 2001)) == [
        ("indicators.note_too_long", "note")
    ]


def test_every_broken_field_is_said_at_once() -> None:
    assert reasons("percent", ManualValue(None, None, "x" * 2001)) == [
        ("indicators.year_range", "year"),
        ("indicators.value_range", "value"),
        ("indicators.note_too_long", "note"),
    ]


def test_the_api_says_what_it_said_before_the_codes() -> None:
    with pytest.raises(Refused) as refused:
        check_manual_value("percent", ManualValue(2025, Decimal(101)))
    assert refused.value.first.english == "a percentage is at most 100"


def test_every_refusal_of_the_service_is_translated() -> None:
    codes = [code for code in WORDING if code.startswith("indicators.")]
    assert set(codes) == set(domain.REFUSALS)
    for code in codes:
        msgid = WORDING[code].page
        for lang in LANGUAGES:
            assert catalogs.translation(lang, msgid), (lang, code)


def test_the_page_says_each_field_in_the_readers_language() -> None:
    with pytest.raises(Refused) as refused:
        check_manual_value("count", ManualValue(None, None, "x" * 2001))
    said = explain(Speaker(catalogs, "uk"), refused.value.refusals)
    assert said.fields == {
        "year": "Введіть рік від 2000 до 2100",
        "value": "Введіть число не менше 0 (відсоток не більше 100)",
        "note": "Примітка може містити не більше 2000 символів",
    }
