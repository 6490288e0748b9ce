"""Staff-entered text in the reader's language (shared/content.py) and its template macros."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar, Request, get
from litestar.testing import TestClient

from shared import content
from shared.web.templates import kit_pages


def test_the_readers_version_is_shown_where_there_is_one() -> None:
    shown = content.shown("Ławka", "pl", {"uk": "Лавка", "en": "Bench"}, "uk")
    assert shown == content.Shown("Лавка", "uk", True)


def test_the_original_is_shown_in_its_own_language_when_there_is_no_version() -> None:
    assert content.shown("Ławka", "pl", {"en": "Bench"}, "uk") == content.Shown(
        "Ławka", "pl", False
    )
    # The reader of the original's language gets the original, even beside a stray version.
    assert content.shown("Ławka", "pl", {"pl": "inne"}, "pl") == content.Shown("Ławka", "pl", False)
    # An empty or blank version counts as none.
    assert content.shown("Ławka", "pl", {"uk": "  "}, "uk").lang == "pl"
    assert content.shown("Ławka", None, None, "en") == content.Shown("Ławka", "pl", False)


def test_a_question_in_russian_shows_its_polish_translation_to_a_polish_reader() -> None:
    assert content.shown("Вопрос", "ru", {"pl": "Pytanie"}, "pl").text == "Pytanie"
    assert content.missing("ru", {"pl": "Pytanie"}) == ["en", "uk"]


def test_translations_are_read_from_the_form_without_the_originals_language() -> None:
    form = {"title": "Ławka", "title__en": " Bench ", "title__uk": "", "title__pl": "x"}
    assert content.from_form(form, "title", "pl") == ({"en": "Bench"}, None)
    assert content.from_form(form, "title", "uk") == ({"en": "Bench", "pl": "x"}, None)


def test_a_too_long_translation_is_refused_whole() -> None:
    form = {"title__en": "a" * 11, "title__uk": "ok"}
    assert content.from_form(form, "title", "pl", max_length=10) == ({}, content.TOO_LONG)


def test_stored_translations_prefill_the_form() -> None:
    assert content.form_values("venue", {"en": "Hall", "uk": ""}) == {"venue__en": "Hall"}
    with pytest.raises(TypeError):
        content.versions(["en", "Hall"])


async def test_no_provider_means_no_drafts_and_no_call() -> None:
    class Settings:
        translation_url = None

    assert not content.drafts_available(Settings())
    assert await content.drafts(Settings(), {"title": "Ławka"}, "pl") == {}


def _page(template: str, **context: object) -> str:
    source = kit_pages.environment.from_string(template)

    @get("/t")
    async def page(request: Request) -> str:  # type: ignore[type-arg]
        lang = request.query_params.get("lang", "pl")
        return source.render({**kit_pages.context_for(request, lang), "lang": lang, **context})

    with TestClient(Litestar([page])) as client:
        return client.get("/t", params={"lang": context.get("lang_", "uk")}).text


MACRO = '{% import "content.html" as content with context %}'


def test_an_untranslated_title_is_marked_with_its_language_and_a_visible_note() -> None:
    html = _page(MACRO + '{{ content.text("Sesja w Nowej Hucie", {"en": "Session"}, "pl") }}')
    assert '<span lang="pl">Sesja w Nowej Hucie</span>' in html
    assert 'class="content-note"' in html


def test_a_translated_title_needs_no_mark() -> None:
    html = _page(MACRO + '{{ content.text("Sesja", {"uk": "Сесія"}, "pl") }}')
    assert html.strip() == "Сесія"


def test_a_block_keeps_paragraphs_and_line_breaks_and_escapes_markup() -> None:
    html = _page(MACRO + "{{ content.block(text, None, 'pl') }}", text="Raz\ndwa\n\n<b>trzy</b>")
    assert re.search(r'<div class="content-block" lang="pl">', html)
    assert "<p>Raz<br>dwa</p>" in html
    assert "&lt;b&gt;trzy&lt;/b&gt;" in html


def test_the_staff_field_offers_a_field_per_other_language_and_marks_a_draft() -> None:
    html = _page(
        '{% import "forms.html" as forms with context %}'
        "{{ forms.translated('title', 'Title', values, {}, drafts={'title__uk': 'Сесія'}) }}",
        values={"title": "Sesja", "title__en": "Session"},
    )
    assert 'name="title__en"' in html and 'value="Session"' in html
    assert 'name="title__uk"' in html and 'value="Сесія"' in html and 'lang="uk"' in html
    assert 'name="title__pl"' not in html
    # The draft's field says it is a machine draft to check; the typed one does not.
    uk_field = html.split('name="title__uk"')[0].rsplit('<div class="field', 1)[1]
    en_field = html.split('name="title__en"')[0].rsplit('<div class="field', 1)[1]
    hint = re.compile(r'<p class="hint" id="title__(?:en|uk)-hint">([^<]+)</p>')
    uk_hint, en_hint = hint.search(uk_field), hint.search(en_field)
    assert uk_hint and en_hint and uk_hint.group(1) != en_hint.group(1)
