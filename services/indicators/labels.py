"""What people read instead of codes: breakdown categories, units, statuses, expected kinds, money.

The projection keeps stable codes (`economic_migrant`, `email`, `no_data`, `minor_units`...); the
dashboard, the printable report and the CSV show each one through these msgids, translated in
locale/{pl,en,uk}/LC_MESSAGES/messages.po. tests/unit/indicators/test_translations.py fails
while a code of the event catalogue has no label here or a label has no translation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path

from babel.numbers import format_currency, get_decimal_symbol, get_group_symbol

from shared.web.i18n import KIT_LOCALE_DIR, Catalogs

catalogs = Catalogs([KIT_LOCALE_DIR, Path(__file__).parent / "locale"])


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention, so `pybabel extract` finds it
    """Mark a msgid for extraction; it is translated where it is shown."""
    return msgid


GROUPS = {
    "national_minority": N_("National minority"),
    "ethnic_minority": N_("Ethnic minority"),
    "economic_migrant": N_("Migrant (work, study, family)"),
    "forced_migrant": N_("Forced migrant (war, persecution)"),
    "none": N_("None of these backgrounds"),
    "undisclosed": N_("Preferred not to say"),
}
LANGUAGES = {
    "pl": N_("Polish"),
    "en": N_("English"),
    "uk": N_("Ukrainian"),
    "ru": N_("Russian"),
    "be": N_("Belarusian"),
}
CHANNELS = {
    "web": N_("Web form"),
    "email": N_("E-mail"),
    "live": N_("In person at a Bench edition"),
    "paper": N_("On paper"),
}
INCIDENT_CATEGORIES = {
    "hate_speech": N_("Hate speech"),
    "graffiti": N_("Graffiti"),
    "violence": N_("Violence"),
    "office_discrimination": N_("Discrimination by an office"),
    "other": N_("Other incidents"),
    "unspecified": N_("Not chosen by the reporter"),
}
# Kraków's districts by their own (Polish) names, the same in every language.
DISTRICTS = {
    "d01_stare_miasto": N_("I Stare Miasto"),
    "d02_grzegorzki": N_("II Grzegórzki"),
    "d03_pradnik_czerwony": N_("III Prądnik Czerwony"),
    "d04_pradnik_bialy": N_("IV Prądnik Biały"),
    "d05_krowodrza": N_("V Krowodrza"),
    "d06_bronowice": N_("VI Bronowice"),
    "d07_zwierzyniec": N_("VII Zwierzyniec"),
    "d08_debniki": N_("VIII Dębniki"),
    "d09_lagiewniki_borek_falecki": N_("IX Łagiewniki-Borek Fałęcki"),
    "d10_swoszowice": N_("X Swoszowice"),
    "d11_podgorze_duchackie": N_("XI Podgórze Duchackie"),
    "d12_biezanow_prokocim": N_("XII Bieżanów-Prokocim"),
    "d13_podgorze": N_("XIII Podgórze"),
    "d14_czyzyny": N_("XIV Czyżyny"),
    "d15_mistrzejowice": N_("XV Mistrzejowice"),
    "d16_bienczyce": N_("XVI Bieńczyce"),
    "d17_wzgorza_krzeslawickie": N_("XVII Wzgórza Krzesławickie"),
    "d18_nowa_huta": N_("XVIII Nowa Huta"),
    "unknown": N_("District not given"),
}
BREAKDOWNS = {
    "group": N_("By self-declared group"),
    "language": N_("By language"),
    "channel": N_("By channel"),
    "category": N_("By category"),
    "district": N_("By district"),
    "department": N_("Answered, by department (share on time)"),
}
CATEGORIES: Mapping[str, Mapping[str, str]] = {
    "group": GROUPS,
    "language": LANGUAGES,
    "channel": CHANNELS,
    "category": INCIDENT_CATEGORIES,
    "district": DISTRICTS,
}
UNITS = {
    "count": N_("number"),
    "percent": N_("percent"),
    "days": N_("days"),
    "minor_units": N_("amount of money, per currency"),
}
STATUSES = {
    "met": N_("met"),
    "on_track": N_("on track"),
    "behind": N_("behind"),
    "no_data": N_("no data"),
}
EXPECTED_KINDS = {
    "minimum": N_("at least"),
    "maximum": N_("at most"),
    "target": N_("target"),
}

Gettext = Callable[[str], str]


def category(gettext: Gettext, kind: str, key: str) -> str:
    """A breakdown cell's category in the reader's language (an unknown code as it is)."""
    msgid = CATEGORIES.get(kind, {}).get(key)
    return gettext(msgid) if msgid else key


def money(amounts: Mapping[str, int], lang: str) -> str:
    """Minor units per currency for people, e.g. "12 000,00 PLN · 5 300,00 EUR" in Polish."""
    shown = amounts or {"PLN": 0}
    return " · ".join(
        format_currency(
            Decimal(minor) / 100, currency, locale=lang, format="#,##0.00 ¤¤", currency_digits=True
        )
        for currency, minor in shown.items()
    )


def money_plain(amounts: Mapping[str, int]) -> str:
    """Per currency for the CSV (a point for decimals, like every number there): "12000.00 PLN"."""
    shown = amounts or {"PLN": 0}
    return " · ".join(f"{Decimal(minor) / 100:.2f} {currency}" for currency, minor in shown.items())


def fmt(value: Decimal | None) -> str:
    """A value for people (no exponent, no trailing zeros; "–" when there is none)."""
    if value is None:
        return "–"
    return (
        format(value.normalize(), "f")
        if value == value.to_integral_value()
        else format(value.quantize(Decimal("0.1")), "f")
    )


@functools.cache
def _symbols(lang: str) -> tuple[str, str]:
    """The decimal and grouping symbols of `lang` (CLDR, through Babel)."""
    return get_decimal_symbol(lang), get_group_symbol(lang)


def number(value: Decimal | int | None, lang: str) -> str:
    """A value as people of `lang` read it (the figures `fmt` gives, written the language's
    way): "4 000" and "9,4" in Polish and Ukrainian, "4,000" and "9.4" in English; "–" when
    there is none. The CSV keeps `fmt`'s plain digits.

    Babel's `format_decimal` gives the same, at 90 µs a call: a dashboard writes 500 figures,
    and it doubled the page's time. Only the symbols come from Babel (once per language)."""
    if value is None:
        return "–"
    text = fmt(Decimal(value))
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = digits.partition(".")
    fraction = fraction.rstrip("0")  # fmt rounds -0.04 to "-0.0": written "0"
    if not fraction and int(whole) == 0:
        sign = ""
    decimal, group = _symbols(lang)
    grouped = f"{int(whole):,}".replace(",", group)
    return f"{sign}{grouped}{decimal}{fraction}" if fraction else f"{sign}{grouped}"


def shown(unit: str, value: Decimal | None, amounts: Mapping[str, int], lang: str) -> str:
    """An indicator's value as the dashboard says it (live announcements too), in `lang`."""
    if unit == "minor_units":
        return money(amounts, lang)
    if value is None:
        return fmt(value)
    if unit == "percent":
        return f"{number(value, lang)}%"
    if unit == "days":
        return f"{number(value, lang)} {catalogs.gettext(lang, UNITS['days'])}"
    return number(value, lang)
