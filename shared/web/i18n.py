"""Languages, message catalogs (gettext .po read at start) and language negotiation.

Msgids are English. A page is Polish unless the resident asks otherwise: by ``?lang=``
(remembered in a ``lang`` cookie), by that cookie, or by the browser's Accept-Language.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import negotiate_locale
from babel.messages.pofile import read_po
from litestar import Request, Response

log = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("pl", "en", "uk")
DEFAULT_LANGUAGE = "pl"
LANGUAGE_NAMES: dict[str, str] = {"pl": "Polski", "en": "English", "uk": "Українська"}
LANGUAGE_COOKIE = "lang"
LANGUAGE_QUERY_PARAM = "lang"
KIT_LOCALE_DIR = Path(__file__).parent / "locale"

# A year: the choice is a preference, not a session, and holds no personal data.
_COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass
class _LanguageCatalog:
    """Merged translations of one language plus its plural rule."""

    plural: Callable[[int], int]
    messages: dict[str, str | tuple[str, ...]] = field(default_factory=dict)


class Catalogs:
    """Translations of every language, merged from the kit's and the services' locale dirs."""

    def __init__(self, locale_dirs: Sequence[Path], languages: Sequence[str] = LANGUAGES) -> None:
        self.languages = tuple(languages)
        self._catalogs: dict[str, _LanguageCatalog] = {}
        # Missing translations are logged once per (lang, msgid), not on every render.
        self._reported_missing: set[tuple[str, str]] = set()
        for lang in self.languages:
            self._catalogs[lang] = self._load_language(lang, locale_dirs)

    @staticmethod
    def _load_language(lang: str, locale_dirs: Sequence[Path]) -> _LanguageCatalog:
        merged: _LanguageCatalog | None = None
        for locale_dir in locale_dirs:
            po_path = Path(locale_dir) / lang / "LC_MESSAGES" / "messages.po"
            if not po_path.is_file():
                continue
            with po_path.open("rb") as po_file:
                # locale= makes babel supply the CLDR plural rule (pl and uk have 3 forms)
                # even when a hand-written header forgets Plural-Forms.
                catalog = read_po(po_file, locale=lang)
            if merged is None:
                merged = _LanguageCatalog(plural=stdlib_gettext.c2py(catalog.plural_expr))
            for message in catalog:
                if not message.id or message.fuzzy:
                    continue
                key = str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id)
                translation: str | tuple[str, ...] = (
                    tuple(message.string)
                    if isinstance(message.string, (tuple, list))
                    else str(message.string or "")
                )
                # Later dirs (services) override earlier ones (the kit) for the same msgid.
                merged.messages[key] = translation
        if merged is None:
            merged = _LanguageCatalog(plural=_plural_rule_for(lang))
        return merged

    def msgids(self) -> set[str]:
        """Every msgid known in any language."""
        return {msgid for catalog in self._catalogs.values() for msgid in catalog.messages}

    def translation(self, lang: str, msgid: str) -> str | tuple[str, ...] | None:
        """The raw translation (a tuple of forms for plural messages), or None."""
        catalog = self._catalogs.get(lang)
        return None if catalog is None else catalog.messages.get(msgid)

    def gettext(self, lang: str, msgid: str) -> str:
        """Translate msgid into lang; the English msgid when there is no translation."""
        translated = self.translation(lang, msgid)
        if isinstance(translated, tuple):
            translated = translated[0] if translated else ""
        if not translated:
            self._report_missing(lang, msgid)
            return msgid
        return translated

    def ngettext(self, lang: str, singular: str, plural: str, n: int) -> str:
        """Translate a message with a count, choosing the form by lang's plural rule."""
        translated = self.translation(lang, singular)
        catalog = self._catalogs.get(lang)
        if isinstance(translated, tuple) and catalog is not None:
            index = catalog.plural(n)
            if index < len(translated) and translated[index]:
                return translated[index]
        self._report_missing(lang, singular)
        return singular if n == 1 else plural

    def format(self, lang: str, msgid: str, **params: Any) -> str:
        """Translate msgid and fill its ``%(name)s`` placeholders."""
        text = self.gettext(lang, msgid)
        return text % params if params else text

    def nformat(self, lang: str, singular: str, plural: str, n: int, **params: Any) -> str:
        """Translate a counted message and fill placeholders; ``%(num)d`` is the count."""
        return self.ngettext(lang, singular, plural, n) % {"num": n, **params}

    def _report_missing(self, lang: str, msgid: str) -> None:
        if (lang, msgid) not in self._reported_missing:
            self._reported_missing.add((lang, msgid))
            log.debug("no %s translation for %r; showing the msgid", lang, msgid)


def _plural_rule_for(lang: str) -> Callable[[int], int]:
    from babel.messages.catalog import Catalog

    return stdlib_gettext.c2py(Catalog(locale=lang).plural_expr)


def untranslated(catalogs: Catalogs) -> list[tuple[str, str]]:
    """Every (lang, msgid) without a complete, non-empty translation; empty when all is done."""
    missing: list[tuple[str, str]] = []
    for msgid in sorted(catalogs.msgids()):
        for lang in catalogs.languages:
            translated = catalogs.translation(lang, msgid)
            forms = translated if isinstance(translated, tuple) else (translated,)
            if not forms or not all(forms):
                missing.append((lang, msgid))
    return missing


def _parse_accept_language(header: str) -> list[str]:
    """Language tags of an Accept-Language header, best first (q=0 dropped)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            # Sort by quality, then keep the header's own order among equals.
            weighted.append((-quality, position, tag.replace("_", "-")))
    return [tag for _, _, tag in sorted(weighted)]


def language_from_query(request: Request[Any, Any, Any]) -> str | None:
    """The supported language asked for by ``?lang=``, if any."""
    asked = request.query_params.get(LANGUAGE_QUERY_PARAM)
    return asked if asked in LANGUAGES else None


def negotiate_language(request: Request[Any, Any, Any]) -> str:
    """``?lang=``, else the ``lang`` cookie, else Accept-Language, else Polish."""
    asked = language_from_query(request)
    if asked:
        return asked
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    header = request.headers.get("accept-language")
    if header:
        # aliases={} keeps babel from mapping e.g. "uk" to "uk_UA", which is not offered.
        best = negotiate_locale(_parse_accept_language(header), LANGUAGES, sep="-", aliases={})
        if best:
            return best
    return DEFAULT_LANGUAGE


def remember_language(request: Request[Any, Any, Any], response: Response[Any]) -> None:
    """Set the ``lang`` cookie when the request chose a language with ``?lang=``."""
    asked = language_from_query(request)
    if asked:
        response.set_cookie(
            LANGUAGE_COOKIE,
            asked,
            max_age=_COOKIE_MAX_AGE,
            path="/",
            samesite="lax",
            httponly=True,
        )


def available_languages() -> Iterable[tuple[str, str]]:
    """(code, name in its own language) for the switcher."""
    return ((code, LANGUAGE_NAMES[code]) for code in LANGUAGES)
