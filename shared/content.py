"""Texts staff type in one language, shown to residents in theirs.

Every staff-entered text that residents read (an edition's title, a call's description, a
criterion, a published question and its answer) keeps its original in its own column and the
other versions in a JSONB column `<field>_i18n` (`{"en": "...", "uk": "..."}`, never the
original's language). A page shows the reader's version where there is one; otherwise the
original, inside an element carrying its `lang` (a screen reader then reads Polish with a Polish
voice) and with a visible note saying it is not translated yet (`templates/content.html`).

Staff write translations on their forms (`forms.translated` in `forms.html`): fields
`<name>__en`, `<name>__uk` (and `<name>__pl` when the original is not Polish). A translation
provider is optional (`TRANSLATION_URL`, a LibreTranslate-compatible `POST /translate`): with it,
the form offers machine drafts that pre-fill empty fields, marked as drafts; nothing reaches the
public that a person did not save. Without it, everything works by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from shared.web.forms import N_

log = logging.getLogger("openkrakow.content")

# The languages content is translated into (the platform's page languages).
CONTENT_LANGUAGES = ("pl", "en", "uk")

# The note beside an untranslated original, by the original's language (translated per page).
UNTRANSLATED_NOTE = {
    "pl": N_("in Polish, not translated yet"),
    "en": N_("in English, not translated yet"),
    "uk": N_("in Ukrainian, not translated yet"),
    "ru": N_("in Russian, not translated yet"),
    "be": N_("in Belarusian, not translated yet"),
}
TRANSLATED_NOTE = {
    "pl": N_("translated from Polish"),
    "en": N_("translated from English"),
    "uk": N_("translated from Ukrainian"),
    "ru": N_("translated from Russian"),
    "be": N_("translated from Belarusian"),
}
LANGUAGE_NAMES = {
    "pl": N_("Polish"),
    "en": N_("English"),
    "uk": N_("Ukrainian"),
    "ru": N_("Russian"),
    "be": N_("Belarusian"),
}

TOO_LONG = N_("A translation can have at most %(limit)s characters")

DRAFT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Shown:
    """What a page shows of a text: the text, its language, and whether it is a translation."""

    text: str
    lang: str
    translated: bool


def versions(translations: Any) -> dict[str, str]:
    """The stored translations as a dict (a JSONB value, or None for none)."""
    if not translations:
        return {}
    if not isinstance(translations, Mapping):
        raise TypeError(f"translations must be a mapping, not {type(translations).__name__}")
    return {str(k): str(v) for k, v in translations.items() if v and str(v).strip()}


def shown(original: str | None, original_lang: str | None, translations: Any, lang: str) -> Shown:
    """The reader's version of a text where there is one, else the original."""
    source = original_lang or "pl"
    if lang != source:
        translated = versions(translations).get(lang)
        if translated:
            return Shown(translated, lang, True)
    return Shown(original or "", source, False)


def missing(original_lang: str, translations: Any) -> list[str]:
    """The content languages a text has no version in yet."""
    have = versions(translations)
    return [code for code in CONTENT_LANGUAGES if code != original_lang and code not in have]


def field_names(name: str, original_lang: str = "pl") -> list[str]:
    """The form fields holding a text's translations: `<name>__en`, `<name>__uk`, …"""
    return [f"{name}__{code}" for code in CONTENT_LANGUAGES if code != original_lang]


def from_form(
    form: Mapping[str, Any], name: str, original_lang: str = "pl", max_length: int = 5000
) -> tuple[dict[str, str], str | None]:
    """The translations typed for `name` (empty ones dropped), or a message (msgid) when one is
    too long; the limit goes in the message as `limit` (`gettext(msg, limit=max_length)`)."""
    found: dict[str, str] = {}
    for code in CONTENT_LANGUAGES:
        if code == original_lang:
            continue
        value = str(form.get(f"{name}__{code}", "") or "").strip()
        if not value:
            continue
        if len(value) > max_length:
            return {}, TOO_LONG
        found[code] = value
    return found, None


def form_values(name: str, translations: Any) -> dict[str, str]:
    """A stored text's translations as form values (`<name>__en` …), to pre-fill a form."""
    return {f"{name}__{code}": text for code, text in versions(translations).items()}


def drafts_available(settings: Any) -> bool:
    """True when a translation provider is configured (`TRANSLATION_URL`)."""
    return bool(getattr(settings, "translation_url", None))


async def drafts(
    settings: Any,
    originals: Mapping[str, str],
    original_lang: str,
    typed: Mapping[str, Any] | None = None,
    targets: Iterable[str] | None = None,
) -> dict[str, str]:
    """Machine drafts for the translation fields still empty: `{"<name>__en": draft, …}`.

    `originals` maps a field name to its original text; `typed` is what the form holds (a field
    with a value is never overwritten). Without a provider, or when it fails or is slow, the
    answer is `{}` (logged): staff then type the translation themselves.
    """
    url = getattr(settings, "translation_url", None)
    if not url:
        return {}
    typed = typed or {}
    wanted = [code for code in (targets or CONTENT_LANGUAGES) if code != original_lang]
    found: dict[str, str] = {}
    try:
        async with httpx.AsyncClient(timeout=DRAFT_TIMEOUT) as client:
            for name, text in originals.items():
                if not text or not text.strip():
                    continue
                for code in wanted:
                    field = f"{name}__{code}"
                    if str(typed.get(field, "") or "").strip():
                        continue
                    draft = await _translate(client, settings, text, original_lang, code)
                    if draft:
                        found[field] = draft
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        log.warning("translation provider failed: %s", exc.__class__.__name__)
        return found
    return found


async def _translate(
    client: httpx.AsyncClient, settings: Any, text: str, source: str, target: str
) -> str | None:
    body: dict[str, Any] = {"q": text, "source": source, "target": target, "format": "text"}
    key = getattr(settings, "translation_api_key", None)
    if key:
        body["api_key"] = key
    response = await client.post(f"{settings.translation_url.rstrip('/')}/translate", json=body)
    if response.status_code != 200:
        log.warning("translation provider answered %s", response.status_code)
        return None
    translated = response.json().get("translatedText")
    return translated.strip() if isinstance(translated, str) and translated.strip() else None
