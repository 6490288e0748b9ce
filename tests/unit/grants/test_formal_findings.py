"""The formal check per criterion and the default evaluation deadline, without servers.

`findings_problem` is what the formal check's command refuses before it stores anything: every
criterion exactly once (in any order), a reason for each failed one, and the verdict `eligible`
agreeing with the findings. Each refusal is checked whole: its code, its (empty) parameters and
the field it names.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.grants import domain
from services.grants.refusals import Refusal

PASSED = [(criterion, True, None) for criterion in domain.FORMAL_CRITERIA]

INCOMPLETE = Refusal("formal_check.findings_incomplete", {}, "findings")
DISAGREE = Refusal("formal_check.findings_disagree", {}, "eligible")


def reason_required(i: int) -> Refusal:
    return Refusal("formal_check.finding_reason_required", {}, f"findings[{i}].reason")


def failing(index: int, reason: str | None) -> list[tuple[str, bool, str | None]]:
    """Every criterion passed but the one at `index`, failed with `reason`."""
    findings = list(PASSED)
    findings[index] = (findings[index][0], False, reason)
    return findings


def test_the_formal_criteria_are_the_four_the_check_looks_at() -> None:
    assert domain.FORMAL_CRITERIA == ("applicant_eligible", "complete", "budget", "objectives")


def test_every_criterion_passed_and_eligible_holds_together_in_any_order() -> None:
    assert domain.findings_problem(True, PASSED) is None
    assert domain.findings_problem(True, list(reversed(PASSED))) is None
    # a passed criterion may carry a note, or an empty one
    assert domain.findings_problem(True, [(c, True, "  ") for c in domain.FORMAL_CRITERIA]) is None


def test_a_missing_repeated_or_unknown_criterion_is_refused_as_incomplete() -> None:
    assert domain.findings_problem(True, PASSED[:3]) == INCOMPLETE
    assert domain.findings_problem(True, [*PASSED, PASSED[0]]) == INCOMPLETE
    assert domain.findings_problem(True, [*PASSED[:3], PASSED[0]]) == INCOMPLETE
    assert domain.findings_problem(True, [*PASSED[:3], ("eligible", True, None)]) == INCOMPLETE
    assert domain.findings_problem(True, []) == INCOMPLETE
    # incompleteness is said first, even when a failed finding lacks its reason
    assert domain.findings_problem(False, failing(0, None)[:3]) == INCOMPLETE


def test_a_failed_criterion_needs_a_reason_named_by_its_position() -> None:
    for index in range(len(domain.FORMAL_CRITERIA)):
        assert domain.findings_problem(False, failing(index, None)) == reason_required(index)
        assert domain.findings_problem(False, failing(index, "")) == reason_required(index)
        assert domain.findings_problem(False, failing(index, " \n\t")) == reason_required(index)
        assert domain.findings_problem(False, failing(index, "no statute")) is None
    # the first failed finding without a reason is the one named
    both = failing(1, None)
    both[3] = (both[3][0], False, None)
    assert domain.findings_problem(False, both) == reason_required(1)
    later = failing(1, "late")
    later[3] = (later[3][0], False, "")
    assert domain.findings_problem(False, later) == reason_required(3)


def test_a_missing_reason_is_said_before_a_verdict_that_disagrees() -> None:
    assert domain.findings_problem(True, failing(2, None)) == reason_required(2)


def test_the_verdict_must_be_eligible_exactly_when_every_criterion_passed() -> None:
    assert domain.findings_problem(False, PASSED) == DISAGREE
    assert domain.findings_problem(True, failing(0, "not an NGO")) == DISAGREE
    assert domain.findings_problem(True, failing(3, "objectives out of scope")) == DISAGREE
    two_failed = failing(0, "not an NGO")
    two_failed[1] = (two_failed[1][0], False, "pages missing")
    assert domain.findings_problem(False, two_failed) is None
    assert domain.findings_problem(True, two_failed) == DISAGREE
    everything_failed = [(c, False, "no") for c in domain.FORMAL_CRITERIA]
    assert domain.findings_problem(False, everything_failed) is None
    assert domain.findings_problem(True, everything_failed) == DISAGREE


def test_evaluations_are_due_thirty_days_after_the_warsaw_day_the_call_closes() -> None:
    assert domain.DEFAULT_EVALUATION_DAYS == 30
    # 23:30 UTC on 31 March is 01:30 on 1 April in Kraków: 30 days after 1 April is 1 May
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert domain.default_evaluation_due(late).isoformat() == "2026-05-01"
    # 21:00 UTC on 31 March is still 31 March in Kraków (23:00, summer time)
    evening = datetime(2026, 3, 31, 21, 0, tzinfo=UTC)
    assert domain.default_evaluation_due(evening).isoformat() == "2026-04-30"
    # in winter Kraków is an hour ahead: 23:00 UTC on 31 January is 1 February there
    winter = datetime(2027, 1, 31, 23, 0, tzinfo=UTC)
    assert domain.default_evaluation_due(winter).isoformat() == "2027-03-03"
