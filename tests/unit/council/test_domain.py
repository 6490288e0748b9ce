"""The Council's rules without servers: quorum, attendance, votes, monthly rhythm, approvals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.participation.council import domain
from services.participation.council.domain import WARSAW
from services.participation.council.pages import catalogs
from shared.refusals import Kind
from shared.web.i18n import untranslated


class _Said:
    """The domain's rules with each refusal as the API says it (its English), None for none."""

    def __getattr__(self, name: str) -> Any:
        rule = getattr(domain, name)

        def say(*args: Any) -> str | None:
            refused = rule(*args)
            return None if refused is None else str(refused)

        return say


said = _Said()


def test_a_refusal_of_a_rule_carries_its_code_kind_and_field() -> None:
    now = datetime(2026, 5, 10, 12, tzinfo=UTC)
    held = domain.meeting_can_be_recorded_held("held", now, now)
    assert held is not None and held.kind == Kind.CONFLICT
    assert held.code == "council.meeting.already_held"
    votes = domain.vote_problem(6, 3, 2, 10)
    assert votes is not None and votes.kind == Kind.INVALID and votes.field == "votes_for"
    assert votes.code == "council.vote.too_many" and votes.first.params == {
        "cast": 11,
        "present": 10,
    }
    full = domain.seat_free({"city": 1}, "city", 1)
    assert full is not None and full.code == "council.seat.full"


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
    assert said.vote_problem(5, 3, 2, 10) is None
    assert "11 votes" in (said.vote_problem(6, 3, 2, 10) or "")
    assert said.vote_problem(0, 0, 0, 10) == "no votes recorded"
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
    assert said.meeting_can_be_recorded_held("scheduled", now - timedelta(hours=1), now) is None
    assert said.meeting_can_be_recorded_held("scheduled", now, now) is None
    assert "counts once" in (said.meeting_can_be_recorded_held("held", now, now) or "")
    assert "cancelled" in (said.meeting_can_be_recorded_held("cancelled", now, now) or "")
    assert said.meeting_can_be_recorded_held("scheduled", now + timedelta(days=2), now)


def test_an_evening_meeting_cannot_be_recorded_held_that_morning() -> None:
    starts = datetime(2026, 5, 10, 18, tzinfo=WARSAW)
    morning = datetime(2026, 5, 10, 4, 30, tzinfo=WARSAW)
    reason = said.meeting_can_be_recorded_held("scheduled", starts, morning)
    assert reason and "18:00 on 2026-05-10" in reason and "before it has started" in reason
    assert said.meeting_can_be_recorded_held("scheduled", starts, starts) is None


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
    assert said.minutes_approval_problem("held", t, True, False, "held", later, True) is None
    assert "cannot change" in (
        said.minutes_approval_problem("held", t, True, True, "held", later, True) or ""
    )
    assert (
        said.minutes_approval_problem("held", t, False, False, "held", later, True)
        == "no minutes drafted yet"
    )
    assert "later" in (said.minutes_approval_problem("held", t, True, False, "held", t, True) or "")
    assert "quorum" in (
        said.minutes_approval_problem("held", t, True, False, "held", later, False) or ""
    )


def test_a_call_takes_applications_only_while_open() -> None:
    opens, closes = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    assert said.call_accepts_applications(opens, closes, opens + timedelta(days=1)) is None
    assert "opens" in (
        said.call_accepts_applications(opens, closes, opens - timedelta(days=1)) or ""
    )
    assert "closed" in (said.call_accepts_applications(opens, closes, closes) or "")
    assert said.seat_free({"association": 2}, "association", 1) is None
    assert said.seat_free({"association": 2}, "association", 2)


def test_every_council_page_string_is_translated_into_polish_english_and_ukrainian() -> None:
    assert untranslated(catalogs) == []


# --- Boundaries and exact wording (each kills mutants that survived `make mutation`) --------


def test_quorum_boundaries_of_share_floor_and_an_empty_council() -> None:
    assert domain.QuorumRule(percent=0, minimum=0).required(10) == 0
    assert domain.QuorumRule(percent=1, minimum=0).required(10) == 1  # more than 1 % of 10
    assert not domain.QuorumRule(percent=0, minimum=0).reached(0, 0), "no members, no quorum"
    assert domain.QuorumRule().reached(1, 1)


def test_call_and_seat_reasons_name_warsaw_time_and_the_category() -> None:
    opens, closes = datetime(2026, 1, 1, 12, tzinfo=UTC), datetime(2026, 2, 1, 12, tzinfo=UTC)
    assert said.call_accepts_applications(opens, closes, opens) is None
    assert (
        said.call_accepts_applications(opens, closes, opens - timedelta(seconds=1))
        == "the call opens at 2026-01-01 13:00 (Warsaw time)"
    )
    assert (
        said.call_accepts_applications(opens, closes, closes)
        == "the call closed at 2026-02-01 13:00 (Warsaw time)"
    )
    assert (
        said.seat_free({"association": 2}, "academia", 0)
        == "all 0 seats for academia are taken; replace a member instead"
    )


def test_a_guest_keeps_the_organisation_they_came_from() -> None:
    guest = domain.Attendee("Olena", "Fundacja Zustricz", uuid.uuid4())
    assert domain.classify_attendance([guest], set()).guests == (
        domain.Attendee("Olena", "Fundacja Zustricz", None),
    )


def test_monthly_meetings_run_over_the_new_year_in_the_first_ones_zone() -> None:
    first = datetime(2026, 11, 15, 18, tzinfo=WARSAW)
    starts = domain.monthly_starts(first, 15)
    assert [(s.year, s.month) for s in starts[1:4]] == [(2026, 12), (2027, 1), (2027, 2)]
    assert (starts[13].year, starts[13].month, starts[14].year, starts[14].month) == (
        2027,
        12,
        2028,
        1,
    )
    assert all(s.tzinfo is first.tzinfo and s.hour == 18 for s in starts)


def test_recording_a_meeting_held_goes_by_its_start_in_warsaw_time() -> None:
    starts = datetime(2026, 4, 1, 22, 30, tzinfo=UTC)  # 2 April, 00:30 in Kraków
    assert said.meeting_can_be_recorded_held(
        "scheduled", starts, datetime(2026, 4, 1, 22, 29, tzinfo=UTC)
    ) == (
        "the meeting starts at 00:30 on 2026-04-02 (Kraków time); "
        "it cannot be recorded as held before it has started"
    )
    # From its start on (the same instant included) it can be recorded.
    assert said.meeting_can_be_recorded_held("scheduled", starts, starts) is None
    assert (
        said.meeting_can_be_recorded_held("scheduled", starts, datetime(2026, 4, 1, 23, tzinfo=UTC))
        is None
    )
    assert (
        said.meeting_can_be_recorded_held("held", starts, starts)
        == "the meeting is already recorded as held; it counts once"
    )
    assert said.meeting_can_be_recorded_held("cancelled", starts, starts) == (
        "the meeting was cancelled"
    )


def test_each_minutes_refusal_says_why() -> None:
    t = datetime(2026, 5, 10, 15, tzinfo=UTC)
    later = t + timedelta(days=30)
    reasons = {
        (True, "held", "held", later, True): "the minutes are already approved and cannot change",
        (False, "scheduled", "held", later, True): "only a held meeting has minutes to approve",
        (False, "held", "scheduled", later, True): "the approving meeting is not recorded as held",
        (False, "held", "held", t, True): "minutes are approved at a later meeting",
        (False, "held", "held", later, False): "the approving meeting had no quorum",
    }
    for (approved, status, approving, when, quorum), reason in reasons.items():
        assert (
            said.minutes_approval_problem(status, t, True, approved, approving, when, quorum)
            == reason
        )
