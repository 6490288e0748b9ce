"""Rules of the small-grants programme: identifiers, scores, ranking, allocation, assignment.

Pure functions only (no I/O), so every rule is tested without servers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from shared.refusals import WARSAW, Amount, Refusal
from shared.refusals import warsaw_text as warsaw_text  # pages show times with it

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
# Days after the call closes by which grantees report, when the call names no date.
DEFAULT_REPORT_DAYS = 180


# --- Identifiers ------------------------------------------------------------------------


def normalise_nip(raw: str) -> str:
    """The NIP's ten digits, without the dashes and spaces people write it with."""
    return re.sub(r"[\s-]", "", raw.strip()).upper().removeprefix("PL")


def nip_problem(raw: str) -> Refusal | None:
    """Why a NIP (Polish tax id) is not valid, or None: ten digits whose checksum holds."""
    nip = normalise_nip(raw)
    if not re.fullmatch(r"\d{10}", nip):
        return Refusal("organisation.nip_digits", field="nip")
    checksum = sum(int(d) * w for d, w in zip(nip, NIP_WEIGHTS, strict=False)) % 11
    if checksum == 10 or checksum != int(nip[9]):
        return Refusal("organisation.nip_check_digit", field="nip")
    return None


def krs_problem(raw: str) -> Refusal | None:
    """Why a KRS (National Court Register) number is not valid, or None: exactly ten digits."""
    if re.fullmatch(r"\d{10}", raw.strip()):
        return None
    return Refusal("organisation.krs_digits", field="krs")


# --- Money and budgets ----------------------------------------------------------------


def budget_problem(
    requested: int, lines: Sequence[int], max_per_grant: int, currency: str
) -> Refusal | None:
    """What breaks the call's money rules in a request (naming the field), else None."""
    money = lambda minor: Amount(minor, currency)  # noqa: E731
    if requested <= 0:
        return Refusal("application.requested_not_positive", field="requested")
    if requested > max_per_grant:
        return Refusal(
            "application.requested_over_maximum",
            {"over": money(requested - max_per_grant), "maximum": money(max_per_grant)},
            "requested",
        )
    total = sum(lines)
    if total != requested:
        diff = total - requested
        return Refusal(
            "application.budget_over_requested"
            if diff > 0
            else "application.budget_under_requested",
            {"total": money(total), "difference": money(abs(diff)), "requested": money(requested)},
            "budget_lines",
        )
    return None


# --- Time -----------------------------------------------------------------------------


def warsaw_today(now: datetime) -> date:
    return now.astimezone(WARSAW).date()


def submission_problem(opens_at: datetime, closes_at: datetime, now: datetime) -> Refusal | None:
    """Why an application cannot be submitted now (server time), or None."""
    if now < opens_at:
        return Refusal("application.call_not_open_yet", {"opens": opens_at})
    if now >= closes_at:
        return Refusal("application.submissions_closed", {"deadline": closes_at})
    return None


def default_report_due(closes_at: datetime) -> date:
    return warsaw_today(closes_at) + timedelta(days=DEFAULT_REPORT_DAYS)


DEFAULT_EVALUATION_DAYS = 30


def default_evaluation_due(closes_at: datetime) -> date:
    return warsaw_today(closes_at) + timedelta(days=DEFAULT_EVALUATION_DAYS)


# --- Formal check ---------------------------------------------------------------------

# What the formal check looks at, each passed or failed with a reason.
FORMAL_CRITERIA = ("applicant_eligible", "complete", "budget", "objectives")


def findings_problem(
    eligible: bool, findings: Sequence[tuple[str, bool, str | None]]
) -> Refusal | None:
    """Why a formal check per criterion does not hold together, or None: every criterion once,
    a reason for each failed one, and `eligible` exactly when all passed."""
    named = [criterion for criterion, _, _ in findings]
    if sorted(named) != sorted(FORMAL_CRITERIA):
        return Refusal("formal_check.findings_incomplete", {}, "findings")
    for i, (_, passed, reason) in enumerate(findings):
        if not passed and not (reason or "").strip():
            return Refusal("formal_check.finding_reason_required", {}, f"findings[{i}].reason")
    if eligible != all(passed for _, passed, _ in findings):
        return Refusal("formal_check.findings_disagree", {}, "eligible")
    return None


# --- Scores ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    key: str
    weight: Fraction
    max_points: int


def scores_problems(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> list[Refusal]:
    """Every way scores fail to cover each criterion exactly, within its maximum (per field)."""
    keys = {c.key for c in criteria}
    problems = [
        Refusal("evaluation.unknown_criterion", field=f"scores.{key}")
        for key in sorted(set(scores) - keys)
    ]
    for c in criteria:
        if c.key not in scores:
            problems.append(Refusal("evaluation.criterion_missing", field=f"scores.{c.key}"))
        elif not 0 <= scores[c.key] <= c.max_points:
            problems.append(
                Refusal(
                    "evaluation.points_out_of_range",
                    {"max_points": c.max_points},
                    f"scores.{c.key}",
                )
            )
    return problems


def scores_problem(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> Refusal | None:
    """The first of `scores_problems` (the API names one field), or None."""
    problems = scores_problems(criteria, scores)
    return problems[0] if problems else None


def evaluation_score(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> Fraction:
    """One evaluator's score on 0..100: the criteria's weighted mean of points/max_points."""
    total_weight = sum((c.weight for c in criteria), Fraction(0))
    weighted = sum(
        (c.weight * Fraction(scores[c.key], c.max_points) for c in criteria), Fraction(0)
    )
    return weighted / total_weight * 100


def application_score(evaluator_scores: Sequence[Fraction]) -> Fraction | None:
    """The application's score: the mean of its evaluators' scores (None before any)."""
    if not evaluator_scores:
        return None
    return sum(evaluator_scores, Fraction(0)) / len(evaluator_scores)


# --- Ranking and allocation -----------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    application_id: uuid.UUID
    score: Fraction
    requested: int
    submitted_at: datetime


@dataclass(frozen=True)
class Award:
    application_id: uuid.UUID
    amount: int
    rank: int


def rank(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Best first. Ties: the smaller request first (the budget then reaches more projects),
    then the earlier submission, then the application id — so the order is always the same."""
    return sorted(
        candidates, key=lambda c: (-c.score, c.requested, c.submitted_at, str(c.application_id))
    )


def allocate(
    ranked: Sequence[Candidate], budget: int, max_per_grant: int, *, partial: bool
) -> list[Award]:
    """Fund in rank order while the budget lasts.

    The first application that no longer fits ends the list: a lower-ranked one is never funded
    ahead of it. With partial funding allowed, that application gets what remains instead.
    """
    awards: list[Award] = []
    remaining = budget
    for position, candidate in enumerate(ranked, start=1):
        wanted = min(candidate.requested, max_per_grant)
        if wanted <= remaining:
            awards.append(Award(candidate.application_id, wanted, position))
            remaining -= wanted
            continue
        if partial and remaining > 0:
            awards.append(Award(candidate.application_id, remaining, position))
        break
    return awards


def adjusted_awards_problem(
    awards: Mapping[uuid.UUID, int],
    requested: Mapping[uuid.UUID, int],
    budget: int,
    max_per_grant: int,
    currency: str,
) -> Refusal | None:
    """What breaks a rule of the call in a coordinator's adjusted list (field `awards`)."""
    money = lambda minor: Amount(minor, currency)  # noqa: E731
    for app_id, amount in awards.items():
        named = {"application_id": app_id}
        if app_id not in requested:
            return Refusal("decision.not_evaluated", named, "awards")
        if amount <= 0:
            return Refusal("decision.award_not_positive", named, "awards")
        if amount > requested[app_id]:
            return Refusal(
                "decision.award_over_request",
                {**named, "requested": money(requested[app_id])},
                "awards",
            )
        if amount > max_per_grant:
            return Refusal(
                "decision.award_over_maximum", {**named, "maximum": money(max_per_grant)}, "awards"
            )
    total = sum(awards.values())
    if total > budget:
        return Refusal(
            "decision.over_budget",
            {"total": money(total), "over": money(total - budget), "budget": money(budget)},
            "awards",
        )
    return None


# --- Evaluator assignment -------------------------------------------------------------


@dataclass(frozen=True)
class Evaluator:
    id: uuid.UUID
    linked_organisations: frozenset[uuid.UUID]
    load: int  # assignments already held in this call


@dataclass(frozen=True)
class NeedsEvaluators:
    application_id: uuid.UUID
    organisation_id: uuid.UUID
    active: int  # assignments not declined for a conflict of interest
    excluded: frozenset[uuid.UUID]  # evaluators ever assigned to it (incl. conflicts)


def plan_assignments(
    applications: Sequence[NeedsEvaluators], pool: Sequence[Evaluator], per_application: int
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(application, evaluator) pairs topping each application up to `per_application`.

    Never an evaluator linked to the applicant or already assigned to it (a declared conflict
    stays excluded); the least loaded evaluator first, ties by id, so load stays balanced
    and the plan is deterministic.
    """
    load = {e.id: e.load for e in pool}
    plan: list[tuple[uuid.UUID, uuid.UUID]] = []
    for app in sorted(applications, key=lambda a: str(a.application_id)):
        missing = per_application - app.active
        if missing <= 0:
            continue
        eligible = [
            e
            for e in pool
            if app.organisation_id not in e.linked_organisations and e.id not in app.excluded
        ]
        for evaluator in sorted(eligible, key=lambda e: (load[e.id], str(e.id)))[:missing]:
            plan.append((app.application_id, evaluator.id))
            load[evaluator.id] += 1
    return plan
