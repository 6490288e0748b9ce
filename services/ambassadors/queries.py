"""Reads for the API and the pages: editions, nominations, what a juror may see (blindness and
links to candidates are enforced here, on the server), the ranking and the results.

Functions taking `runtime` open their own connection; those taking `conn` are the parts the
commands share (e.g. `juror_access`, checked again inside the scoring transaction).
"""

from __future__ import annotations

import uuid
from typing import Any

from services.ambassadors import domain, store
from services.ambassadors import refusals as _codes  # noqa: F401 - registers the codes
from services.ambassadors.commands import SCHEMA
from services.ambassadors.schemas import (
    Criterion,
    Edition,
    EditionText,
    JurorNomination,
    JurorProgress,
    Laureate,
    MayorMeeting,
    NominationSummary,
    Ranking,
    Results,
    ScoreView,
    Standing,
    Supporter,
)
from shared.content import CONTENT_LANGUAGES
from shared.events import utcnow
from shared.refusals import Reasons, forbidden, not_found

TIE_BREAK = (
    "weighted mean, then normalised score, then number of jurors who scored; a tie left after "
    "that is flagged `tied` for the jury to settle (listed by reference meanwhile)"
)


# --- Editions -----------------------------------------------------------------------------


def edition_texts(row: Any) -> dict[str, EditionText]:
    """The edition's title and description per language (the API's `texts`): the Polish
    original from its columns, the other versions from `title_i18n`/`description_i18n`."""
    titles = {"pl": row["title"], **store.decode_i18n(row["title_i18n"])}
    descriptions = {"pl": row["description"], **store.decode_i18n(row["description_i18n"])}
    return {
        code: EditionText(title=titles.get(code, ""), description=descriptions.get(code, ""))
        for code in CONTENT_LANGUAGES
        if titles.get(code) or descriptions.get(code)
    }


def edition_view(row: Any, criteria: list[Any]) -> Edition:
    return Edition(
        id=row["id"],
        year=row["year"],
        nominations_close_at=row["nominations_close_at"],
        jury_deadline_at=row["jury_deadline_at"],
        titles=row["titles"],
        published_at=row["published_at"],
        criteria=[
            Criterion(
                key=c["key"],
                name=c["name"],
                weight=c["weight"],
                name_i18n=store.decode_i18n(c["name_i18n"]),
            )
            for c in criteria
        ],
        texts=edition_texts(row),
    )


async def edition_or_refuse(conn: Any, edition_id: uuid.UUID, *, for_update: bool = False) -> Any:
    row = await store.edition(conn, edition_id, for_update=for_update)
    if row is None:
        raise not_found("ambassadors.edition.not_found", edition_id=edition_id)
    return row


async def editions(runtime: Any, limit: int, offset: int) -> tuple[list[Edition], int]:
    """Every edition, newest year first, with its criteria."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_editions(conn, limit, offset)
        return [edition_view(r, await store.criteria(conn, r["id"])) for r in rows], total


async def edition_rows(runtime: Any, limit: int = 20) -> list[Any]:
    """The latest editions as rows (the public index page)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.list_editions(conn, limit, 0)
    return rows


async def edition_row(runtime: Any, edition_id: uuid.UUID) -> Any:
    """One edition as a row (the pages); refused when there is none."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await edition_or_refuse(conn, edition_id)


async def edition(runtime: Any, edition_id: uuid.UUID) -> Edition:
    """One edition with its criteria and deadlines."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await edition_or_refuse(conn, edition_id)
        return edition_view(row, await store.criteria(conn, edition_id))


# --- Nominations --------------------------------------------------------------------------


async def nomination_row(runtime: Any, nomination_id: uuid.UUID) -> Any:
    """One nomination as a row (the candidate's and the nominator's pages); refused when none."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.nomination(conn, nomination_id)
    if row is None:
        raise not_found("ambassadors.nomination.not_found", nomination_id=nomination_id)
    return row


async def nominations(
    runtime: Any, edition_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[NominationSummary], int]:
    """Every submission of the edition in order, with status and number of nominators."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        await edition_or_refuse(conn, edition_id)
        rows, total = await store.list_nominations(conn, edition_id, limit, offset)
    items = [
        NominationSummary(
            id=r["id"],
            reference=r["reference"],
            status=r["status"],
            candidate_name=r["candidate_name"],
            nominators=r["nominators"],
            language=r["language"],
            submitted_at=r["submitted_at"],
            accepted_at=r["accepted_at"],
            merged_into=r["merged_into"],
        )
        for r in rows
    ]
    return items, total


# --- The jury -----------------------------------------------------------------------------


async def jury_progress(runtime: Any, edition_id: uuid.UUID) -> list[JurorProgress]:
    """Each juror's progress over the accepted candidacies they may see."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        await edition_or_refuse(conn, edition_id)
        rows = await store.jury_progress(conn, edition_id)
    return [
        JurorProgress(
            juror_id=r["id"],
            subject=r["subject"],
            name=r["name"],
            eligible=r["eligible"],
            scored=r["scored"],
            recused=r["recused"],
            pending=r["eligible"] - r["scored"] - r["recused"],
        )
        for r in rows
    ]


async def juror_access(conn: Any, subject: str, nomination_id: uuid.UUID) -> tuple[Any, Any]:
    """The nomination and the calling juror; refused when they are not on its jury or linked."""
    row = await store.nomination(conn, nomination_id)
    if row is None:
        raise not_found("ambassadors.nomination.not_found", nomination_id=nomination_id)
    juror = await store.juror_by_subject(conn, row["edition_id"], subject)
    if juror is None:
        raise forbidden("ambassadors.jury.not_member")
    if await store.is_linked(conn, juror["id"], nomination_id):
        raise forbidden("ambassadors.jury.linked")
    return row, juror


async def _my_nominations(conn: Any, edition_id: uuid.UUID, subject: str) -> list[JurorNomination]:
    juror = await store.juror_by_subject(conn, edition_id, subject)
    if juror is None:
        raise forbidden("ambassadors.jury.not_member")
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


async def my_nominations(
    runtime: Any, edition_id: uuid.UUID, subject: str
) -> list[JurorNomination]:
    """The accepted candidacies the juror may judge (never those they are linked to)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        await edition_or_refuse(conn, edition_id)
        return await _my_nominations(conn, edition_id, subject)


async def _score_views(conn: Any, row: Any) -> list[ScoreView]:
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


async def _scores_seen_by_juror(
    conn: Any, subject: str, nomination_id: uuid.UUID
) -> list[ScoreView]:
    row, juror = await juror_access(conn, subject, nomination_id)
    own = await store.scorecard(conn, juror["id"], nomination_id)
    if own is None:
        raise forbidden("ambassadors.scores.own_first")
    if own["recused"]:
        raise forbidden("ambassadors.scores.recused")
    return await _score_views(conn, row)


async def nomination_scores(
    runtime: Any, subject: str, coordinator: bool, nomination_id: uuid.UUID
) -> list[ScoreView]:
    """Every decision on a nomination with weighted totals: the coordinator sees them, a juror
    only after their own scores (the jury scores blind; a juror who recused never does)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        if coordinator:
            row = await store.nomination(conn, nomination_id)
            if row is None:
                raise not_found("ambassadors.nomination.not_found", nomination_id=nomination_id)
            return await _score_views(conn, row)
        return await _scores_seen_by_juror(conn, subject, nomination_id)


def scoring_closed(edition: Any) -> Reasons | None:
    """Why the edition's jury can no longer score (translated by the pages), or None."""
    return domain.scoring_closed_reason(
        edition["jury_deadline_at"], edition["published_at"] is not None, utcnow()
    )


async def juror_editions(runtime: Any, subject: str) -> list[dict[str, Any]]:
    """Each edition the juror sits on: its row, their candidacies, their progress, whether
    scoring is closed (the jury's home page)."""
    found = []
    async with runtime.pool(SCHEMA).acquire() as conn:
        for e in await store.editions_of_juror(conn, subject):
            items = await _my_nominations(conn, e["id"], subject)
            counts = {
                d: sum(1 for n in items if n.my_decision == d)
                for d in ("scored", "pending", "recused")
            }
            found.append(
                {"edition": e, "items": items, "counts": counts, "closed": scoring_closed(e)}
            )
    return found


async def juror_nomination(runtime: Any, subject: str, nomination_id: uuid.UUID) -> dict[str, Any]:
    """A candidacy as the juror's page shows it: the candidacy as `my_nominations` lists it
    (accepted ones only), the edition, its criteria, the juror's own scorecard and the others'
    decisions once the juror has scored."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row, juror = await juror_access(conn, subject, nomination_id)
        listed = await _my_nominations(conn, row["edition_id"], subject)
        nomination = next((n for n in listed if n.id == nomination_id), None)
        if nomination is None:
            raise not_found("ambassadors.nomination.not_found", nomination_id=nomination_id)
        edition = await store.edition(conn, row["edition_id"])
        criteria = await store.criteria(conn, row["edition_id"])
        own = await store.scorecard(conn, juror["id"], nomination_id)
        others = (
            await _scores_seen_by_juror(conn, subject, nomination_id)
            if own is not None and not own["recused"]
            else []
        )
    return {
        "n": nomination,
        "edition": edition,
        "criteria": criteria,
        "own": own,
        "others": others,
        "closed": scoring_closed(edition),
    }


async def juror_criteria(runtime: Any, subject: str, nomination_id: uuid.UUID) -> list[Any]:
    """The criteria of a candidacy the juror may score (its score form's fields)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row, _ = await juror_access(conn, subject, nomination_id)
        return await store.criteria(conn, row["edition_id"])


# --- Ranking and results ------------------------------------------------------------------


async def _standings(conn: Any, edition_id: uuid.UUID) -> list[Standing]:
    candidacies = await store.accepted_candidacies(conn, edition_id)
    names = {str(c["id"]): c["candidate_name"] for c in candidacies}
    weights = {c["key"]: c["weight"] for c in await store.criteria(conn, edition_id)}
    cards = [
        domain.Scorecard(
            str(s["juror_id"]), str(s["nomination_id"]), store.decode_scores(s["scores"])
        )
        for s in await store.scorecards_of_edition(conn, edition_id)
    ]
    standings = domain.rank([(str(c["id"]), c["reference"]) for c in candidacies], weights, cards)
    return [
        Standing(
            nomination_id=uuid.UUID(s.nomination_id),
            reference=s.reference,
            candidate_name=names[s.nomination_id],
            weighted_mean=s.weighted_mean,
            normalised_score=s.normalised_score,
            rank=s.rank,
            normalised_rank=s.normalised_rank,
            jurors_scored=s.jurors_scored,
            recusals=s.recusals,
            tied=s.tied,
        )
        for s in standings
    ]


async def ranking(runtime: Any, edition_id: uuid.UUID) -> Ranking:
    """Both rankings of the edition's accepted candidacies (see domain.rank)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        edition = await edition_or_refuse(conn, edition_id)
        items = await _standings(conn, edition_id)
    return Ranking(
        edition_id=edition_id,
        titles=edition["titles"],
        items=items,
        total=len(items),
        tie_break=TIE_BREAK,
    )


def laureate_view(row: Any, *, public: bool) -> Laureate:
    """A laureate as the public sees them (their name and short justification only when they
    agreed to publish them) or as the coordinator does (`public=False`: the candidate's name,
    and the public text whatever the decision)."""
    agreed = row["publication"] == "agreed"
    if public and not agreed:
        return Laureate(nomination_id=row["id"], reference=row["reference"], candidate_name=None)
    return Laureate(
        nomination_id=row["id"],
        reference=row["reference"],
        candidate_name=(row["public_name"] or row["candidate_name"])
        if public
        else row["candidate_name"],
        name_published=agreed,
        justification=row["public_justification"],
        justification_language=row["public_language"],
        justification_i18n=store.decode_i18n(row["public_justification_i18n"]),
    )


async def load_results(conn: Any, edition: Any, *, public: bool = True) -> Results:
    return Results(
        edition_id=edition["id"],
        year=edition["year"],
        published_at=edition["published_at"],
        laureates=[
            laureate_view(r, public=public) for r in await store.laureates(conn, edition["id"])
        ],
        mayor_meetings=[
            MayorMeeting(
                id=m["id"], held_on=m["held_on"], place=m["place"], ambassadors_present=present
            )
            for m, present in await store.meetings(conn, edition["id"])
        ],
    )


async def results(runtime: Any, edition_id: uuid.UUID, *, public: bool = True) -> Results:
    """The laureates and their meetings with the Mayor, once published (refused before); the
    public sees only the names and texts laureates agreed to publish."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        edition = await edition_or_refuse(conn, edition_id)
        if edition["published_at"] is None:
            raise not_found("ambassadors.results.not_published")
        return await load_results(conn, edition, public=public)


async def public_overview(runtime: Any, limit: int = 20) -> dict[str, Any]:
    """The public page of the competition: the editions still running (their dates, criteria
    and whether nominations are open), and each published edition with its laureates as the
    public sees them."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        # Apart: editions being prepared never push published laureates off the page.
        current = [
            {
                "edition": row,
                "criteria": await store.criteria(conn, row["id"]),
                "closed": nominations_reason(row),
            }
            for row in await store.editions_by_state(conn, False, limit)
        ]
        past = [
            {"edition": row, "results": await load_results(conn, row)}
            for row in await store.editions_by_state(conn, True, limit)
        ]
    return {"current": current, "past": past}


async def edition_with_criteria(runtime: Any, edition_id: uuid.UUID) -> tuple[Any, list[Any]]:
    """One edition as a row with its criteria (the nomination form); refused when none."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await edition_or_refuse(conn, edition_id)
        return row, await store.criteria(conn, edition_id)


async def laureate_publication(runtime: Any, nomination_id: uuid.UUID) -> Any:
    """A laureate's row (their publication page, the coordinator's page); refused when the
    nomination is no laureate."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.laureate(conn, nomination_id)
    if row is None:
        raise not_found("ambassadors.laureate.not_found", nomination_id=nomination_id)
    return row


# --- The coordinator's pages --------------------------------------------------------------


def nominations_reason(edition: Any) -> Reasons | None:
    """Why the edition takes no nominations now (translated by the pages), or None."""
    return domain.nominations_closed_reason(
        edition["nominations_close_at"], edition["published_at"] is not None, utcnow()
    )


async def staff_editions(runtime: Any) -> list[dict[str, Any]]:
    """Every edition with its counts of nominations per status and of jurors."""
    found = []
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.list_editions(conn, 200, 0)
        for e in rows:
            found.append(
                {
                    "edition": e,
                    "counts": await store.status_counts(conn, e["id"]),
                    "jurors": len(await store.jury_progress(conn, e["id"])),
                    "open": nominations_reason(e) is None,
                }
            )
    return found


async def staff_edition(runtime: Any, edition_id: uuid.UUID) -> dict[str, Any]:
    """An edition as its coordinator's page shows it: dates, criteria, counts, the jury."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        edition = await edition_or_refuse(conn, edition_id)
        return {
            "edition": edition,
            "criteria": await store.criteria(conn, edition_id),
            "counts": await store.status_counts(conn, edition_id),
            "jury": await store.jury_progress(conn, edition_id),
            "closed": nominations_reason(edition),
            "scored": await store.scorecards_count(conn, edition_id),
        }


async def staff_nominations(
    runtime: Any, edition_id: uuid.UUID, status: str | None
) -> dict[str, Any]:
    """The edition's submissions (at most 500 a page), only those in `status` when given."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        edition = await edition_or_refuse(conn, edition_id)
        rows, total = await store.list_nominations(conn, edition_id, 500, 0, status)
        counts = await store.status_counts(conn, edition_id)
    return {"edition": edition, "items": rows, "total": total, "counts": counts}


async def staff_nomination(runtime: Any, nomination_id: uuid.UUID) -> dict[str, Any]:
    """A submission with its candidacy's nominators and every juror's decision on it."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.nomination(conn, nomination_id)
        if row is None:
            raise not_found("ambassadors.nomination.not_found", nomination_id=nomination_id)
        candidacy = await store.nomination(conn, row["merged_into"]) if row["merged_into"] else None
        edition = await store.edition(conn, row["edition_id"])
        return {
            "n": row,
            "candidacy": candidacy,
            "edition": edition,
            "criteria": await store.criteria(conn, row["edition_id"]),
            "supporters": await store.supporters(conn, nomination_id),
            "scores": await _score_views(conn, row),
        }


async def staff_ranking(runtime: Any, edition_id: uuid.UUID) -> dict[str, Any]:
    """Both rankings, and each juror's weighted total (or recusal) per candidacy."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        edition = await edition_or_refuse(conn, edition_id)
        standings = await _standings(conn, edition_id)
        jurors = await store.jury_progress(conn, edition_id)
        weights = {c["key"]: c["weight"] for c in await store.criteria(conn, edition_id)}
        cells: dict[tuple[uuid.UUID, uuid.UUID], float | None] = {}
        for s in await store.scorecards_with_jurors(conn, edition_id):
            scores = store.decode_scores(s["scores"])
            cells[(s["nomination_id"], s["juror_id"])] = (
                None if scores is None else round(float(domain.weighted_total(scores, weights)), 2)
            )
    return {"edition": edition, "standings": standings, "jurors": jurors, "cells": cells}
