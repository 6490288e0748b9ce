"""The service's translations: the staff pages' (pl/en/uk, merged over the kit's), and the
public form's own texts in five languages (`form_catalogs`: pl, en, uk, ru, be).

The kit's pages speak Polish, English and Ukrainian; the incident form alone is offered in
Russian and Belarusian too (its texts, its receipt and the mail to the reporter), marked with
their own `lang` inside the page, whose header and footer stay in the kit's language."""

from __future__ import annotations

from pathlib import Path

from services.incidents.domain import FORM_LANGUAGES
from shared.web.i18n import KIT_LOCALE_DIR, Catalogs

LOCALE_DIR = Path(__file__).parent / "locale"
catalogs = Catalogs([KIT_LOCALE_DIR, LOCALE_DIR])
form_catalogs = Catalogs([LOCALE_DIR], languages=FORM_LANGUAGES)

FORM_LANGUAGE_NAMES: dict[str, str] = {
    "pl": "Polski",
    "en": "English",
    "uk": "Українська",
    "ru": "Русский",
    "be": "Беларуская",
}


def form_language(asked: str | None, page_language: str) -> str:
    """The form's language: the one asked for when it is one of the five, else the page's."""
    return asked if asked in FORM_LANGUAGES else page_language
