"""The incident reports' pure rules: references, dates in Warsaw, steps, overdue, districts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from services.incidents import domain
from services.incidents.commands.reports import check_triage, parse_when
from services.incidents.schemas import TriageIn
from shared.events import catalogue as ev
from shared.refusals import Refused

NOW = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January 2027 in Warsaw


def test_the_reference_carries_the_warsaw_year_and_a_padded_number() -> None:
    assert domain.format_reference(42, NOW) == "INC-2027-00042"
    assert domain.format_reference(123456, NOW - timedelta(hours=1)) == "INC-2026-123456"


def test_eighteen_districts_named_as_the_city_names_them_and_counted_by_key() -> None:
    assert len(domain.DISTRICTS) == 18 == len(domain.DISTRICT_NAMES)
    assert set(domain.DISTRICTS) | {"unknown"} == set(ev.KrakowDistrict.__args__)  # type: ignore[attr-defined]
    assert domain.DISTRICT_NAMES["d18_nowa_huta"] == "XVIII Nowa Huta"
    assert domain.district_key(None) == "unknown"
    assert domain.district_key("d05_krowodrza") == "d05_krowodrza"
    assert domain.district_key("elsewhere") == "unknown"
    assert set(domain.CATEGORIES) | {"unspecified"} == set(ev.IncidentCategory.__args__)  # type: ignore[attr-defined]


def test_a_date_is_in_the_future_by_warsaw_time() -> None:
    assert not domain.occurred_in_future(date(2027, 1, 1), None, NOW)
    assert not domain.occurred_in_future(date(2027, 1, 1), time(0, 29), NOW)
    assert domain.occurred_in_future(date(2027, 1, 1), time(0, 31), NOW)
    assert domain.occurred_in_future(date(2027, 1, 2), None, NOW)
    assert not domain.occurred_in_future(date(2026, 12, 31), time(23, 59), NOW)


def test_when_is_parsed_and_refused_naming_its_field() -> None:
    assert parse_when("2026-05-01", NOW) == (date(2026, 5, 1), None)
    assert parse_when("2026-05-01T18:30", NOW) == (date(2026, 5, 1), time(18, 30))
    for bad in ("2026-02-30", "2026-05-01T25:00", "2027-01-02", "2021-12-31"):
        with pytest.raises(Refused) as refused:
            parse_when(bad, NOW)
        assert refused.value.first.field == "when", bad
    assert parse_when("2022-01-01", NOW)[0] == date(2022, 1, 1)


def test_steps_follow_each_other() -> None:
    assert domain.can_triage("received") and domain.can_triage("triaged")
    assert not domain.can_triage("referred")
    assert domain.can_refer("triaged")
    assert not domain.can_refer("received") and not domain.can_refer("referred")


def test_overdue_after_seven_days_waiting_for_triage_only() -> None:
    seven = NOW - timedelta(days=7)
    assert not domain.overdue("received", seven, NOW)
    assert domain.overdue("received", seven - timedelta(seconds=1), NOW)
    assert not domain.overdue("triaged", seven - timedelta(days=30), NOW)
    assert domain.referred_on_time(seven, NOW)
    assert not domain.referred_on_time(seven - timedelta(seconds=1), NOW)
    assert not domain.referred_on_time(NOW, None)


def test_a_triage_names_both_a_referral_names_a_note() -> None:
    check_triage(TriageIn(category="graffiti", severity="low"))
    check_triage(TriageIn(refer_to="police", note="Komisariat IV"))
    check_triage(TriageIn(category="graffiti", severity="low", refer_to="ngo", note="x"))
    for bad, field in (
        (TriageIn(), "category"),
        (TriageIn(category="graffiti"), "severity"),
        (TriageIn(severity="high"), "category"),
        (TriageIn(refer_to="department", note="  "), "note"),
    ):
        with pytest.raises(Refused) as refused:
            check_triage(bad)
        assert refused.value.first.field == field
