"""HTTP API of the jury: appointment, blind scoring, recusal, progress, ranking, results.

Blindness and recusal are enforced here, on the server: a juror linked to a candidacy gets 403
on everything about it; a juror sees other jurors' scores of a nomination only after submitting
their own scorecard (a juror who recused never does).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException

from services.ambassadors import domain, jury, mails, store
from services.ambassadors.api import SCHEMA, TAGS
from services.ambassadors.nominations import event
from services.ambassadors.schemas import (
    Juror,
    JurorIn,
    JurorNomination,
    JurorProgress,
    Laureate,
    MayorMeeting,
    MayorMeetingIn,
    Ranking,
    Results,
    ResultsIn,
    ScoreRecorded,
    ScoresIn,
    ScoreView,
    Standing,
)
from shared import idempotency, outbox
from shared.auth import current_user, requires
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.http import Conflict, Page, field_error
from shared.runtime import Runtime

TIE_BREAK = (
    "weighted mean, then normalised score, then number of jurors who scored; a tie left after "
    "that is flagged `tied` for the jury to settle (listed by reference meanwhile)"
)


async def _edition_or_404(conn: Any, edition_id: uuid.UUID, *, for_update: bool = False) -> Any:
    row = await store.edition(conn, edition_id, for_update=for_update)
    if row is None:
        raise NotFoundException(f"no edition {edition_id}")
    return row


@post(
    "/api/ambassadors/editions/{edition_id:uuid}/jury",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=201,
)
async def appoint_juror(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, data: JurorIn, runtime: Runtime
) -> Response[Any]:
    """Appoint a juror (by their sign-in subject), with the candidacies they declared a link to."""
    user = current_user(request)
    assert user is not None
    body = await request.body()
    scope = f"ambassadors.jury:{edition_id}"
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, scope)
        if replay:
            return idempotency.replay_response(replay)
        edition = await _edition_or_404(conn, edition_id, for_update=True)
        if edition["published_at"] is not None:
            raise Conflict("the results of this edition are published")
        for n in data.linked_nominations:
            linked = await store.nomination(conn, n)
            if linked is None or linked["edition_id"] != edition_id:
                raise field_error("linked_nominations", f"{n} is not a nomination of this edition")
        juror_id, now = uuid.uuid4(), utcnow()
        if not await store.insert_juror(
            conn,
            id=juror_id,
            edition_id=edition_id,
            subject=data.subject,
            name=data.name.strip(),
            email=data.email.strip().lower(),
            appointed_by=user.subject,
            appointed_at=now,
        ):
            raise Conflict(f"{data.subject} is already on the jury of this edition")
        await store.add_links(conn, juror_id, data.linked_nominations)
        juror = Juror(
            id=juror_id,
            edition_id=edition_id,
            subject=data.subject,
            name=data.name.strip(),
            linked_nominations=sorted(set(data.linked_nominations)),
        )
        mail_id = await mails.welcome_juror(
            conn,
            runtime.settings,
            to=data.email,
            name=data.name.strip(),
            year=edition["year"],
            deadline=edition["jury_deadline_at"],
        )
        await idempotency.remember(conn, key, 201, juror)
        await outbox.add(
            conn,
            event(
                ev.AmbassadorsJurorAppointed(
                    edition_id=edition_id, juror_id=juror_id, appointed_at=now
                )
            ),
        )
    await runtime.send_mail_soon(SCHEMA, mail_id)
    return Response(juror, status_code=201)


@get(
    "/api/ambassadors/editions/{edition_id:uuid}/jury", guards=[requires("coordinator")], tags=TAGS
)
async def jury_progress(edition_id: uuid.UUID, runtime: Runtime) -> Page[JurorProgress]:
    """Each juror's progress over the accepted candidacies they may see."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        await _edition_or_404(conn, edition_id)
        rows = await store.jury_progress(conn, edition_id)
    items = [
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
    return Page(items=items, total=len(items))


@get(
    "/api/ambassadors/editions/{edition_id:uuid}/jury/me/nominations",
    guards=[requires("juror")],
    tags=TAGS,
)
async def my_nominations(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Page[JurorNomination]:
    """The accepted candidacies the calling juror may judge (never those they are linked to)."""
    user = current_user(request)
    assert user is not None
    async with runtime.pool(SCHEMA).acquire() as conn:
        await _edition_or_404(conn, edition_id)
        items = await jury.my_nominations(conn, edition_id, user.subject)
    return Page(items=items, total=len(items))


@post(
    "/api/ambassadors/nominations/{nomination_id:uuid}/scores",
    guards=[requires("juror")],
    tags=TAGS,
    status_code=201,
)
async def submit_scores(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, data: ScoresIn, runtime: Runtime
) -> ScoreRecorded:
    """Score each criterion 0-10 (final once submitted), or declare a conflict of interest."""
    user = current_user(request)
    assert user is not None
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        return await jury.submit_scores(conn, user.subject, nomination_id, data)


@get(
    "/api/ambassadors/nominations/{nomination_id:uuid}/scores",
    guards=[requires("juror", "coordinator")],
    tags=TAGS,
)
async def nomination_scores(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, runtime: Runtime
) -> Page[ScoreView]:
    """Every juror's decision on a nomination: for a juror only after submitting their own scores."""
    user = current_user(request)
    assert user is not None
    async with runtime.pool(SCHEMA).acquire() as conn:
        if user.has("coordinator"):
            row = await store.nomination(conn, nomination_id)
            if row is None:
                raise NotFoundException(f"no nomination {nomination_id}")
            items = await jury.score_views(conn, row)
        else:
            items = await jury.scores_seen_by_juror(conn, user.subject, nomination_id)
    return Page(items=items, total=len(items))


async def compute_ranking(conn: Any, edition_id: uuid.UUID) -> list[Standing]:
    """Both rankings of the edition's accepted candidacies (see domain.rank)."""
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


@get(
    "/api/ambassadors/editions/{edition_id:uuid}/ranking",
    guards=[requires("coordinator")],
    tags=TAGS,
)
async def ranking(edition_id: uuid.UUID, runtime: Runtime) -> Ranking:
    """Accepted candidacies best first by weighted mean, with the normalised ranking beside it."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        edition = await _edition_or_404(conn, edition_id)
        items = await compute_ranking(conn, edition_id)
    return Ranking(
        edition_id=edition_id,
        titles=edition["titles"],
        items=items,
        total=len(items),
        tie_break=TIE_BREAK,
    )


async def load_results(conn: Any, edition: Any) -> Results:
    return Results(
        edition_id=edition["id"],
        year=edition["year"],
        published_at=edition["published_at"],
        laureates=[
            Laureate(
                nomination_id=r["id"], reference=r["reference"], candidate_name=r["candidate_name"]
            )
            for r in await store.laureates(conn, edition["id"])
        ],
        mayor_meetings=[
            MayorMeeting(
                id=m["id"], held_on=m["held_on"], place=m["place"], ambassadors_present=present
            )
            for m, present in await store.meetings(conn, edition["id"])
        ],
    )


@post(
    "/api/ambassadors/editions/{edition_id:uuid}/results",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=200,
)
async def publish_results(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, data: ResultsIn, runtime: Runtime
) -> Results:
    """Publish the laureates (accepted candidacies of this edition, at most the number of titles)."""
    user = current_user(request)
    assert user is not None
    if len(set(data.laureates)) != len(data.laureates):
        raise field_error("laureates", "each laureate once")
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        edition = await _edition_or_404(conn, edition_id, for_update=True)
        now = utcnow()
        reason = domain.results_publication_problem(
            edition["nominations_close_at"], edition["published_at"], now
        )
        if reason:
            raise Conflict(reason)
        if len(data.laureates) > edition["titles"]:
            raise field_error(
                "laureates", f"this edition awards at most {edition['titles']} titles"
            )
        accepted = {c["id"] for c in await store.accepted_candidacies(conn, edition_id)}
        strangers = [str(n) for n in data.laureates if n not in accepted]
        if strangers:
            raise field_error(
                "laureates", f"not accepted nominations of this edition: {', '.join(strangers)}"
            )
        await store.publish(conn, edition_id, data.laureates, user.subject, now)
        edition = await store.edition(conn, edition_id)
        results = await load_results(conn, edition)
        mail_ids = []
        for r in await store.laureates(conn, edition_id):
            mail_ids.append(
                await mails.congratulate_laureate(
                    conn,
                    runtime.settings,
                    to=r["candidate_email"],
                    language=r["language"],
                    name=r["candidate_name"],
                    year=edition["year"],
                    edition_id=edition_id,
                )
            )
        await outbox.add(
            conn,
            event(
                ev.AmbassadorsResultsPublished(
                    edition_id=edition_id,
                    year=edition["year"],
                    laureates=list(data.laureates),
                    published_at=now,
                )
            ),
        )
    for mail_id in mail_ids:
        await runtime.send_mail_soon(SCHEMA, mail_id)
    return results


@get("/api/ambassadors/editions/{edition_id:uuid}/results", tags=TAGS, security=[{}])
async def get_results(edition_id: uuid.UUID, runtime: Runtime) -> Results:
    """The laureates and their meetings with the Mayor, once published."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        edition = await _edition_or_404(conn, edition_id)
        if edition["published_at"] is None:
            raise NotFoundException("the results of this edition are not published yet")
        return await load_results(conn, edition)


@post(
    "/api/ambassadors/editions/{edition_id:uuid}/mayor-meetings",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=201,
)
async def record_mayor_meeting(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, data: MayorMeetingIn, runtime: Runtime
) -> Response[Any]:
    """Record a meeting of the edition's ambassadors with the Mayor."""
    user = current_user(request)
    assert user is not None
    body = await request.body()
    scope = f"ambassadors.meeting:{edition_id}"
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, scope)
        if replay:
            return idempotency.replay_response(replay)
        edition = await _edition_or_404(conn, edition_id)
        if edition["published_at"] is None:
            raise Conflict("publish the results first: only ambassadors meet the Mayor")
        laureates = {r["id"] for r in await store.laureates(conn, edition_id)}
        present = sorted(set(data.ambassadors_present))
        if any(n not in laureates for n in present):
            raise field_error("ambassadors_present", "list only laureates of this edition")
        meeting = MayorMeeting(
            id=uuid.uuid4(),
            held_on=data.held_on,
            place=data.place.strip(),
            ambassadors_present=present,
        )
        await store.insert_meeting(
            conn,
            id=meeting.id,
            edition_id=edition_id,
            held_on=data.held_on,
            place=meeting.place,
            notes=(data.notes or "").strip() or None,
            recorded_by=user.subject,
            present=present,
        )
        await idempotency.remember(conn, key, 201, meeting)
        await outbox.add(
            conn,
            event(
                ev.AmbassadorsMayorMeetingRecorded(
                    edition_id=edition_id, held_on=data.held_on, ambassadors_present=len(present)
                )
            ),
        )
    return Response(meeting, status_code=201)


route_handlers = [
    appoint_juror,
    jury_progress,
    my_nominations,
    submit_scores,
    nomination_scores,
    ranking,
    publish_results,
    get_results,
    record_mayor_meeting,
]
