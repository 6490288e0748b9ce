"""Rules of the small grants, without servers: identifiers, scores, ranking, allocation, assignment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from services.grants import domain
from services.grants.refusals import Amount, Refusal

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_a_nip_with_a_good_check_digit_is_accepted_with_dashes_or_spaces() -> None:
    assert domain.nip_problem("526-000-12-46") is None
    assert domain.nip_problem("PL 5260001246") is None


def said(refusal: Refusal | None) -> tuple[str | None, str, str] | None:
    """(field, code, English API text) of a rule's refusal."""
    return None if refusal is None else (refusal.field, refusal.code, refusal.english)


def test_a_nip_with_a_wrong_check_digit_or_length_is_refused() -> None:
    assert said(domain.nip_problem("5260001247")) == (
        "nip",
        "organisation.nip_check_digit",
        "the check digit does not match: please check the number",
    )
    assert said(domain.nip_problem("12345")) == (
        "nip",
        "organisation.nip_digits",
        "must be 10 digits",
    )


def test_krs_is_exactly_ten_digits() -> None:
    assert domain.krs_problem("0000123456") is None
    assert said(domain.krs_problem("123456789")) == (
        "krs",
        "organisation.krs_digits",
        "must be exactly 10 digits",
    )


def test_a_budget_that_does_not_add_up_names_the_difference() -> None:
    short = domain.budget_problem(300_000, [200_000, 50_000], 300_000, "EUR")
    assert said(short) == (
        "budget_lines",
        "application.budget_under_requested",
        "add up to 250000, which is 50000 less than the requested 300000",
    )
    assert short is not None and short.params["difference"] == Amount(50_000, "EUR")
    assert said(domain.budget_problem(310_000, [200_000, 120_000], 300_000, "EUR")) == (
        "requested",
        "application.requested_over_maximum",
        "is 10000 over the maximum per grant of 300000",
    )
    assert said(domain.budget_problem(300_000, [200_000, 120_000], 300_000, "EUR")) == (
        "budget_lines",
        "application.budget_over_requested",
        "add up to 320000, which is 20000 more than the requested 300000",
    )
    assert domain.budget_problem(300_000, [100_000, 200_000], 300_000, "EUR") is None


def test_late_submission_names_the_deadline_in_warsaw_time() -> None:
    closes = datetime(2026, 3, 31, 21, 59, tzinfo=UTC)
    late = domain.submission_problem(T0, closes, closes)
    assert late is not None and late.code == "application.submissions_closed"
    assert late.english == "the deadline for submissions was 2026-03-31 23:59 (Europe/Warsaw)"
    assert domain.submission_problem(T0, closes, closes - timedelta(seconds=1)) is None


CRITERIA = [
    domain.Criterion("relevance", Fraction(2), 10),
    domain.Criterion("budget", Fraction(1), 5),
]


def test_an_evaluation_is_the_criteria_weighted_share_of_the_maximum() -> None:
    assert domain.evaluation_score(CRITERIA, {"relevance": 10, "budget": 5}) == 100
    assert domain.evaluation_score(CRITERIA, {"relevance": 5, "budget": 0}) == Fraction(100, 3)


def test_the_application_score_is_the_mean_over_its_evaluators() -> None:
    assert domain.application_score([Fraction(80), Fraction(60)]) == 70
    assert domain.application_score([]) is None


def test_scores_outside_the_maximum_or_missing_are_named() -> None:
    assert said(domain.scores_problem(CRITERIA, {"relevance": 11, "budget": 1})) == (
        "scores.relevance",
        "evaluation.points_out_of_range",
        "must be between 0 and 10",
    )
    assert said(domain.scores_problem(CRITERIA, {"relevance": 1})) == (
        "scores.budget",
        "evaluation.criterion_missing",
        "is missing: score every criterion",
    )
    unknown = domain.scores_problem(CRITERIA, {"relevance": 1, "budget": 1, "x": 1})
    assert unknown is not None and unknown.field == "scores.x"


def test_every_score_problem_is_listed_for_the_form() -> None:
    problems = domain.scores_problems(CRITERIA, {"relevance": -1})
    assert [(p.field, p.code) for p in problems] == [
        ("scores.relevance", "evaluation.points_out_of_range"),
        ("scores.budget", "evaluation.criterion_missing"),
    ]
    assert domain.scores_problems(CRITERIA, {"relevance": 0, "budget": 5}) == []


def candidate(score: int, requested: int, minutes: int = 0) -> domain.Candidate:
    return domain.Candidate(
        uuid.uuid4(), Fraction(score), requested, T0 + timedelta(minutes=minutes)
    )


def test_ties_go_to_the_smaller_request_then_the_earlier_submission() -> None:
    big, small, early, late = (
        candidate(70, 300),
        candidate(70, 100, 5),
        candidate(70, 100, 1),
        candidate(90, 300, 9),
    )
    assert domain.rank([big, small, early, late]) == [late, early, small, big]


def test_partial_funding_cuts_the_last_award_to_what_remains_only_when_allowed() -> None:
    ranked = domain.rank([candidate(90, 300), candidate(80, 300), candidate(70, 300)])
    assert [w.amount for w in domain.allocate(ranked, 700, 300, partial=True)] == [300, 300, 100]
    assert [w.amount for w in domain.allocate(ranked, 700, 300, partial=False)] == [300, 300]


def test_a_request_that_fits_the_remaining_budget_exactly_is_funded_in_full() -> None:
    ranked = domain.rank([candidate(90, 300), candidate(80, 400), candidate(70, 100)])
    # 300 + 400 spend the budget of 700 to the last unit: the second is funded, not skipped.
    for partial in (False, True):
        awards = domain.allocate(ranked, 700, 400, partial=partial)
        assert [(w.application_id, w.amount, w.rank) for w in awards] == [
            (ranked[0].application_id, 300, 1),
            (ranked[1].application_id, 400, 2),
        ]
    # A single request equal to the whole budget.
    (alone,) = domain.allocate(ranked[1:2], 400, 400, partial=False)
    assert alone.amount == 400


candidates = st.lists(
    st.builds(candidate, st.integers(0, 100), st.integers(1, 5_000), st.integers(0, 1000)),
    max_size=30,
)


@given(candidates, st.integers(0, 20_000), st.integers(1, 5_000), st.booleans())
def test_allocation_stays_within_budget_and_per_grant_maximum(
    cs, budget, max_per_grant, partial
) -> None:
    awards = domain.allocate(domain.rank(cs), budget, max_per_grant, partial=partial)
    assert sum(w.amount for w in awards) <= budget
    assert all(0 < w.amount <= max_per_grant for w in awards)
    requested = {c.application_id: c.requested for c in cs}
    assert all(w.amount <= requested[w.application_id] for w in awards)


@given(candidates, st.integers(0, 20_000), st.integers(1, 5_000), st.booleans())
def test_a_higher_score_is_never_funded_after_a_lower_one(
    cs, budget, max_per_grant, partial
) -> None:
    ranked = domain.rank(cs)
    funded = {
        w.application_id for w in domain.allocate(ranked, budget, max_per_grant, partial=partial)
    }
    scores = {c.application_id: c.score for c in cs}
    for c in cs:
        if c.application_id not in funded:
            assert all(scores[f] >= c.score for f in funded), (
                "an unfunded application outscored a funded one"
            )


@given(candidates)
def test_ranking_does_not_depend_on_the_order_applications_arrive_in(cs) -> None:
    assert domain.rank(cs) == domain.rank(list(reversed(cs)))


def test_the_adjusted_list_is_checked_against_budget_and_requests() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    requested = {a: 300, b: 300}

    def problem(awards: dict[uuid.UUID, int], budget: int, maximum: int) -> Refusal:
        refusal = domain.adjusted_awards_problem(awards, requested, budget, maximum, "PLN")
        assert refusal is not None and refusal.field == "awards"
        return refusal

    assert domain.adjusted_awards_problem({a: 300, b: 250}, requested, 600, 300, "PLN") is None
    over = problem({a: 300, b: 300}, 500, 300)
    assert over.code == "decision.over_budget"
    assert over.english == "the awards add up to 600, 100 over the budget of 500"
    assert over.params["over"] == Amount(100, "PLN")
    greedy = problem({a: 301}, 600, 400)
    assert greedy.code == "decision.award_over_request"
    assert greedy.english == f"the amount for {a} is more than it requested (300)"
    stranger = uuid.uuid4()
    assert problem({stranger: 1}, 600, 300).params["application_id"] == stranger


pools = st.lists(st.frozensets(st.integers(0, 4)), min_size=2, max_size=8)


@given(pools, st.lists(st.integers(0, 4), min_size=1, max_size=15), st.integers(2, 3))
def test_assignment_never_links_and_keeps_load_balanced(links, app_orgs, per_app) -> None:
    orgs = [uuid.UUID(int=i + 1) for i in range(5)]
    pool = [
        domain.Evaluator(uuid.UUID(int=100 + i), frozenset(orgs[o] for o in ls), 0)
        for i, ls in enumerate(links)
    ]
    apps = [
        domain.NeedsEvaluators(uuid.UUID(int=1000 + i), orgs[o], 0, frozenset())
        for i, o in enumerate(app_orgs)
    ]
    plan = domain.plan_assignments(apps, pool, per_app)
    linked = {e.id: e.linked_organisations for e in pool}
    org_of = {a.application_id: a.organisation_id for a in apps}
    assert all(org_of[a] not in linked[e] for a, e in plan)
    assert len(plan) == len(set(plan)), "nobody twice on one application"
    for a in apps:
        unlinked = sum(1 for e in pool if a.organisation_id not in e.linked_organisations)
        assert sum(1 for x, _ in plan if x == a.application_id) == min(per_app, unlinked)
    if all(not ls for ls in links):  # nobody linked: loads differ by at most one
        loads = [sum(1 for _, e in plan if e == ev.id) for ev in pool]
        assert max(loads) - min(loads) <= 1


def test_a_conflicted_evaluator_is_replaced_by_another() -> None:
    e1, e2, e3 = (domain.Evaluator(uuid.UUID(int=i), frozenset(), 1) for i in (1, 2, 3))
    app = domain.NeedsEvaluators(uuid.uuid4(), uuid.uuid4(), 1, frozenset({e1.id, e2.id}))
    assert domain.plan_assignments([app], [e1, e2, e3], 2) == [(app.application_id, e3.id)]


# --- Boundaries and exact refusals (each kills mutants that survived `make mutation`) -------


def test_a_request_of_zero_is_refused_and_of_one_unit_is_not() -> None:
    assert domain.budget_problem(0, [0], 300, "EUR") == Refusal(
        "application.requested_not_positive", field="requested"
    )
    assert domain.budget_problem(1, [1], 300, "EUR") is None
    one_over = domain.budget_problem(100, [60, 41], 300, "EUR")
    assert one_over is not None and one_over.code == "application.budget_over_requested"


def test_the_day_and_the_opening_follow_warsaw_time() -> None:
    late_evening = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 April in Kraków
    assert domain.warsaw_today(late_evening).isoformat() == "2026-04-01"
    assert domain.default_report_due(late_evening).isoformat() == "2026-09-28"  # +180 days
    opens = T0
    assert domain.submission_problem(opens, opens + timedelta(days=1), opens) is None
    assert domain.submission_problem(
        opens, opens + timedelta(days=1), opens - timedelta(seconds=1)
    ) == Refusal("application.call_not_open_yet", {"opens": opens})


def test_scores_covering_every_criterion_have_no_problem() -> None:
    assert domain.scores_problem(CRITERIA, {"relevance": 10, "budget": 0}) is None


def test_a_last_unit_of_budget_goes_to_the_next_application_when_partial() -> None:
    ranked = domain.rank([candidate(90, 300), candidate(80, 300)])
    awards = domain.allocate(ranked, 301, 300, partial=True)
    assert [(w.application_id, w.amount, w.rank) for w in awards] == [
        (ranked[0].application_id, 300, 1),
        (ranked[1].application_id, 1, 2),
    ]


def test_each_adjusted_award_refusal_names_its_application() -> None:
    a = uuid.uuid4()
    named = {"application_id": a}

    def problem(amount: int, maximum: int = 300, budget: int = 600) -> Refusal | None:
        return domain.adjusted_awards_problem({a: amount}, {a: 500}, budget, maximum, "PLN")

    assert problem(0) == Refusal("decision.award_not_positive", named, "awards")
    assert problem(1) is None
    assert problem(301) == Refusal(
        "decision.award_over_maximum", {**named, "maximum": Amount(300, "PLN")}, "awards"
    )
    assert problem(300, budget=300) is None, "the whole budget may be awarded"


def test_assignment_fills_applications_in_id_order_and_counts_load() -> None:
    e1, e2 = uuid.UUID(int=1), uuid.UUID(int=2)
    a, b, c = (uuid.UUID(int=10 + i) for i in range(3))
    org = uuid.UUID(int=99)

    def needs(app_id: uuid.UUID, active: int = 0) -> domain.NeedsEvaluators:
        return domain.NeedsEvaluators(app_id, org, active, frozenset())

    # e1 already holds two assignments: e2 takes the first two, then ties go by id.
    pool = [domain.Evaluator(e2, frozenset(), 0), domain.Evaluator(e1, frozenset(), 2)]
    assert domain.plan_assignments([needs(c), needs(b), needs(a)], pool, 1) == [
        (a, e2),
        (b, e2),
        (c, e1),
    ]
    # An application that has its evaluators is skipped, not the end of the plan.
    pool = [domain.Evaluator(e1, frozenset(), 0), domain.Evaluator(e2, frozenset(), 0)]
    assert domain.plan_assignments([needs(a, active=1), needs(b, active=0)], pool, 2) == [
        (a, e1),
        (b, e2),  # the least loaded first
        (b, e1),
    ]
    assert domain.plan_assignments([needs(a, active=2), needs(b, active=0)], pool, 2) == [
        (b, e1),
        (b, e2),
    ]
