"""Language negotiation, plural forms and completeness of the kit's catalogs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from litestar import Response
from litestar.testing import RequestFactory

from shared.web.i18n import (
    DEFAULT_LANGUAGE,
    KIT_LOCALE_DIR,
    LANGUAGES,
    Catalogs,
    negotiate_language,
    remember_language,
    untranslated,
)

requests = RequestFactory()


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs([KIT_LOCALE_DIR])


def test_query_param_wins_over_cookie_and_browser() -> None:
    request = requests.get(
        "/", query_params={"lang": "uk"}, cookies="lang=en", headers={"Accept-Language": "en"}
    )
    assert negotiate_language(request) == "uk"


def test_cookie_wins_over_browser_language() -> None:
    request = requests.get("/", cookies="lang=en", headers={"Accept-Language": "uk"})
    assert negotiate_language(request) == "en"


def test_browser_language_is_used_by_quality_and_region() -> None:
    request = requests.get("/", headers={"Accept-Language": "de-DE, uk-UA;q=0.8, en;q=0.9"})
    assert negotiate_language(request) == "en"
    request = requests.get("/", headers={"Accept-Language": "uk_UA"})
    assert negotiate_language(request) == "uk"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {},
        {"headers": {"Accept-Language": "de, fr;q=0.5"}},
        {"query_params": {"lang": "xx"}, "cookies": "lang=ru"},
        {"headers": {"Accept-Language": "en;q=0"}},
    ],
)
def test_polish_when_nothing_supported_is_asked_for(request_kwargs: dict) -> None:
    assert negotiate_language(requests.get("/", **request_kwargs)) == DEFAULT_LANGUAGE == "pl"


def test_choosing_a_language_by_query_sets_the_cookie() -> None:
    response: Response[str] = Response("")
    remember_language(requests.get("/", query_params={"lang": "uk"}), response)
    cookie = next(c for c in response.cookies if c.key == "lang")
    assert cookie.value == "uk"


def test_no_cookie_without_an_explicit_choice() -> None:
    response: Response[str] = Response("")
    remember_language(requests.get("/", headers={"Accept-Language": "uk"}), response)
    assert not [c for c in response.cookies if c.key == "lang"]


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("pl", 1, "Możesz wpisać maksymalnie 1 znak."),
        ("pl", 3, "Możesz wpisać maksymalnie 3 znaki."),
        ("pl", 5, "Możesz wpisać maksymalnie 5 znaków."),
        ("pl", 12, "Możesz wpisać maksymalnie 12 znaków."),
        ("pl", 22, "Możesz wpisać maksymalnie 22 znaki."),
        ("uk", 1, "Можна ввести до 1 символу."),
        ("uk", 21, "Можна ввести до 21 символу."),
        ("uk", 4, "Можна ввести до 4 символів."),
        ("uk", 11, "Можна ввести до 11 символів."),
        ("en", 1, "You can enter up to 1 character."),
        ("en", 2000, "You can enter up to 2000 characters."),
    ],
)
def test_plural_forms_follow_each_language(
    catalogs: Catalogs, lang: str, n: int, expected: str
) -> None:
    text = catalogs.nformat(
        lang,
        "You can enter up to %(num)d character.",
        "You can enter up to %(num)d characters.",
        n,
    )
    assert text == expected


def test_every_kit_message_is_translated_in_polish_english_and_ukrainian(
    catalogs: Catalogs,
) -> None:
    assert catalogs.msgids(), "no catalogs were loaded"
    assert untranslated(catalogs) == []


def test_untranslated_lists_each_missing_language(tmp_path: Path) -> None:
    write_po(tmp_path, "pl", 'msgid "Hello"\nmsgstr "Cześć"\n')
    write_po(tmp_path, "en", 'msgid "Hello"\nmsgstr "Hello"\n')
    write_po(tmp_path, "uk", 'msgid "Hello"\nmsgstr ""\n')
    assert untranslated(Catalogs([tmp_path])) == [("uk", "Hello")]


def test_missing_translation_falls_back_to_the_english_msgid_and_logs_once(
    catalogs: Catalogs, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="shared.web.i18n"):
        assert catalogs.gettext("uk", "Nobody translated this") == "Nobody translated this"
        assert catalogs.gettext("uk", "Nobody translated this") == "Nobody translated this"
        assert catalogs.ngettext("pl", "%(num)d apple", "%(num)d apples", 5) == "%(num)d apples"
    assert len([r for r in caplog.records if "Nobody translated this" in r.getMessage()]) == 1


def test_service_catalog_is_merged_over_the_kit(tmp_path: Path, catalogs: Catalogs) -> None:
    for lang in LANGUAGES:
        write_po(
            tmp_path, lang, f'msgid "Language"\nmsgstr "{lang}!"\n\nmsgid "Bench"\nmsgstr "B"\n'
        )
    merged = Catalogs([KIT_LOCALE_DIR, tmp_path])
    assert merged.gettext("uk", "Language") == "uk!"
    assert merged.gettext("pl", "Bench") == "B"
    assert merged.gettext("pl", "Page not found") == catalogs.gettext("pl", "Page not found")


def test_format_fills_named_parameters(catalogs: Catalogs) -> None:
    assert catalogs.format("pl", "Error code: %(code)s", code=404) == "Kod błędu: 404"


def write_po(locale_dir: Path, lang: str, body: str) -> None:
    po_dir = locale_dir / lang / "LC_MESSAGES"
    po_dir.mkdir(parents=True, exist_ok=True)
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
    (po_dir / "messages.po").write_text(header + body, encoding="utf-8")
