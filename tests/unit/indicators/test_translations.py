"""Every string of the dashboard exists in Polish, English and Ukrainian."""

from __future__ import annotations

from babel.messages.extract import extract_from_file

from services.indicators import labels
from services.indicators.pages import catalogs
from shared.events import catalogue as ev
from shared.web.i18n import LANGUAGES, untranslated


def test_every_dashboard_string_is_translated() -> None:
    assert untranslated(catalogs) == []


def test_the_dashboard_speaks_polish_and_ukrainian() -> None:
    assert catalogs.gettext("pl", "Specific objective %(number)s") == "Cel szczegółowy %(number)s"
    assert catalogs.gettext("uk", "on track") == "за планом"


def test_every_code_people_can_see_has_a_translated_label() -> None:
    """Breakdown categories, units, statuses and kinds of expected value are words, never codes."""
    assert set(labels.GROUPS) == set(ev.GROUPS)
    assert set(labels.LANGUAGES) == set(ev.LANGUAGES)
    assert set(labels.CHANNELS) == set(ev.CHANNELS)
    assert set(labels.UNITS) == {"count", "percent", "days", "minor_units"}
    assert set(labels.STATUSES) == {"met", "on_track", "behind", "no_data"}
    found = [m for _, m, _, _ in extract_from_file("python", "services/indicators/labels.py")]
    assert len(found) >= 25
    for msgid in found:
        assert msgid in catalogs.msgids(), msgid
        for lang in LANGUAGES:
            assert catalogs.gettext(lang, msgid)
    assert labels.catalogs.gettext("pl", labels.GROUPS["economic_migrant"]) != "economic migrant"
    assert labels.money({"PLN": 1_200_000, "EUR": 530_000}, "pl") == (
        "12\xa0000,00 PLN · 5\xa0300,00 EUR"
    )
    assert labels.money_plain({"PLN": 1_200_000, "EUR": 530_000}) == "12000.00 PLN · 5300.00 EUR"
