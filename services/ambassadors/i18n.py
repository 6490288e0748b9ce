"""The service's translations (pages and e-mails), merged over the web kit's."""

from __future__ import annotations

from pathlib import Path

from shared.web.i18n import KIT_LOCALE_DIR, LANGUAGES, Catalogs

LOCALE_DIR = Path(__file__).parent / "locale"
catalogs = Catalogs([KIT_LOCALE_DIR, LOCALE_DIR])


def mail_language(language: str) -> str:
    """E-mails go out in Polish, English or Ukrainian; other languages get English."""
    return language if language in LANGUAGES else "en"
