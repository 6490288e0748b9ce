"""Each branch of `assess`, checked whole: the status, the reason's msgid, the values that fill
its placeholders (no more, no fewer) and the path. The dashboard and the API say the reason with
exactly these values, so a branch that dropped or renamed one would show a broken sentence."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.indicators import domain
from services.indicators.domain import WARSAW, AnswerCounts, Assessment, assess

# 2030 has 365 days: at noon on 2 July (Warsaw wall clock) exactly half of it is gone.
HALF_2030 = datetime(2030, 7, 2, 12, tzinfo=WARSAW)
AFTER_2030 = datetime(2031, 1, 1, tzinfo=WARSAW)  # the first moment of 2031: 2030 has ended
LAST_MOMENT_2030 = datetime(2030, 12, 31, 23, 59, 59, tzinfo=WARSAW)

D = Decimal


def figures(value: Decimal, expected: Decimal | None) -> dict[str, Decimal | int | None]:
    return {"value": value, "expected": expected}


def test_half_of_2030_is_gone_at_noon_on_the_second_of_july() -> None:
    assert domain.year_fraction_elapsed(2030, HALF_2030) == 0.5
    assert domain.year_fraction_elapsed(2030, AFTER_2030) == 1.0
    assert domain.year_fraction_elapsed(2030, LAST_MOMENT_2030) < 1.0


# --- The answer rate: judged by what is overdue, not by the share -----------------------------


def test_one_question_unanswered_and_not_yet_due_is_on_track() -> None:
    found = assess(
        D(0), D(100), "target", year=2030, now=HALF_2030, cumulative=False,
        answers=AnswerCounts(received=1, answered=0, overdue=0),
    )  # fmt: skip
    assert found == Assessment(
        "on_track",
        domain.NOTHING_MISSED,
        {"received": 1, "answered": 0, "overdue": 0, "waiting": 1},
    )
    assert found.path is None
    assert found.reason % found.values == (
        "0 of 1 questions answered; 1 not yet due, none overdue."
    )


def test_one_question_received_and_answered_is_met() -> None:
    found = assess(
        D(100), D(100), "target", year=2030, now=HALF_2030, cumulative=False,
        answers=AnswerCounts(received=1, answered=1, overdue=0),
    )  # fmt: skip
    assert found == Assessment(
        "met", domain.ALL_ANSWERED, {"received": 1, "answered": 1, "overdue": 0, "waiting": 0}
    )
    assert found.reason % found.values == "All 1 questions answered."


def test_one_overdue_question_is_behind_whatever_the_share() -> None:
    found = assess(
        D(100), D(90), "target", year=2030, now=HALF_2030, cumulative=False,
        answers=AnswerCounts(received=5, answered=2, overdue=1),
    )  # fmt: skip
    assert found == Assessment(
        "behind", domain.SOME_MISSED, {"received": 5, "answered": 2, "overdue": 1, "waiting": 2}
    )
    assert found.reason % found.values == (
        "2 of 5 questions answered; 1 past their due date unanswered; 2 not yet due."
    )


def test_no_questions_received_falls_to_the_value_itself() -> None:
    # with nothing received the counts say nothing: the value decides (here none: no data)
    none = assess(
        None, D(90), "target", year=2030, now=HALF_2030, cumulative=False,
        answers=AnswerCounts(received=0, answered=0, overdue=0),
    )  # fmt: skip
    assert none == Assessment("no_data", domain.NO_DATA, {"year": 2030})
    reached = assess(
        D(95), D(90), "target", year=2030, now=HALF_2030, cumulative=False,
        answers=AnswerCounts(received=0, answered=0, overdue=0),
    )  # fmt: skip
    assert reached == Assessment("met", domain.REACHED, figures(D(95), D(90)))


# --- No value, or nothing expected ---------------------------------------------------------------


def test_no_value_is_no_data_for_that_year() -> None:
    found = assess(None, D(10), "minimum", year=2031, now=HALF_2030)
    assert found == Assessment("no_data", domain.NO_DATA, {"year": 2031})
    assert found.reason % found.values == "No value for 2031 yet."


def test_a_value_with_no_expected_value_or_no_kind_is_observed() -> None:
    no_expected = assess(D(7), None, "minimum", year=2030, now=HALF_2030)
    assert no_expected == Assessment("on_track", domain.OBSERVED, figures(D(7), None))
    no_kind = assess(D(7), D(10), None, year=2030, now=AFTER_2030)
    assert no_kind == Assessment("on_track", domain.OBSERVED, figures(D(7), D(10)))
    assert no_kind.path is None


# --- A maximum ---------------------------------------------------------------------------------


def test_a_maximum_exceeded_is_behind_and_one_reached_exactly_is_not() -> None:
    over = assess(D(31), D(30), "maximum", year=2030, now=HALF_2030)
    assert over == Assessment("behind", domain.ABOVE_MAXIMUM, figures(D(31), D(30)))
    assert over.reason % over.values == "31 is above the maximum of 30."
    at = assess(D(30), D(30), "maximum", year=2030, now=HALF_2030)
    assert at == Assessment("on_track", domain.WITHIN_MAXIMUM, figures(D(30), D(30)))
    assert at.reason % at.values == "30 stays within the maximum of 30."


def test_a_maximum_kept_is_met_once_the_year_has_ended_and_not_a_second_before() -> None:
    ended = assess(D(3), D(30), "maximum", year=2030, now=AFTER_2030)
    assert ended == Assessment("met", domain.WITHIN_MAXIMUM, figures(D(3), D(30)))
    last = assess(D(3), D(30), "maximum", year=2030, now=LAST_MOMENT_2030)
    assert last == Assessment("on_track", domain.WITHIN_MAXIMUM, figures(D(3), D(30)))
    over = assess(D(31), D(30), "maximum", year=2030, now=AFTER_2030)
    assert over == Assessment("behind", domain.ABOVE_MAXIMUM, figures(D(31), D(30)))


# --- A minimum or a target -----------------------------------------------------------------------


def test_a_value_reaching_the_expected_one_exactly_is_met_at_any_time() -> None:
    for now in (datetime(2030, 1, 1, 0, 1, tzinfo=WARSAW), HALF_2030, AFTER_2030):
        for kind, cumulative in (("minimum", True), ("target", False)):
            found = assess(D(10), D(10), kind, year=2030, now=now, cumulative=cumulative)
            assert found == Assessment("met", domain.REACHED, figures(D(10), D(10)))
            assert found.reason % found.values == "10 reached the expected 10."


def test_a_finished_year_short_of_the_expected_value_is_behind_cumulative_or_not() -> None:
    for cumulative in (True, False):
        found = assess(D(9), D(10), "minimum", year=2030, now=AFTER_2030, cumulative=cumulative)
        assert found == Assessment("behind", domain.YEAR_ENDED_SHORT, figures(D(9), D(10)))
        assert found.path is None
        assert found.reason % found.values == "The year ended at 9, short of the expected 10."


def test_a_rate_below_its_target_is_behind_before_the_year_ends_without_a_path() -> None:
    found = assess(D(99), D(100), "target", year=2030, now=HALF_2030, cumulative=False)
    assert found == Assessment("behind", domain.BELOW_TARGET, figures(D(99), D(100)))
    assert found.path is None
    assert found.reason % found.values == "99 is below the target of 100."


def test_a_count_exactly_on_its_path_is_on_track_and_just_below_it_behind() -> None:
    on = assess(D(5), D(10), "minimum", year=2030, now=HALF_2030)  # cumulative by default
    path = {"path": D("5.0")}
    assert on == Assessment("on_track", domain.ON_PATH, {**figures(D(5), D(10)), **path}, D("5.0"))
    assert on.reason % on.values == "5 so far; by now the path to 10 stands at 5.0."
    below = assess(D("4.9"), D(10), "minimum", year=2030, now=HALF_2030)
    assert below == Assessment(
        "behind", domain.BELOW_PATH, {**figures(D("4.9"), D(10)), **path}, D("5.0")
    )
    assert below.reason % below.values == (
        "4.9 so far, below the 5.0 the path to 10 reaches by now."
    )


def test_the_path_is_the_expected_value_times_the_share_gone_to_one_decimal() -> None:
    found = assess(D(1), D(7), "minimum", year=2030, now=HALF_2030)
    assert (found.status, found.path, found.values["path"]) == ("behind", D("3.5"), D("3.5"))
    quarter = datetime(2030, 4, 2, 6, tzinfo=WARSAW)  # 91.25 of 365 days: a quarter
    assert domain.year_fraction_elapsed(2030, quarter) == 0.25
    # Shown to one decimal away from the value: on the path down (0.75 → 0.7), behind up
    # (1.25 → 1.3), so a sentence never says "1, below the 1.0".
    early = assess(D(1), D(3), "minimum", year=2030, now=quarter)
    assert early == Assessment(
        "on_track", domain.ON_PATH, {**figures(D(1), D(3)), "path": D("0.7")}, D("0.7")
    )
    short = assess(D(1), D(5), "minimum", year=2030, now=quarter)
    assert short == Assessment(
        "behind", domain.BELOW_PATH, {**figures(D(1), D(5)), "path": D("1.3")}, D("1.3")
    )


def test_a_year_not_yet_begun_puts_the_path_at_zero() -> None:
    found = assess(D(0), D(10), "minimum", year=2031, now=HALF_2030)
    assert found == Assessment(
        "on_track", domain.ON_PATH, {**figures(D(0), D(10)), "path": D("0.0")}, D("0.0")
    )


# --- Without a clock given, the current moment ---------------------------------------------------


def test_without_a_moment_the_current_one_is_used() -> None:
    this_year = datetime.now(UTC).astimezone(WARSAW).year
    assert domain.current_year() == this_year
    # a year long past has ended, a year far ahead has not begun
    assert assess(D(3), D(30), "maximum", year=2000) == Assessment(
        "met", domain.WITHIN_MAXIMUM, figures(D(3), D(30))
    )
    assert assess(D(9), D(10), "minimum", year=2000) == Assessment(
        "behind", domain.YEAR_ENDED_SHORT, figures(D(9), D(10))
    )
    assert assess(D(0), D(10), "minimum", year=2999) == Assessment(
        "on_track", domain.ON_PATH, {**figures(D(0), D(10)), "path": D("0.0")}, D("0.0")
    )


def test_a_moment_given_is_the_one_used() -> None:
    # a clock far from today: with the current moment instead the year would not have ended
    assert assess(D(3), D(30), "maximum", year=2098, now=datetime(2099, 1, 1, tzinfo=UTC)) == (
        Assessment("met", domain.WITHIN_MAXIMUM, figures(D(3), D(30)))
    )


@pytest.fixture
def machine_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone: Kraków's day must not depend on the machine's."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def test_today_is_the_day_in_krakow_whatever_the_machine_s_zone(
    machine_zone: Callable[[str], None],
) -> None:
    # UTC+14 and UTC-11: at any moment the date in at least one of them differs from Kraków's
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"):
        machine_zone(zone)
        before = datetime.now(UTC).astimezone(WARSAW)
        today = domain.today_warsaw()
        after = datetime.now(UTC).astimezone(WARSAW)
        assert today in {before.date(), after.date()}
        assert domain.current_year() in {before.year, after.year}
