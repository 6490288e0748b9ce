"""Indicator rules without servers: status, median, share, small cells, order independence."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.indicators import domain, projection
from shared.events import catalogue as ev
from shared.events import new_event


def test_median_days_from_a_histogram() -> None:
    assert domain.median_days({}) is None
    assert domain.median_days({2: 1, 4: 1, 10: 1}) == Decimal(4)
    assert domain.median_days({3: 1, 4: 1}) == Decimal("3.5")
    assert domain.median_days({1: 5, 30: 1}) == Decimal(1)


def test_share_counts_only_people_who_declared_a_group() -> None:
    assert domain.background_share({"undisclosed": 4}) is None
    assert domain.background_share({"forced_migrant": 1, "none": 1, "undisclosed": 10}) == Decimal(
        50
    )


def test_a_lone_small_cell_takes_the_next_smallest_with_it() -> None:
    assert domain.suppress_small_cells({"a": 6, "b": 2, "c": 9}) == {"a": None, "b": None, "c": 9}
    assert domain.suppress_small_cells({"a": 6, "b": 2, "c": 3}) == {"a": 6, "b": None, "c": None}
    assert domain.suppress_small_cells({"a": 6, "b": 0}) == {"a": 6, "b": 0}


def test_four_people_are_a_small_cell_and_five_are_not() -> None:
    """The privacy boundary itself: 4 is hidden, 5 is shown (SMALL_CELL is 5)."""
    assert domain.SMALL_CELL == 5
    assert domain.suppress_small_cells({"a": 5, "b": 5, "c": 7}) == {"a": 5, "b": 5, "c": 7}
    assert domain.suppress_small_cells({"a": 4, "b": 1, "c": 7}) == {"a": None, "b": None, "c": 7}
    # A lone cell of 4 is hidden, and takes the next smallest (5) with it.
    assert domain.suppress_small_cells({"a": 4, "b": 5, "c": 9}) == {"a": None, "b": None, "c": 9}


def test_a_cell_of_one_person_is_hidden_and_zeros_never_cover_for_it() -> None:
    assert domain.suppress_small_cells({"a": 1, "b": 7, "c": 9}) == {"a": None, "b": None, "c": 9}
    # The companion hidden with a lone small cell is a non-zero one: hiding a zero reveals nothing.
    assert domain.suppress_small_cells({"a": 2, "b": 0, "c": 9}) == {"a": None, "b": 0, "c": None}


def test_the_share_of_the_year_gone_is_counted_in_warsaw() -> None:
    warsaw = ZoneInfo("Europe/Warsaw")
    assert domain.year_fraction_elapsed(2030, datetime(2030, 1, 1, tzinfo=warsaw)) == 0.0
    assert domain.year_fraction_elapsed(2030, datetime(2030, 7, 2, 12, tzinfo=warsaw)) == 0.5
    assert domain.year_fraction_elapsed(2030, datetime(2031, 3, 1, tzinfo=UTC)) == 1.0
    assert domain.year_fraction_elapsed(2030, datetime(2029, 3, 1, tzinfo=UTC)) == 0.0
    # 23:30 UTC on New Year's Eve is already the new year in Kraków.
    assert domain.year_fraction_elapsed(2030, datetime(2029, 12, 31, 23, 30, tzinfo=UTC)) > 0


def test_status_at_its_boundaries() -> None:
    mid_year = datetime(2030, 7, 2, 12, tzinfo=ZoneInfo("Europe/Warsaw"))  # half the year gone
    # Observed with no expected value, or no kind: nothing to fall short of.
    assert domain.status(Decimal(1), Decimal(10), None, year=2030, now=mid_year) == "on_track"
    assert domain.status(Decimal(1), None, "minimum", year=2030, now=mid_year) == "on_track"
    # Exactly at a maximum is within it; exactly the pro-rata share is on track.
    assert domain.status(Decimal(30), Decimal(30), "maximum", year=2030, now=mid_year) == "on_track"
    assert domain.status(Decimal(5), Decimal(10), "minimum", year=2030, now=mid_year) == "on_track"


def test_rates_and_shares_in_percent_to_one_decimal() -> None:
    assert domain.answer_rate(0, 0) is None
    assert domain.answer_rate(1, 1) == Decimal("100.0")
    assert domain.answer_rate(3, 1) == Decimal("33.3")
    assert str(domain.answer_rate(3, 2)) == "66.7"
    assert domain.background_share({"none": 1}) == Decimal(0)
    assert domain.background_share({"forced_migrant": 2, "none": 2}) == Decimal(50)


def test_an_empty_cell_of_the_answer_time_histogram_counts_nobody() -> None:
    assert domain.median_days({2: 0, 4: 1, 6: 1}) == Decimal(5)


def test_status_against_minimum_target_and_maximum() -> None:
    mid_year = datetime(2030, 7, 2, tzinfo=UTC)
    assert domain.status(None, Decimal(10), "minimum", year=2030, now=mid_year) == "no_data"
    assert domain.status(Decimal(6), Decimal(10), "minimum", year=2030, now=mid_year) == "on_track"
    assert domain.status(Decimal(4), Decimal(10), "minimum", year=2030, now=mid_year) == "behind"
    assert domain.status(Decimal(6), Decimal(10), "minimum", year=2029, now=mid_year) == "behind"
    assert domain.status(Decimal(10), Decimal(10), "target", year=2030, now=mid_year) == "met"
    assert domain.status(Decimal(3), Decimal(30), "maximum", year=2030, now=mid_year) == "on_track"
    assert domain.status(Decimal(3), Decimal(30), "maximum", year=2029, now=mid_year) == "met"
    assert domain.status(Decimal(40), Decimal(30), "maximum", year=2030, now=mid_year) == "behind"
    assert (
        domain.status(
            Decimal(50), Decimal(100), "target", year=2030, now=mid_year, cumulative=False
        )
        == "behind"
    )


def test_a_question_answered_in_the_next_year_counts_in_the_year_of_receipt() -> None:
    received = datetime(2030, 12, 31, 23, 30, tzinfo=UTC)  # already 2031 in Kraków
    q = ev.BenchQuestionReceived(
        question_id=uuid.uuid4(),
        edition_id=uuid.uuid4(),
        channel="web",
        topic="other",
        language="pl",
        group="none",
        received_at=received,
        due_at=received + timedelta(days=30),
        has_email=False,
    )
    a = ev.BenchQuestionAnswered(
        question_id=q.question_id,
        edition_id=q.edition_id,
        language="pl",
        received_at=received,
        answered_at=received + timedelta(days=40),
    )
    data: dict = {}
    for payload in (q, a):
        data = projection.merge(data, new_event(payload, producer="t"))
    got = projection.contributions(data)
    assert got[projection.counter_key("bench.questions_received", 2031)] == 1
    assert got[projection.counter_key("bench.questions_answered", 2031)] == 1
    assert got[projection.counter_key("bench.median_days_to_answer", 2031, "days:40")] == 1


def test_any_order_of_a_questions_events_gives_the_same_counters() -> None:
    t = datetime(2030, 3, 1, tzinfo=UTC)
    qid = uuid.uuid4()
    events = [
        ev.BenchQuestionReceived(
            question_id=qid,
            edition_id=uuid.uuid4(),
            channel="email",
            topic="work",
            language="uk",
            group="forced_migrant",
            received_at=t,
            due_at=t + timedelta(days=30),
            has_email=True,
        ),
        ev.BenchQuestionAnsweredLive(question_id=qid, answered_at=t + timedelta(days=3)),
        ev.BenchQuestionAnswered(
            question_id=qid,
            edition_id=uuid.uuid4(),
            language="uk",
            received_at=t,
            answered_at=t + timedelta(days=9),
        ),
        ev.BenchQuestionModerated(
            question_id=qid, decision="rejected", moderated_at=t + timedelta(hours=1)
        ),
        ev.BenchQuestionModerated(
            question_id=qid, decision="accepted", moderated_at=t + timedelta(hours=2)
        ),
    ]
    envelopes = [new_event(p, producer="t") for p in events]
    results = set()
    for order in itertools.permutations(envelopes):
        data: dict = {}
        applied: dict[str, int] = {}
        for e in order:
            data = projection.merge(data, e)
            new = projection.contributions(data)
            for k, v in projection.difference(applied, new).items():
                applied[k] = applied.get(k, 0) + v
            applied = {k: v for k, v in applied.items() if v}
        assert applied == projection.contributions(data)
        results.add(tuple(sorted(applied.items())))
    assert len(results) == 1
    assert (
        dict(results.pop())[projection.counter_key("bench.median_days_to_answer", 2030, "days:3")]
        == 1
    )
