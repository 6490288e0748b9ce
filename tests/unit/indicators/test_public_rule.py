"""The public side's small-cell rule (services/indicators/public.py): a row is withheld when it
shows, or lets one work out, a count of 1–4 residents; zeros and large counts are shown; counts
that are not of residents are shown as they are."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from services.indicators import domain, public, queries
from services.indicators.domain import WARSAW, AnswerCounts

NOW = datetime(2031, 7, 1, tzinfo=WARSAW)


def indicator(indicator_id: str, unit: str = "count") -> queries.Indicator:
    return queries.Indicator(
        id=indicator_id,
        position=1,
        objective=2,
        objective_names={"en": "o"},
        names={"en": indicator_id},
        unit=unit,
        source="events",
        base_value=None,
        base_year=None,
        expected_value=None,
        expected_kind=None,
        cumulative=True,
    )


def reading(
    indicator_id: str,
    value: int | None,
    *,
    unit: str = "count",
    groups: dict[str, int] | None = None,
    answers: AnswerCounts | None = None,
) -> queries.Reading:
    amount = None if value is None else Decimal(value)
    found = domain.assess(amount, None, None, year=2031, now=NOW, answers=answers)
    return queries.Reading(
        indicator(indicator_id, unit),
        2031,
        amount,
        found.status,
        breakdown={"group": groups} if groups is not None else {},
        assessment=found,
    )


def withheld(*readings: queries.Reading) -> dict[str, bool]:
    return {p.indicator.id: p.withheld for p in public.publish(list(readings))}


@pytest.mark.parametrize(
    ("count", "hidden"), [(0, False), (1, True), (4, True), (5, False), (120, False)]
)
def test_counts_of_residents_questions_and_nominations(count: int, hidden: bool) -> None:
    for indicator_id in sorted(public.RESIDENT_COUNTS):
        assert withheld(reading(indicator_id, count)) == {indicator_id: hidden}


def test_counts_that_are_not_of_residents_are_shown_even_when_small() -> None:
    found = withheld(
        reading("council.meeting_participants", 3),
        reading("council.meetings_held", 1),
        reading("grants.applications_submitted", 2),
        reading("services.trained_individuals", 4),
    )
    assert not any(found.values())


def test_a_withheld_row_publishes_neither_value_nor_status() -> None:
    (item,) = public.publish([reading("bench.questions_received", 3)])
    assert (item.value, item.status, item.amounts) == (None, public.WITHHELD, {})
    assert item.reading.value == 3  # the staff's reading is untouched


@pytest.mark.parametrize(
    ("answers", "hidden"),
    [
        (AnswerCounts(received=20, answered=20, overdue=0), False),
        (AnswerCounts(received=20, answered=10, overdue=5), False),  # 5 not yet due
        (AnswerCounts(received=20, answered=19, overdue=0), True),  # 1 not yet due
        (AnswerCounts(received=20, answered=10, overdue=2), True),  # 2 overdue
        (AnswerCounts(received=3, answered=3, overdue=0), True),
    ],
)
def test_the_answer_rate_is_withheld_when_its_reason_names_a_small_count(
    answers: AnswerCounts, hidden: bool
) -> None:
    rate = reading("bench.answer_rate", 50, unit="percent", answers=answers)
    assert withheld(rate)["bench.answer_rate"] is hidden


def test_the_median_follows_the_answered_questions() -> None:
    median = reading("bench.median_days_to_answer", 3, unit="days")
    assert withheld(median, reading("bench.questions_answered", 2))["bench.median_days_to_answer"]
    assert not withheld(median, reading("bench.questions_answered", 9))[
        "bench.median_days_to_answer"
    ]


@pytest.mark.parametrize(
    ("bench", "nominations", "hidden"),
    [
        ({"economic_migrant": 6, "none": 7, "undisclosed": 2}, {}, False),
        ({"economic_migrant": 3, "none": 7}, {"forced_migrant": 2}, False),  # 5 with a background
        ({"economic_migrant": 3, "none": 7}, {}, True),  # 3 with a background
        ({"economic_migrant": 9, "none": 2}, {"none": 1}, True),  # 3 declaring none
        ({"undisclosed": 3}, {}, False),  # nobody declared: no value, nothing to hide
        ({"national_minority": 2}, {"ethnic_minority": 1}, True),  # 3 declared in all
    ],
)
def test_the_background_share_is_withheld_when_any_group_behind_it_is_small(
    bench: dict[str, int], nominations: dict[str, int], hidden: bool
) -> None:
    share = reading("participation.foreign_participants_share", 10, unit="percent")
    found = withheld(
        share,
        reading("bench.questions_received", 50, groups=bench),
        reading("ambassadors.nominations_submitted", 50, groups=nominations),
    )
    assert found["participation.foreign_participants_share"] is hidden
