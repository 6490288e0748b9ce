"""The rules of an incident report, without I/O: categories, Kraków's districts, references,
when a report is overdue for triage, and which step may follow which."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from shared.krakow import KrakowNamedDistrict

WARSAW = ZoneInfo("Europe/Warsaw")

Category = Literal["hate_speech", "graffiti", "violence", "office_discrimination", "other"]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
# What the reporter chose when they chose nothing.
UNSPECIFIED = "unspecified"
ReportedCategory = Literal[
    "hate_speech", "graffiti", "violence", "office_discrimination", "other", "unspecified"
]
Police = Literal["yes", "no", "unsure"]
POLICE: tuple[str, ...] = Police.__args__  # type: ignore[attr-defined]
Severity = Literal["low", "medium", "high"]
SEVERITIES: tuple[str, ...] = Severity.__args__  # type: ignore[attr-defined]
ReferredTo = Literal["police", "ngo", "department"]
REFERRALS: tuple[str, ...] = ReferredTo.__args__  # type: ignore[attr-defined]
Status = Literal["received", "triaged", "referred"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]

# Kraków's 18 districts (dzielnice), by number; the key is what is stored and counted. The
# list is shared/krakow.py's (the event catalogue's KrakowDistrict adds NO_DISTRICT to it).
District = KrakowNamedDistrict
DISTRICTS: tuple[str, ...] = District.__args__  # type: ignore[attr-defined]
# Their own (Polish) names, shown in every language as the city writes them.
DISTRICT_NAMES: dict[str, str] = {
    "d01_stare_miasto": "I Stare Miasto",
    "d02_grzegorzki": "II Grzegórzki",
    "d03_pradnik_czerwony": "III Prądnik Czerwony",
    "d04_pradnik_bialy": "IV Prądnik Biały",
    "d05_krowodrza": "V Krowodrza",
    "d06_bronowice": "VI Bronowice",
    "d07_zwierzyniec": "VII Zwierzyniec",
    "d08_debniki": "VIII Dębniki",
    "d09_lagiewniki_borek_falecki": "IX Łagiewniki-Borek Fałęcki",
    "d10_swoszowice": "X Swoszowice",
    "d11_podgorze_duchackie": "XI Podgórze Duchackie",
    "d12_biezanow_prokocim": "XII Bieżanów-Prokocim",
    "d13_podgorze": "XIII Podgórze",
    "d14_czyzyny": "XIV Czyżyny",
    "d15_mistrzejowice": "XV Mistrzejowice",
    "d16_bienczyce": "XVI Bieńczyce",
    "d17_wzgorza_krzeslawickie": "XVII Wzgórza Krzesławickie",
    "d18_nowa_huta": "XVIII Nowa Huta",
}
# A report with no district chosen counts under this key.
NO_DISTRICT = "unknown"

# The form's languages: the kit's three and Russian and Belarusian (this form only).
FormLanguage = Literal["pl", "en", "uk", "ru", "be"]
FORM_LANGUAGES: tuple[str, ...] = FormLanguage.__args__  # type: ignore[attr-defined]

# A report waiting this long for triage is overdue; referred within it counts as on time.
RESPONSE_DAYS = 7
RESPONSE_TIME = timedelta(days=RESPONSE_DAYS)
MIN_WHAT = 10
MAX_WHAT = 5000
MAX_PLACE = 300
MAX_NOTE = 2000


def format_reference(number: int, reported_at: datetime) -> str:
    """`INC-2026-00042`: the year of the report (Warsaw) and a number that never repeats."""
    return f"INC-{reported_at.astimezone(WARSAW).year}-{number:05d}"


def occurred_in_future(on: date, at: time | None, now: datetime) -> bool:
    """True when the day (and time, when given) of the incident is after now in Warsaw."""
    local_now = now.astimezone(WARSAW)
    if on != local_now.date():
        return on > local_now.date()
    return at is not None and at > local_now.time().replace(tzinfo=None)


def too_old(on: date, now: datetime, years: int = 5) -> bool:
    """A date more than `years` years back is most likely a typing mistake."""
    return on.year < now.astimezone(WARSAW).year - years


def can_triage(status: str) -> bool:
    """A report is triaged once it was received; a triaged one may be triaged again before
    it is referred (the category or the severity corrected)."""
    return status in ("received", "triaged")


def can_refer(status: str) -> bool:
    """A report is referred after triage, once."""
    return status == "triaged"


def overdue(status: str, reported_at: datetime, now: datetime) -> bool:
    """Waiting for triage over `RESPONSE_DAYS` days."""
    return status == "received" and now - reported_at > RESPONSE_TIME


def referred_on_time(reported_at: datetime, referred_at: datetime | None) -> bool:
    """Triaged and referred within `RESPONSE_DAYS` days of the report (the indicator)."""
    return referred_at is not None and referred_at - reported_at <= RESPONSE_TIME


def district_key(district: str | None) -> str:
    """What an indicator counts a report's district as."""
    return district if district in DISTRICT_NAMES else NO_DISTRICT
