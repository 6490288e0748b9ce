"""The Council's rules without servers: quorum, attendance, votes, monthly rhythm, approvals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.participation.council import domain
from services.participation.council.domain import WARSAW
from services.participation.council.pages import catalogs
from shared.web.i18n import untranslated


def test_default_quorum_is_more_than_half_of_members_in_office() -> None:
    rule = domain.QuorumRule()
    assert rule.required(30) == 16 and rule.required(29) == 15 and rule.required(1) == 1
    assert rule.reached(16, 30) and not rule.reached(15, 30)
    assert not rule.reached(0, 0)


def test_quorum_is_configurable_with_a_share_and_a_floor() -> None:
    assert domain.QuorumRule(percent=66, minimum=1).required(30) == 20
    assert domain.QuorumRule(percent=0, minimum=5).required(30) == 5
    assert domain.QuorumRule(percent=50, minimum=10).required(12) == 10


def test_attendance_of_a_non_member_counts_as_a_guest() -> None:
    member, former = uuid.uuid4(), uuid.uuid4()
    people = [
        domain.Attendee("Maria", "Urząd Miasta", member),
        domain.Attendee("Piotr", None, former),
        domain.Attendee("Iryna", "Fundacja", None),
    ]
    attendance = domain.classify_attendance(people, {member})
    assert [a.name for a in attendance.members] == ["Maria"]
    assert [(a.name, a.member_id) for a in attendance.guests] == [("Piotr", None), ("Iryna", None)]
    assert attendance.participants == 3


def test_a_member_listed_twice_is_found() -> None:
    member = uuid.uuid4()
    people = [
        domain.Attendee("A", None, member),
        domain.Attendee("B", None, None),
        domain.Attendee("A", None, member),
    ]
    assert domain.duplicate_members(people) == [2]


def test_votes_cannot_exceed_members_present_and_need_a_majority_to_pass() -> None:
    assert domain.vote_problem(5, 3, 2, 10) is None
    assert "11 votes" in (domain.vote_problem(6, 3, 2, 10) or "")
    assert domain.vote_problem(0, 0, 0, 10) == "no votes recorded"
    assert domain.adopted(5, 4) and not domain.adopted(4, 4)


def test_monthly_meetings_keep_warsaw_time_and_clamp_to_month_end() -> None:
    first = datetime(2031, 1, 31, 16, 0, tzinfo=UTC)  # 17:00 in Warsaw (winter)
    starts = domain.monthly_starts(first, 4)
    local = [s.astimezone(domain.WARSAW) for s in starts]
    assert [d.date().isoformat() for d in local] == [
        "2031-01-31",
        "2031-02-28",
        "2031-03-31",
        "2031-04-30",
    ]
    assert {d.hour for d in local} == {17}


def test_a_meeting_is_recorded_held_once_and_not_before_its_start() -> None:
    now = datetime(2026, 5, 10, 12, tzinfo=UTC)
    assert domain.meeting_can_be_recorded_held("scheduled", now - timedelta(hours=1), now) is None
    assert domain.meeting_can_be_recorded_held("scheduled", now, now) is None
    assert "counts once" in (domain.meeting_can_be_recorded_held("held", now, now) or "")
    assert "cancelled" in (domain.meeting_can_be_recorded_held("cancelled", now, now) or "")
    assert domain.meeting_can_be_recorded_held("scheduled", now + timedelta(days=2), now)


def test_an_evening_meeting_cannot_be_recorded_held_that_morning() -> None:
    starts = datetime(2026, 5, 10, 18, tzinfo=WARSAW)
    morning = datetime(2026, 5, 10, 4, 30, tzinfo=WARSAW)
    reason = domain.meeting_can_be_recorded_held("scheduled", starts, morning)
    assert reason and "18:00 on 2026-05-10" in reason and "before it has started" in reason
    assert domain.meeting_can_be_recorded_held("scheduled", starts, starts) is None


def test_meetings_are_past_by_state_then_by_time() -> None:
    now = datetime(2026, 5, 10, 4, 30, tzinfo=WARSAW)
    evening = datetime(2026, 5, 10, 18, tzinfo=WARSAW)
    assert domain.meeting_is_past("held", evening, now)  # held: never "upcoming"
    assert not domain.meeting_is_past("scheduled", evening, now)
    assert not domain.meeting_is_past("cancelled", evening, now)
    assert domain.meeting_is_past("scheduled", now - timedelta(minutes=1), now)
    assert domain.meeting_is_past("cancelled", now - timedelta(days=1), now)


def test_minutes_are_approved_once_at_a_later_quorate_meeting() -> None:
    t = datetime(2026, 5, 10, 15, tzinfo=UTC)
    later = t + timedelta(days=30)
    assert domain.minutes_approval_problem("held", t, True, False, "held", later, True) is None
    assert "cannot change" in (
        domain.minutes_approval_problem("held", t, True, True, "held", later, True) or ""
    )
    assert (
        domain.minutes_approval_problem("held", t, False, False, "held", later, True)
        == "no minutes drafted yet"
    )
    assert "later" in (
        domain.minutes_approval_problem("held", t, True, False, "held", t, True) or ""
    )
    assert "quorum" in (
        domain.minutes_approval_problem("held", t, True, False, "held", later, False) or ""
    )


def test_a_call_takes_applications_only_while_open() -> None:
    opens, closes = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    assert domain.call_accepts_applications(opens, closes, opens + timedelta(days=1)) is None
    assert "opens" in (
        domain.call_accepts_applications(opens, closes, opens - timedelta(days=1)) or ""
    )
    assert "closed" in (domain.call_accepts_applications(opens, closes, closes) or "")
    assert domain.seat_free({"association": 2}, "association", 1) is None
    assert domain.seat_free({"association": 2}, "association", 2)


def test_every_council_page_string_is_translated_into_polish_english_and_ukrainian() -> None:
    assert untranslated(catalogs) == []
