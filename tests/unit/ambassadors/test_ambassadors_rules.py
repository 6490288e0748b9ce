"""The competition's rules at their edges: the exact moment each deadline falls, each refusal's
code and parameters, each field message of a scorecard, and the rankings' keys one at a time.

Written against the mutants of `services/ambassadors/domain.py` that no test noticed
(docs/mutation.md): each example here decides something a slightly wrong rule would decide
differently.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from services.ambassadors import domain
from services.ambassadors import refusals as _codes  # noqa: F401 - registers the codes
from services.ambassadors.domain import Scorecard, Standing, rank
from shared.refusals import Reasons, Refusal

CLOSE = datetime(2026, 5, 31, 22, tzinfo=UTC)  # midnight in Kraków
TICK = timedelta(microseconds=1)
WEIGHTS = {"impact": 2.0, "engagement": 1.0}


def card(juror: str, nomination: str, score: float | None) -> Scorecard:
    """A scorecard with the same score on both criteria: its weighted total is that score."""
    return Scorecard(juror, nomination, None if score is None else dict.fromkeys(WEIGHTS, score))


def reference(i: int) -> str:
    return domain.format_reference(2026, 1, i)


# --- links sent by e-mail --------------------------------------------------------------------


def test_a_link_token_is_32_url_safe_characters_and_never_the_same_twice() -> None:
    tokens = {domain.new_token() for _ in range(64)}
    assert len(tokens) == 64
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", t) for t in tokens)  # 24 random bytes


def test_a_token_is_stored_as_its_sha256_and_matches_only_itself() -> None:
    assert domain.hash_token("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    stored = domain.hash_token("link-secret")
    assert domain.tokens_match("link-secret", stored) is True
    assert domain.tokens_match("Link-secret", stored) is False
    assert domain.tokens_match("link-secret", "link-secret") is False  # the hash, not the token
    assert domain.tokens_match("link-secret", None) is False  # withdrawn or already used


def test_addresses_are_compared_in_lower_case_without_blanks() -> None:
    assert domain.normalise_email("  Ala.Nowak@Example.PL \n") == "ala.nowak@example.pl"


# --- deadlines -------------------------------------------------------------------------------


def test_nominations_close_at_the_closing_moment_itself() -> None:
    assert domain.nominations_closed_reason(CLOSE, False, CLOSE - TICK) is None
    assert domain.nominations_closed_reason(CLOSE, False, CLOSE) == Reasons(
        (Refusal("ambassadors.reason.nominations_closed", {"closed_at": CLOSE}),)
    )
    assert "2026-06-01 00:00" in str(domain.nominations_closed_reason(CLOSE, False, CLOSE))


def test_published_results_close_nominations_even_before_the_closing_time() -> None:
    assert domain.nominations_closed_reason(CLOSE, True, CLOSE - timedelta(days=20)) == Reasons(
        (Refusal("ambassadors.reason.published"),)
    )


def test_results_publication_refusals_carry_their_moments() -> None:
    assert domain.results_publication_problem(CLOSE, None, CLOSE - TICK) == Reasons(
        (Refusal("ambassadors.reason.nominations_open", {"close_at": CLOSE}),)
    )
    published = CLOSE + timedelta(days=3)
    assert domain.results_publication_problem(CLOSE, published, CLOSE + timedelta(days=4)) == (
        Reasons((Refusal("ambassadors.reason.already_published", {"published_at": published}),))
    )
    # Already published refuses even while nominations would still be open.
    assert [
        r.code for r in domain.results_publication_problem(CLOSE, published, CLOSE - TICK) or ()
    ] == ["ambassadors.reason.already_published"]


def test_without_a_jury_deadline_jurors_have_30_days_after_nominations_close() -> None:
    assert domain.default_jury_deadline(CLOSE) == datetime(2026, 6, 30, 22, tzinfo=UTC)


def test_jurors_may_score_up_to_and_at_the_deadline_but_not_after() -> None:
    deadline = CLOSE + timedelta(days=30)
    assert domain.scoring_closed_reason(deadline, False, deadline) is None
    assert domain.scoring_closed_reason(deadline, False, deadline + TICK) == Reasons(
        (Refusal("ambassadors.reason.jury_deadline_passed", {"deadline": deadline}),)
    )
    assert domain.scoring_closed_reason(deadline, True, deadline - timedelta(days=1)) == Reasons(
        (Refusal("ambassadors.reason.published"),)
    )


def test_a_reminder_is_due_from_its_day_before_the_deadline_until_the_deadline() -> None:
    deadline = CLOSE + timedelta(days=30)
    three = deadline - timedelta(days=3)
    assert domain.reminder_due(deadline, three - TICK, 3) is False
    assert domain.reminder_due(deadline, three, 3) is True
    assert domain.reminder_due(deadline, deadline - TICK, 3) is True
    assert domain.reminder_due(deadline, deadline, 3) is False  # the deadline has passed
    assert domain.reminder_due(deadline, three, 1) is False  # not yet the last day's reminder
    assert domain.reminder_due(deadline, deadline - timedelta(days=1), 1) is True


# --- scorecards ------------------------------------------------------------------------------


def test_a_recusal_carries_no_scores() -> None:
    assert domain.scorecard_problems({"impact": 3}, ["impact"], recused=True) == {
        "scores": "leave scores empty when you declare a conflict of interest"
    }
    assert domain.scorecard_problems({}, ["impact"], recused=True) == {}


def test_a_scorecard_names_every_missing_criterion() -> None:
    assert domain.scorecard_problems({"impact": 3}, ["impact", "engagement", "reach"], False) == {
        "scores": "score every criterion; missing: engagement, reach"
    }


def test_a_scorecard_names_unknown_criteria_and_the_edition_s_own() -> None:
    problems = domain.scorecard_problems(
        {"impact": 3, "zeal": 4, "charm": 5}, ["impact", "engagement"], recused=False
    )
    # The unknown ones are named (sorted) and the criteria listed; that message is the one shown.
    assert problems == {
        "scores": "unknown criteria: charm, zeal; the criteria are impact, engagement",
    }


def test_every_score_is_between_0_and_10_inclusive() -> None:
    criteria = ["a", "b", "c", "d"]
    assert domain.scorecard_problems({"a": 0, "b": 10, "c": 5, "d": 1}, criteria, False) == {}
    assert domain.scorecard_problems({"a": -1, "b": 11, "c": 5, "d": 9}, criteria, False) == {
        "scores.a": "must be between 0 and 10",
        "scores.b": "must be between 0 and 10",
    }


# --- aggregation -----------------------------------------------------------------------------


def test_a_weighted_total_is_exact() -> None:
    total = domain.weighted_total({"impact": 1, "engagement": 0}, {"impact": 1, "engagement": 2})
    assert total == Fraction(1, 3) and isinstance(total, Fraction)
    # Weights that add up to exactly 1 are weights like any other.
    assert domain.weighted_total({"a": 6, "b": 9}, {"a": 0.5, "b": 0.5}) == Fraction(15, 2)


@pytest.mark.parametrize("weights", [{"a": 0, "b": 0}, {"a": 1, "b": -1}, {"a": 1, "b": -3}])
def test_weights_that_do_not_add_up_to_more_than_zero_are_refused(
    weights: dict[str, float],
) -> None:
    with pytest.raises(ValueError, match=r"^criteria weights must add up to more than zero$"):
        domain.weighted_total({"a": 5, "b": 5}, weights)


def test_z_scores_use_the_population_standard_deviation() -> None:
    assert domain.juror_z_scores({}) == {}
    # Mean 2, variance 1: the z-scores are the deviations themselves.
    assert domain.juror_z_scores({"a": Fraction(1), "b": Fraction(3)}) == {"a": -1.0, "b": 1.0}
    # Mean 1, deviations -1, -1, 2, variance 6/3 = 2.
    z = domain.juror_z_scores({"a": Fraction(0), "b": Fraction(0), "c": Fraction(3)})
    assert z == pytest.approx({"a": -(0.5**0.5), "b": -(0.5**0.5), "c": 2**0.5})
    assert domain.juror_z_scores({"a": Fraction(7), "b": Fraction(7)}) == {"a": 0.0, "b": 0.0}


def test_each_standing_carries_its_means_jurors_recusals_and_places() -> None:
    nominations = [("a", reference(1)), ("b", reference(2)), ("c", reference(3))]
    cards = [
        card("j1", "elsewhere", 10),  # another edition's nomination: ignored, the rest counted
        card("j1", "a", 6),
        card("j1", "b", 4),
        card("j2", "a", 9),
        card("j2", "b", 3),
        card("j3", "a", None),
        card("j4", "a", None),
        card("j3", "c", None),
    ]
    assert rank(nominations, WEIGHTS, cards) == [
        Standing("a", reference(1), 7.5, 1.0, 2, 2, 1, 1, False),
        Standing("b", reference(2), 3.5, -1.0, 2, 0, 2, 2, False),
        Standing("c", reference(3), None, None, 0, 1, 3, 3, False),
    ]


def test_the_weighted_mean_and_the_normalised_score_can_disagree() -> None:
    # Two jurors prefer b by a little, one prefers a by a lot: a has the higher mean (5.2 against
    # 5.0667), b the higher normalised score (+1/3 against -1/3). The means differ by less than
    # one point, and still decide the weighted-mean ranking.
    cards = [
        card("j1", "a", 5),
        card("j1", "b", 5.1),
        card("j2", "a", 5),
        card("j2", "b", 5.1),
        card("j3", "a", 5.6),
        card("j3", "b", 5),
    ]
    standings = rank([("a", reference(1)), ("b", reference(2))], WEIGHTS, cards)
    assert standings == [
        Standing("a", reference(1), 5.2, -0.3333, 3, 0, 1, 2, False),
        Standing("b", reference(2), 5.0667, 0.3333, 3, 0, 2, 1, False),
    ]


def test_equal_means_are_ordered_by_the_normalised_score() -> None:
    # Every mean is 5. j1 spreads a, b, c over 8, 2, 5 (z = +1.22, -1.22, 0); j2 prefers b to a.
    cards = [
        card("j1", "a", 8),
        card("j1", "b", 2),
        card("j1", "c", 5),
        card("j2", "a", 2),
        card("j2", "b", 8),
    ]
    standings = rank(
        [("b", reference(1)), ("a", reference(2)), ("c", reference(3))], WEIGHTS, cards
    )
    assert [(s.nomination_id, s.rank, s.normalised_rank, s.tied) for s in standings] == [
        ("a", 1, 1, False),
        ("c", 2, 2, False),
        ("b", 3, 3, False),
    ]
    assert [s.weighted_mean for s in standings] == [5.0, 5.0, 5.0]
    assert [s.normalised_score for s in standings] == [0.1124, 0.0, -0.1124]


def test_equal_means_and_scores_are_ordered_by_the_number_of_jurors() -> None:
    # One juror scored a, two scored b, all of them 5 (z = 0): b first in both rankings.
    cards = [card("j1", "a", 5), card("j2", "b", 5), card("j3", "b", 5)]
    standings = rank([("a", reference(1)), ("b", reference(2))], WEIGHTS, cards)
    assert standings == [
        Standing("b", reference(2), 5.0, 0.0, 2, 0, 1, 1, False),
        Standing("a", reference(1), 5.0, 0.0, 1, 0, 2, 2, False),
    ]


def test_a_difference_below_a_billionth_is_noise_and_does_not_decide_a_place() -> None:
    # a's mean is 4e-10 above b's and 5's, which counts as equal: the normalised score decides,
    # and b's (j2 set b apart from two others) is higher than a's.
    cards = [
        card("j1", "a", 5.0000000008),
        card("j1", "b", 5),
        card("j2", "a", 5),
        card("j2", "b", 5.0000000001),
        card("j2", "c", 5),
    ]
    standings = rank([(n, reference(i)) for i, n in enumerate("abc", 1)], WEIGHTS, cards)
    assert [s.nomination_id for s in standings] == ["b", "a", "c"]
    assert not any(s.tied for s in standings)


def test_only_scored_nominations_are_flagged_as_tied() -> None:
    nominations = [(n, reference(i)) for i, n in enumerate("abcd", 1)]
    standings = rank(nominations, WEIGHTS, [card("j1", "b", 4), card("j1", "d", 6)])
    # b and d differ; a and c, unscored, tie with each other but there is nothing to settle.
    assert [(s.nomination_id, s.tied) for s in standings] == [
        ("d", False),
        ("b", False),
        ("a", False),
        ("c", False),
    ]
