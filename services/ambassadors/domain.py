"""Rules of the Ambassador of Multiculturalism competition: pure, no I/O.

Aggregation. Each juror's scorecard for a nomination becomes one number, the juror's weighted
total on the 0-10 scale: sum(weight * score) / sum(weight) over the edition's criteria. Two
rankings are then computed over the accepted nominations and shown side by side:

- the weighted mean: the plain mean of the totals of the jurors who scored the nomination;
- the normalised score: each juror's totals are standardised first (z-scores over the
  nominations that juror scored), then averaged per nomination, so a harsh or a lenient juror
  does not tilt the result; only each juror's order and spacing of nominations count.

A recusal is not a score: it takes part in neither ranking (it is only counted). A juror whose
totals have zero variance (every nomination the same total, or only one nomination scored)
expresses no preference between nominations: each of their totals becomes z = 0, "as good as
that juror's own average", instead of a division by zero.

Arithmetic is exact (fractions) up to the standard deviation, so adding a constant to every
score of one juror leaves their deviations, and hence the normalised ranking, bit-for-bit equal.

Tie-break (documented in the README):
- weighted-mean ranking: higher weighted mean; then higher normalised score; then more jurors
  who scored it; a tie left after that is flagged `tied` for the jury to settle, and listed by
  reference (submission order) only for display;
- normalised ranking: higher normalised score; then more jurors who scored it; then reference.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from shared.refusals import Reasons, Refusal

SCORE_MIN, SCORE_MAX = 0, 10
DEFAULT_JURY_DAYS = 30
REMINDER_DAYS = (3, 1)


# --- nominations ---------------------------------------------------------------------------


def format_reference(year: int, edition_number: int, seq: int) -> str:
    """The human reference of a nomination, e.g. AM-2026-1-0007 (7th of the year's 1st edition)."""
    return f"AM-{year}-{edition_number}-{seq:04d}"


def new_token() -> str:
    """A secret for a link sent by e-mail (candidate's acceptance, nominator's withdrawal)."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """Tokens are stored hashed: a leaked table does not let anyone accept or withdraw."""
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_match(token: str, stored_hash: str | None) -> bool:
    """Constant-time comparison of a presented token with a stored hash."""
    return stored_hash is not None and secrets.compare_digest(hash_token(token), stored_hash)


PUBLIC_JUSTIFICATION_MAX = 500


def public_justification_proposal(justification: str) -> str:
    """The short public justification proposed to a laureate: the nominator's words, cut at
    a word boundary to fit 500 characters (the laureate and the coordinator may edit it)."""
    text = " ".join(justification.split())
    if len(text) <= PUBLIC_JUSTIFICATION_MAX:
        return text
    cut = text[: PUBLIC_JUSTIFICATION_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


def normalise_email(email: str) -> str:
    """Addresses compared case-insensitively and without surrounding blanks (duplicate check)."""
    return email.strip().lower()


def nominations_closed_reason(close_at: datetime, published: bool, now: datetime) -> Reasons | None:
    """Why the edition takes no more nominations, or None when it does."""
    if published:
        return Reasons((Refusal("ambassadors.reason.published"),))
    if now >= close_at:
        return Reasons((Refusal("ambassadors.reason.nominations_closed", {"closed_at": close_at}),))
    return None


def results_publication_problem(
    nominations_close_at: datetime, published_at: datetime | None, now: datetime
) -> Reasons | None:
    """Why the results cannot be published now, or None when they can.

    Once, and never while nominations are still open: a nomination sent after the results would
    be judged by nobody, and laureates chosen before the field is complete are not a competition.
    """
    if published_at is not None:
        return Reasons(
            (Refusal("ambassadors.reason.already_published", {"published_at": published_at}),)
        )
    if now < nominations_close_at:
        return Reasons(
            (Refusal("ambassadors.reason.nominations_open", {"close_at": nominations_close_at}),)
        )
    return None


def default_jury_deadline(nominations_close_at: datetime) -> datetime:
    """Without an explicit jury deadline, jurors have 30 days after nominations close."""
    return nominations_close_at + timedelta(days=DEFAULT_JURY_DAYS)


def scoring_closed_reason(
    jury_deadline_at: datetime, published: bool, now: datetime
) -> Reasons | None:
    """Why jurors can no longer score, or None."""
    if published:
        return Reasons((Refusal("ambassadors.reason.published"),))
    if now > jury_deadline_at:
        return Reasons(
            (Refusal("ambassadors.reason.jury_deadline_passed", {"deadline": jury_deadline_at}),)
        )
    return None


def scorecard_problems(
    scores: Mapping[str, int], criteria_keys: Sequence[str], recused: bool
) -> dict[str, str]:
    """Field messages for a scorecard that does not fit the edition's criteria."""
    if recused:
        return (
            {"scores": "leave scores empty when you declare a conflict of interest"}
            if scores
            else {}
        )
    problems: dict[str, str] = {}
    missing = [k for k in criteria_keys if k not in scores]
    unknown = sorted(set(scores) - set(criteria_keys))
    if missing:
        problems["scores"] = f"score every criterion; missing: {', '.join(missing)}"
    if unknown:
        problems["scores"] = (
            f"unknown criteria: {', '.join(unknown)}; the criteria are {', '.join(criteria_keys)}"
        )
    for key, value in scores.items():
        if not SCORE_MIN <= value <= SCORE_MAX:
            problems[f"scores.{key}"] = f"must be between {SCORE_MIN} and {SCORE_MAX}"
    return problems


def reminder_due(deadline: datetime, now: datetime, days_before: int) -> bool:
    """True when the reminder `days_before` the jury deadline is due (and the deadline is ahead)."""
    return deadline - timedelta(days=days_before) <= now < deadline


# --- aggregation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scorecard:
    """One juror's decision on one nomination: scores per criterion, or None for a recusal."""

    juror_id: str
    nomination_id: str
    scores: Mapping[str, float] | None

    @property
    def recused(self) -> bool:
        return self.scores is None


@dataclass(frozen=True)
class Standing:
    """A nomination's place in both rankings."""

    nomination_id: str
    reference: str
    weighted_mean: float | None
    normalised_score: float | None
    jurors_scored: int
    recusals: int
    rank: int
    normalised_rank: int
    tied: bool


def weighted_total(scores: Mapping[str, float], weights: Mapping[str, float]) -> Fraction:
    """One juror's total for one nomination on the 0-10 scale (exact)."""
    total_weight = sum(Fraction(w) for w in weights.values())
    if total_weight <= 0:
        raise ValueError("criteria weights must add up to more than zero")
    return (
        sum((Fraction(weights[k]) * Fraction(scores[k]) for k in weights), Fraction(0))
        / total_weight
    )


def juror_z_scores(totals: Mapping[str, Fraction]) -> dict[str, float]:
    """One juror's totals standardised (population sd); all zero when they do not vary."""
    if not totals:
        return {}
    mean = sum(totals.values(), Fraction(0)) / len(totals)
    deviations = {n: t - mean for n, t in totals.items()}
    variance = sum((d * d for d in deviations.values()), Fraction(0)) / len(totals)
    if variance == 0:
        return dict.fromkeys(totals, 0.0)
    sd = math.sqrt(variance)
    return {n: float(d) / sd for n, d in deviations.items()}


def rank(
    nominations: Iterable[tuple[str, str]],
    weights: Mapping[str, float],
    scorecards: Iterable[Scorecard],
) -> list[Standing]:
    """Both rankings of `nominations` ((id, reference) pairs), best first by weighted mean."""
    references = dict(nominations)
    totals: dict[str, dict[str, Fraction]] = defaultdict(dict)  # juror -> nomination -> total
    recusals: dict[str, int] = defaultdict(int)
    for card in scorecards:
        if card.nomination_id not in references:
            continue
        if card.scores is None:
            recusals[card.nomination_id] += 1
        else:
            totals[card.juror_id][card.nomination_id] = weighted_total(card.scores, weights)

    per_nomination: dict[str, list[Fraction]] = defaultdict(list)
    z_per_nomination: dict[str, list[float]] = defaultdict(list)
    for juror in sorted(totals):  # a fixed order keeps float sums reproducible
        for nomination_id, z in sorted(juror_z_scores(totals[juror]).items()):
            z_per_nomination[nomination_id].append(z)
            per_nomination[nomination_id].append(totals[juror][nomination_id])

    means = {n: float(sum(v, Fraction(0)) / len(v)) for n, v in per_nomination.items()}
    normalised = {n: math.fsum(v) / len(v) for n, v in z_per_nomination.items()}

    def by_mean(n: str) -> tuple[float, float, int]:
        return (-_key(means.get(n)), -_key(normalised.get(n)), -len(per_nomination.get(n, ())))

    def by_normalised(n: str) -> tuple[float, int, str]:
        return (-_key(normalised.get(n)), -len(per_nomination.get(n, ())), references[n])

    ordered = sorted(references, key=lambda n: (*by_mean(n), references[n]))
    normalised_order = sorted(references, key=by_normalised)
    normalised_rank = {n: i + 1 for i, n in enumerate(normalised_order)}
    standings: list[Standing] = []
    for i, n in enumerate(ordered):
        tied = any(by_mean(o) == by_mean(n) for o in ordered if o != n) and n in per_nomination
        standings.append(
            Standing(
                nomination_id=n,
                reference=references[n],
                weighted_mean=_rounded(means.get(n)),
                normalised_score=_rounded(normalised.get(n)),
                jurors_scored=len(per_nomination.get(n, ())),
                recusals=recusals.get(n, 0),
                rank=i + 1,
                normalised_rank=normalised_rank[n],
                tied=tied,
            )
        )
    return standings


def _key(value: float | None) -> float:
    # Rounded so float noise never decides a place; unscored nominations come last.
    return -math.inf if value is None else round(value, 9)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
