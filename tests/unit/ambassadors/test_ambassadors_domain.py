"""Aggregation and normalisation of jury scores: a story of harsh, lenient and recused jurors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.ambassadors import domain
from services.ambassadors import refusals as _codes  # noqa: F401 - registers the codes
from services.ambassadors.domain import (
    Scorecard,
    juror_z_scores,
    rank,
    scorecard_problems,
    weighted_total,
)
from services.ambassadors.i18n import catalogs
from shared.web.i18n import untranslated

WEIGHTS = {"impact": 2.0, "engagement": 1.0}
NOMINATIONS = [
    ("a", "AM-2026-1-0001"),
    ("b", "AM-2026-1-0002"),
    ("c", "AM-2026-1-0003"),
    ("d", "AM-2026-1-0004"),
]


def card(
    juror: str, nomination: str, impact: float | None, engagement: float | None = None
) -> Scorecard:
    scores = (
        None
        if impact is None
        else {"impact": impact, "engagement": impact if engagement is None else engagement}
    )
    return Scorecard(juror, nomination, scores)


def order(standings, key: str = "rank") -> list[str]:
    return [s.nomination_id for s in sorted(standings, key=lambda s: getattr(s, key))]


def test_weighted_total_uses_the_criteria_weights() -> None:
    assert weighted_total({"impact": 9, "engagement": 3}, WEIGHTS) == 7


def test_a_harsh_juror_does_not_tilt_the_normalised_ranking() -> None:
    # The harsh juror separates a and b by a wide margin; the lenient one prefers b slightly.
    cards = [
        card("harsh", "a", 6),
        card("harsh", "b", 1),
        card("harsh", "c", 0),
        card("lenient", "a", 9),
        card("lenient", "b", 10),
        card("lenient", "c", 8),
    ]
    standings = rank(NOMINATIONS[:3], WEIGHTS, cards)
    assert order(standings) == ["a", "b", "c"]
    assert [s.normalised_rank for s in sorted(standings, key=lambda s: s.nomination_id)] == [
        1,
        2,
        3,
    ]
    assert standings[0].weighted_mean == 7.5


def test_a_juror_without_variance_counts_as_average_for_each_nomination() -> None:
    assert juror_z_scores({"a": weighted_total({"impact": 5, "engagement": 5}, WEIGHTS)}) == {
        "a": 0.0
    }
    cards = [card("flat", "a", 7), card("flat", "b", 7), card("keen", "a", 9), card("keen", "b", 3)]
    standings = {s.nomination_id: s for s in rank(NOMINATIONS[:2], WEIGHTS, cards)}
    assert standings["a"].normalised_score == 0.5 and standings["b"].normalised_score == -0.5


def test_unscored_nominations_come_last_and_are_not_flagged_as_tied() -> None:
    standings = rank(NOMINATIONS[:2], WEIGHTS, [card("j", "b", 4)])
    assert order(standings) == ["b", "a"]
    assert standings[1].weighted_mean is None and not standings[1].tied


def test_an_exact_tie_is_flagged_for_the_jury_and_listed_by_reference() -> None:
    cards = [card("j1", "a", 8), card("j1", "b", 8), card("j2", "a", 4), card("j2", "b", 4)]
    standings = rank(NOMINATIONS[:2], WEIGHTS, cards)
    assert order(standings) == ["a", "b"] and all(s.tied for s in standings)


def test_a_scorecard_must_cover_exactly_the_criteria() -> None:
    assert "scores" in scorecard_problems({"impact": 3}, ["impact", "engagement"], recused=False)
    assert "scores" in scorecard_problems({"impact": 3}, [], recused=True)
    assert scorecard_problems({}, ["impact"], recused=True) == {}


score = st.integers(min_value=0, max_value=5)
jurors = st.lists(st.sampled_from(["j1", "j2", "j3", "j4"]), min_size=1, max_size=4, unique=True)


@st.composite
def scorecards(draw: st.DrawFn) -> list[Scorecard]:
    cards = []
    for juror in draw(jurors):
        for nomination, _ in NOMINATIONS:
            if draw(st.booleans()):
                cards.append(card(juror, nomination, draw(score), draw(score)))
    return cards


def places(standings) -> list[tuple]:
    return [
        (s.nomination_id, s.rank, s.normalised_rank, s.weighted_mean, s.normalised_score)
        for s in standings
    ]


@settings(max_examples=200, deadline=None)
@given(
    cards=scorecards(),
    recusals=st.lists(
        st.tuples(st.sampled_from(["j1", "j5", "j6"]), st.sampled_from([n for n, _ in NOMINATIONS]))
    ),
)
def test_a_recused_juror_never_affects_a_ranking(
    cards: list[Scorecard], recusals: list[tuple[str, str]]
) -> None:
    scored = {(c.juror_id, c.nomination_id) for c in cards}
    extra = [Scorecard(j, n, None) for j, n in set(recusals) if (j, n) not in scored]
    assert places(rank(NOMINATIONS, WEIGHTS, cards + extra)) == places(
        rank(NOMINATIONS, WEIGHTS, cards)
    )


@settings(max_examples=200, deadline=None)
@given(
    cards=scorecards(),
    shift=st.integers(min_value=1, max_value=5),
    juror=st.sampled_from(["j1", "j2", "j3", "j4"]),
)
def test_adding_a_constant_to_one_jurors_scores_keeps_the_normalised_ranking(
    cards: list[Scorecard], shift: int, juror: str
) -> None:
    shifted = [
        Scorecard(c.juror_id, c.nomination_id, {k: v + shift for k, v in c.scores.items()})
        if c.juror_id == juror and c.scores
        else c
        for c in cards
    ]
    before = sorted(rank(NOMINATIONS, WEIGHTS, cards), key=lambda s: s.normalised_rank)
    after = sorted(rank(NOMINATIONS, WEIGHTS, shifted), key=lambda s: s.normalised_rank)
    assert [(s.nomination_id, s.normalised_score) for s in after] == [
        (s.nomination_id, s.normalised_score) for s in before
    ]


def test_every_message_is_translated_into_polish_english_and_ukrainian() -> None:
    assert untranslated(catalogs) == []


def test_results_are_published_once_and_only_after_nominations_close() -> None:
    close = datetime(2026, 5, 31, 22, tzinfo=UTC)
    open_reason = domain.results_publication_problem(close, None, close - timedelta(seconds=1))
    assert open_reason and [r.code for r in open_reason] == ["ambassadors.reason.nominations_open"]
    assert "nominations are open until 2026-06-01 00:00 (Europe/Warsaw)" in str(open_reason)
    assert domain.results_publication_problem(close, None, close) is None
    again = domain.results_publication_problem(close, close, close + timedelta(days=1))
    assert again and [r.code for r in again] == ["ambassadors.reason.already_published"]
    assert "already published" in str(again)
