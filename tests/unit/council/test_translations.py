"""Every Council page string exists in Polish, English and Ukrainian, including each message the
secretariat's pages and templates use (extracted the way pybabel does)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from services.participation.council.pages import catalogs
from shared.web.i18n import LANGUAGES, untranslated

COUNCIL = Path("services/participation/council")
SOURCES = [
    ("python", COUNCIL / "pages/staff.py"),
    *(("jinja2", p) for p in sorted((COUNCIL / "templates/council/staff").glob("*.html"))),
    ("jinja2", Path("shared/web/templates/partials/header.html")),
]


def test_every_council_string_is_translated_into_pl_en_and_uk() -> None:
    assert untranslated(catalogs) == []


@pytest.mark.parametrize(("method", "path"), SOURCES, ids=[str(p) for _, p in SOURCES])
def test_every_message_of_the_secretariat_pages_is_in_the_catalogs(method: str, path: Path) -> None:
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


def test_the_secretariat_reads_naturally_in_polish_and_ukrainian() -> None:
    message = (
        "Members in office today: %(members)s. A quorum today needs %(required)s members present."
    )
    assert catalogs.format("pl", message, members=7, required=4) == (
        "Członkowie pełniący dziś funkcję: 7. Kworum wymaga dziś obecności 4 członków."
    )
    assert catalogs.format("uk", "Guest %(number)s: full name", number=2) == (
        "Гість 2: ім'я та прізвище"
    )
