"""Every string of the dashboard exists in Polish, English and Ukrainian."""

from __future__ import annotations

from services.indicators.pages import catalogs
from shared.web.i18n import untranslated


def test_every_dashboard_string_is_translated() -> None:
    assert untranslated(catalogs) == []


def test_the_dashboard_speaks_polish_and_ukrainian() -> None:
    assert catalogs.gettext("pl", "Specific objective %(number)s") == "Cel szczegółowy %(number)s"
    assert catalogs.gettext("uk", "on track") == "за планом"
