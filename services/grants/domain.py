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
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
# Days after the call closes by which grantees report, when the call names no date.
DEFAULT_REPORT_DAYS = 180


# --- Identifiers ------------------------------------------------------------------------


def normalise_nip(raw: str) -> str:
    """The NIP's ten digits, without the dashes and spaces people write it with."""
    return re.sub(r"[\s-]", "", raw.strip()).upper().removeprefix("PL")


def nip_problem(raw: str) -> str | None:
    """Why a NIP (Polish tax id) is not valid, or None: ten digits whose checksum holds."""
    nip = normalise_nip(raw)
    if not re.fullmatch(r"\d{10}", nip):
        return "must be 10 digits"
    checksum = sum(int(d) * w for d, w in zip(nip, NIP_WEIGHTS, strict=False)) % 11
    if checksum == 10 or checksum != int(nip[9]):
        return "the check digit does not match: please check the number"
    return None


def krs_problem(raw: str) -> str | None:
    """Why a KRS (National Court Register) number is not valid, or None: exactly ten digits."""
    return None if re.fullmatch(r"\d{10}", raw.strip()) else "must be exactly 10 digits"


# --- Money and budgets ----------------------------------------------------------------


def budget_problem(
    requested: int, lines: Sequence[int], max_per_grant: int
) -> tuple[str, str] | None:
    """(field, message) when a request breaks the call's money rules, else None."""
    if requested <= 0:
        return "requested", "must be more than zero"
    if requested > max_per_grant:
        return (
            "requested",
            f"is {requested - max_per_grant} over the maximum per grant of {max_per_grant}",
        )
    total = sum(lines)
    if total != requested:
        diff = total - requested
        side = "more" if diff > 0 else "less"
        return "budget_lines", (
            f"add up to {total}, which is {abs(diff)} {side} than the requested {requested}"
        )
    return None


# --- Time -----------------------------------------------------------------------------


def warsaw_text(moment: datetime) -> str:
    """A moment as people in Kraków read it, e.g. '2026-03-31 23:59 (Europe/Warsaw)'."""
    return moment.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M") + " (Europe/Warsaw)"


def warsaw_today(now: datetime) -> date:
    return now.astimezone(WARSAW).date()


def submission_problem(opens_at: datetime, closes_at: datetime, now: datetime) -> str | None:
    """Why an application cannot be submitted now (server time), or None."""
    if now < opens_at:
        return f"the call opens for submissions at {warsaw_text(opens_at)}"
    if now >= closes_at:
        return f"the deadline for submissions was {warsaw_text(closes_at)}"
    return None


def default_report_due(closes_at: datetime) -> date:
    return warsaw_today(closes_at) + timedelta(days=DEFAULT_REPORT_DAYS)


# --- Scores ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    key: str
    weight: Fraction
    max_points: int


def scores_problem(
    criteria: Sequence[Criterion], scores: Mapping[str, int]
) -> tuple[str, str] | None:
    """(field, message) when scores do not cover each criterion exactly, within its maximum."""
    keys = {c.key for c in criteria}
    unknown = sorted(set(scores) - keys)
    if unknown:
        return f"scores.{unknown[0]}", "is not a criterion of this call"
    for c in criteria:
        if c.key not in scores:
            return f"scores.{c.key}", "is missing: score every criterion"
        points = scores[c.key]
        if not 0 <= points <= c.max_points:
            return f"scores.{c.key}", f"must be between 0 and {c.max_points}"
    return None


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
) -> tuple[str, str] | None:
    """(field, message) when a coordinator's adjusted list breaks a rule of the call."""
    for app_id, amount in awards.items():
        if app_id not in requested:
            return "awards", f"application {app_id} is not evaluated in this call"
        if amount <= 0:
            return "awards", f"the amount for {app_id} must be more than zero"
        if amount > requested[app_id]:
            return (
                "awards",
                f"the amount for {app_id} is more than it requested ({requested[app_id]})",
            )
        if amount > max_per_grant:
            return (
                "awards",
                f"the amount for {app_id} is over the maximum per grant ({max_per_grant})",
            )
    total = sum(awards.values())
    if total > budget:
        return (
            "awards",
            f"the awards add up to {total}, {total - budget} over the budget of {budget}",
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
