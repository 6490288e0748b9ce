"""What a juror does, whichever door they use: the jury API (`jury_api.py`) and the jury's
pages (`jury_pages.py`) both call these, so blindness, links and recusal are written once.

Each raises the HTTP errors the API answers with: 404, 403 (not on the jury, linked to the
candidate, or scores hidden until one's own decision), 409 (state forbids it), 422 naming a field.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar.exceptions import NotFoundException, PermissionDeniedException

from services.ambassadors import domain, store
from services.ambassadors.nominations import event
from services.ambassadors.schemas import (
    JurorNomination,
    ScoreRecorded,
    ScoresIn,
    ScoreView,
    Supporter,
)
from shared import outbox
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.http import Conflict, field_error


async def juror_access(conn: Any, subject: str, nomination_id: uuid.UUID) -> tuple[Any, Any]:
    """The nomination and the calling juror, or 403 when they are not on its jury or linked to it."""
    row = await store.nomination(conn, nomination_id)
    if row is None:
        raise NotFoundException(f"no nomination {nomination_id}")
    juror = await store.juror_by_subject(conn, row["edition_id"], subject)
    if juror is None:
        raise PermissionDeniedException("you are not on the jury of this edition")
    if await store.is_linked(conn, juror["id"], nomination_id):
        raise PermissionDeniedException(
            "you declared a link to this candidate: it is not shown to you"
        )
    return row, juror


async def my_nominations(conn: Any, edition_id: uuid.UUID, subject: str) -> list[JurorNomination]:
    """The accepted candidacies the juror may judge (never those they are linked to)."""
    juror = await store.juror_by_subject(conn, edition_id, subject)
    if juror is None:
        raise PermissionDeniedException("you are not on the jury of this edition")
    items = []
    for r in await store.nominations_for_juror(conn, edition_id, juror["id"]):
        decision = "pending" if r["recused"] is None else ("recused" if r["recused"] else "scored")
        items.append(
            JurorNomination(
                id=r["id"],
                reference=r["reference"],
                candidate_name=r["candidate_name"],
                my_decision=decision,
                supporters=[
                    Supporter(
                        reference=s["reference"],
                        nominator_name=s["nominator_name"],
                        justification=s["justification"],
                        submitted_at=s["submitted_at"],
                    )
                    for s in await store.supporters(conn, r["id"])
                ],
            )
        )
    return items


async def submit_scores(
    conn: Any, subject: str, nomination_id: uuid.UUID, data: ScoresIn
) -> ScoreRecorded:
    """Score each criterion (final once submitted) or recuse; run inside a transaction."""
    row, juror = await juror_access(conn, subject, nomination_id)
    edition = await store.edition(conn, row["edition_id"])
    criteria = [c["key"] for c in await store.criteria(conn, row["edition_id"])]
    problems = domain.scorecard_problems(data.scores, criteria, data.conflict_of_interest)
    if problems:
        name, message = next(iter(problems.items()))
        raise field_error(name, message)
    if row["status"] != "accepted":
        reasons = {
            "awaiting_acceptance": "the candidate has not accepted the nomination yet",
            "merged": f"it was merged into {row['merged_into']}: score that nomination",
            "withdrawn": "the nomination was withdrawn",
        }
        raise Conflict(f"this nomination is not scored: {reasons[row['status']]}")
    now = utcnow()
    reason = domain.scoring_closed_reason(
        edition["jury_deadline_at"], edition["published_at"] is not None, now
    )
    if reason:
        raise Conflict(f"scoring is closed: {reason}")
    recused = data.conflict_of_interest
    if not await store.insert_scorecard(
        conn,
        juror_id=juror["id"],
        nomination_id=nomination_id,
        scores=None if recused else data.scores,
        comment=(data.comment or "").strip() or None,
        recused=recused,
        submitted_at=now,
    ):
        raise Conflict("you have already submitted your decision on this nomination; it is final")
    await outbox.add(
        conn,
        event(
            ev.AmbassadorsScoreSubmitted(
                nomination_id=nomination_id,
                juror_id=juror["id"],
                recused=recused,
                submitted_at=now,
            )
        ),
    )
    return ScoreRecorded(
        nomination_id=nomination_id, juror_id=juror["id"], recused=recused, submitted_at=now
    )


async def score_views(conn: Any, row: Any) -> list[ScoreView]:
    """Every decision on a nomination with weighted totals (callers check who may see them)."""
    weights = {c["key"]: c["weight"] for c in await store.criteria(conn, row["edition_id"])}
    items = []
    for c in await store.scorecards_of_nomination(conn, row["id"]):
        scores = store.decode_scores(c["scores"])
        total = None if scores is None else round(float(domain.weighted_total(scores, weights)), 4)
        items.append(
            ScoreView(
                juror_name=c["juror_name"],
                recused=c["recused"],
                scores=scores,
                weighted_total=total,
                comment=c["comment"],
                submitted_at=c["submitted_at"],
            )
        )
    return items


async def scores_seen_by_juror(
    conn: Any, subject: str, nomination_id: uuid.UUID
) -> list[ScoreView]:
    """The jury's decisions, for a juror only after their own scores (the jury scores blind)."""
    row, juror = await juror_access(conn, subject, nomination_id)
    own = await store.scorecard(conn, juror["id"], nomination_id)
    if own is None:
        raise PermissionDeniedException("submit your own scores first: the jury scores blind")
    if own["recused"]:
        raise PermissionDeniedException("you declared a conflict of interest on this nomination")
    return await score_views(conn, row)
