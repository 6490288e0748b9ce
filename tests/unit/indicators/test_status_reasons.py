"""The status rule with its reason (issue 19): never behind on what is not yet due; behind only
below the pro-rated path, and then saying by how much."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from services.indicators import domain
from services.indicators.domain import WARSAW, AnswerCounts, assess

EARLY = datetime(2026, 1, 20, 12, tzinfo=WARSAW)
MIDYEAR = datetime(2026, 7, 2, 12, tzinfo=WARSAW)  # about half of 2026 gone
NEXT_YEAR = datetime(2027, 3, 1, tzinfo=WARSAW)


def test_an_answer_rate_with_nothing_overdue_is_not_behind_minutes_after_questions_arrive() -> None:
    found = assess(
        Decimal(50),
        Decimal(100),
        "target",
        year=2026,
        now=EARLY,
        cumulative=False,
        answers=AnswerCounts(received=10, answered=3, overdue=0),
    )
    assert found.status == "on_track"
    assert found.reason == domain.NOTHING_MISSED
    assert found.values == {"received": 10, "answered": 3, "overdue": 0, "waiting": 7}


def test_an_answer_rate_is_behind_once_a_question_is_past_its_due_date() -> None:
    found = assess(
        Decimal(90),
        Decimal(100),
        "target",
        year=2026,
        now=MIDYEAR,
        cumulative=False,
        answers=AnswerCounts(received=10, answered=9, overdue=1),
    )
    assert found.status == "behind"
    assert found.reason % found.values == (
        "9 of 10 questions answered; 1 past their due date unanswered; 0 not yet due."
    )


def test_every_question_answered_meets_the_target() -> None:
    found = assess(
        Decimal(100),
        Decimal(100),
        "target",
        year=2026,
        now=EARLY,
        cumulative=False,
        answers=AnswerCounts(received=4, answered=4, overdue=0),
    )
    assert (found.status, found.reason) == ("met", domain.ALL_ANSWERED)


def test_no_questions_is_no_data() -> None:
    found = assess(
        None, Decimal(100), "target", year=2026, now=EARLY, answers=AnswerCounts(0, 0, 0)
    )
    assert found.status == "no_data"
    assert found.reason % found.values == "No value for 2026 yet."


def test_a_count_early_in_the_year_below_its_target_is_on_its_path() -> None:
    found = assess(Decimal(1), Decimal(10), "minimum", year=2026, now=EARLY)
    assert found.status == "on_track"
    assert found.path is not None and found.path <= Decimal(1)


def test_a_count_below_the_pro_rated_path_is_behind_and_says_where_the_path_is() -> None:
    found = assess(Decimal(3), Decimal(10), "minimum", year=2026, now=MIDYEAR)
    assert found.status == "behind"
    assert found.path == Decimal("5.0")
    assert found.reason % {k: str(v) for k, v in found.values.items()} == (
        "3 so far, below the 5.0 the path to 10 reaches by now."
    )
    on_path = assess(Decimal(5), Decimal(10), "minimum", year=2026, now=MIDYEAR)
    assert on_path.status == "on_track" and on_path.reason == domain.ON_PATH


def test_a_finished_year_short_of_its_target_is_behind_and_one_that_reached_it_met() -> None:
    assert assess(Decimal(9), Decimal(10), "minimum", year=2026, now=NEXT_YEAR).reason == (
        domain.YEAR_ENDED_SHORT
    )
    assert assess(Decimal(10), Decimal(10), "minimum", year=2026, now=NEXT_YEAR).status == "met"


def test_a_maximum_is_behind_only_above_it() -> None:
    assert assess(Decimal(0), Decimal(0), "maximum", year=2026, now=MIDYEAR).status == "on_track"
    over = assess(Decimal(2), Decimal(0), "maximum", year=2026, now=MIDYEAR)
    assert (over.status, over.reason) == ("behind", domain.ABOVE_MAXIMUM)


def test_the_status_alone_is_the_assessment_s() -> None:
    for value in (None, Decimal(0), Decimal(4), Decimal(12)):
        assert domain.status(value, Decimal(10), "minimum", year=2026, now=MIDYEAR) == (
            assess(value, Decimal(10), "minimum", year=2026, now=MIDYEAR).status
        )
