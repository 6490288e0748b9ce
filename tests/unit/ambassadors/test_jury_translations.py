"""Every message of the jury's pages and every refusal's page text exists in Polish, English
and Ukrainian (extracted the way pybabel does)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from services.ambassadors.i18n import catalogs
from shared.web.i18n import LANGUAGES, untranslated

AMBASSADORS = Path("services/ambassadors")
SOURCES = [
    ("python", AMBASSADORS / "pages/jury.py"),
    ("python", AMBASSADORS / "refusals.py"),
    *(("jinja2", p) for p in sorted((AMBASSADORS / "templates/ambassadors/jury").glob("*.html"))),
    ("jinja2", Path("shared/web/templates/partials/header.html")),
]


def test_every_ambassadors_string_is_translated_into_pl_en_and_uk() -> None:
    assert untranslated(catalogs) == []


@pytest.mark.parametrize(("method", "path"), SOURCES, ids=[str(p) for _, p in SOURCES])
def test_every_message_of_the_jury_pages_is_in_the_catalogs(method: str, path: Path) -> None:
    method_name = "jinja2.ext:babel_extract" if method == "jinja2" else "python"
    options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
    found = [
        message if isinstance(message, str) else message[0]
        for _line, message, _comments, _context in extract_from_file(
            method_name, str(path), options=options
        )
    ]
    assert found, f"nothing extracted from {path}"
    missing = [m for m in found if m and m not in catalogs.msgids()]
    assert missing == []
    for lang in LANGUAGES:
        assert all(catalogs.gettext(lang, m) for m in found if m)


def test_the_jury_reads_naturally_in_polish_and_ukrainian() -> None:
    message = "Give “%(criterion)s” a whole number of points from %(min)s to %(max)s."
    assert catalogs.format("pl", message, criterion="Wpływ", min=0, max=10) == (
        "Przyznaj kryterium „Wpływ” liczbę punktów całkowitą od 0 do 10."
    )
    assert catalogs.format(
        "uk", "%(criterion)s (weight %(weight)s)", criterion="Вплив", weight=2
    ) == ("Вплив (вага 2)")
