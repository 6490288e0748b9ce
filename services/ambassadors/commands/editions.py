"""The coordinator's part of an edition: open it, publish its results (the laureates are
congratulated by e-mail), record the ambassadors' meetings with the Mayor."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.ambassadors import domain, mails, queries, store
from services.ambassadors import refusals as _codes  # noqa: F401 - registers the codes
from services.ambassadors.commands import PRODUCER, SCHEMA
from services.ambassadors.schemas import (
    Edition,
    EditionIn,
    MayorMeeting,
    MayorMeetingIn,
    NominationsOpenIn,
    Results,
)
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.idempotency import Claimed, Replay
from shared.refusals import conflict, invalid
from shared.unit_of_work import UnitOfWork


def check_edition(data: EditionIn) -> datetime:
    """Each criterion its own key, the jury deadline not before nominations close; the jury
    deadline (by default 30 days after nominations close)."""
    keys = [c.key for c in data.criteria]
    if len(set(keys)) != len(keys):
        raise invalid("criteria", "ambassadors.edition.criteria_keys")
    deadline = data.jury_deadline_at or domain.default_jury_deadline(data.nominations_close_at)
    if deadline < data.nominations_close_at:
        raise invalid("jury_deadline_at", "ambassadors.edition.jury_deadline_early")
    return deadline


async def create_edition(
    runtime: Any, coordinator: str, data: EditionIn, requested: Claimed | None = None
) -> Edition | Replay:
    """Open an edition: nominations until `nominations_close_at`, scored against weighted
    criteria; the jury deadline defaults to 30 days after nominations close."""
    deadline = check_edition(data)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        conn = uow.conn
        edition_id = uuid.uuid4()
        await store.insert_edition(
            conn,
            id=edition_id,
            year=data.year,
            number=await store.next_edition_number(conn, data.year),
            nominations_close_at=data.nominations_close_at,
            jury_deadline_at=deadline,
            titles=data.titles,
            created_by=coordinator,
            criteria=data.criteria,
            texts=data.texts,
        )
        view = queries.edition_view(
            await store.edition(conn, edition_id), await store.criteria(conn, edition_id)
        )
        await uow.remember(201, view)
        uow.emit(
            ev.AmbassadorsEditionCreated(
                edition_id=edition_id,
                year=data.year,
                nominations_close_at=data.nominations_close_at,
            )
        )
    return view


async def update_edition(
    runtime: Any, coordinator: str, edition_id: uuid.UUID, data: EditionIn
) -> Edition:
    """Change an edition's dates, number of titles and criteria. The year stays (references
    carry it); the criteria and weights stay once a juror has scored (the scores were given
    against them); nothing changes once the results are published."""
    deadline = check_edition(data)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        edition = await queries.edition_or_refuse(conn, edition_id, for_update=True)
        if edition["published_at"] is not None:
            raise conflict("ambassadors.edition.published")
        if data.year != edition["year"]:
            raise invalid("year", "ambassadors.edition.year_fixed", year=edition["year"])
        current = [
            (c["key"], c["name"], c["weight"]) for c in await store.criteria(conn, edition_id)
        ]
        wanted = [(c.key, c.name.strip(), c.weight) for c in data.criteria]
        if current != wanted:
            if await store.scorecards_count(conn, edition_id):
                raise invalid("criteria", "ambassadors.edition.criteria_scored")
            await store.replace_criteria(conn, edition_id, data.criteria)
        else:  # the translated names may change after scoring: the jury scored the original
            await store.set_criteria_translations(conn, edition_id, data.criteria)
        await store.update_edition(
            conn,
            edition_id,
            nominations_close_at=data.nominations_close_at,
            jury_deadline_at=deadline,
            titles=data.titles,
            texts=data.texts,
        )
        view = queries.edition_view(
            await store.edition(conn, edition_id), await store.criteria(conn, edition_id)
        )
    return view


async def close_nominations(runtime: Any, coordinator: str, edition_id: uuid.UUID) -> Edition:
    """Close nominations now (before their date): the jury can start on a complete field."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        edition = await queries.edition_or_refuse(conn, edition_id, for_update=True)
        now = utcnow()
        reason = domain.nominations_closed_reason(
            edition["nominations_close_at"], edition["published_at"] is not None, now
        )
        if reason:
            raise conflict("ambassadors.edition.nominations_not_open", reason=reason)
        await store.set_nominations_close(conn, edition_id, now)
        view = queries.edition_view(
            await store.edition(conn, edition_id), await store.criteria(conn, edition_id)
        )
    return view


async def open_nominations(
    runtime: Any, coordinator: str, edition_id: uuid.UUID, data: NominationsOpenIn
) -> Edition:
    """Open nominations (again, or longer) until a future moment, not past the jury deadline;
    never once the results are published."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        edition = await queries.edition_or_refuse(conn, edition_id, for_update=True)
        if edition["published_at"] is not None:
            raise conflict("ambassadors.edition.published")
        if data.nominations_close_at <= utcnow():
            raise invalid("nominations_close_at", "ambassadors.edition.close_in_past")
        if data.nominations_close_at > edition["jury_deadline_at"]:
            raise invalid(
                "nominations_close_at",
                "ambassadors.edition.close_after_jury",
                deadline=edition["jury_deadline_at"],
            )
        await store.set_nominations_close(conn, edition_id, data.nominations_close_at)
        view = queries.edition_view(
            await store.edition(conn, edition_id), await store.criteria(conn, edition_id)
        )
    return view


async def publish_results(
    runtime: Any, coordinator: str, edition_id: uuid.UUID, laureates: list[uuid.UUID]
) -> Results:
    """Publish the laureates: accepted candidacies of this edition, at most its number of
    titles, once, and not while nominations are open. Each laureate is congratulated."""
    if len(set(laureates)) != len(laureates):
        raise invalid("laureates", "ambassadors.results.laureate_twice")
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        edition = await queries.edition_or_refuse(conn, edition_id, for_update=True)
        now = utcnow()
        reason = domain.results_publication_problem(
            edition["nominations_close_at"], edition["published_at"], now
        )
        if reason:
            raise conflict("ambassadors.results.cannot_publish", reason=reason)
        if len(laureates) > edition["titles"]:
            raise invalid("laureates", "ambassadors.results.too_many", titles=edition["titles"])
        accepted = {c["id"] for c in await store.accepted_candidacies(conn, edition_id)}
        strangers = [str(n) for n in laureates if n not in accepted]
        if strangers:
            raise invalid(
                "laureates", "ambassadors.results.strangers", nominations=", ".join(strangers)
            )
        # Each laureate gets a link to agree (or not) to the publication of their name and a
        # short justification, proposed from the nominator's words.
        tokens: dict[uuid.UUID, str] = {}
        rows = []
        for n in laureates:
            nomination = await store.nomination(conn, n)
            tokens[n] = domain.new_token()
            rows.append(
                (
                    n,
                    domain.hash_token(tokens[n]),
                    domain.public_justification_proposal(nomination["justification"]),
                    nomination["language"]
                    if nomination["language"] in ("pl", "en", "uk")
                    else "pl",
                )
            )
        await store.publish(conn, edition_id, rows, coordinator, now)
        edition = await store.edition(conn, edition_id)
        results = await queries.load_results(conn, edition, public=False)
        for r in await store.laureates(conn, edition_id):
            await mails.queue(
                uow,
                mails.congratulate_laureate(
                    runtime.settings,
                    to=r["candidate_email"],
                    language=r["language"],
                    name=r["candidate_name"],
                    year=edition["year"],
                    edition_id=edition_id,
                    publication_link=(
                        f"{runtime.settings.public_url}/ambassadors/laureates/{r['id']}"
                        f"/publication?token={tokens[r['id']]}"
                    ),
                ),
            )
        uow.emit(
            ev.AmbassadorsResultsPublished(
                edition_id=edition_id,
                year=edition["year"],
                laureates=list(laureates),
                published_at=now,
            )
        )
    return results


async def record_mayor_meeting(
    runtime: Any,
    coordinator: str,
    edition_id: uuid.UUID,
    data: MayorMeetingIn,
    requested: Claimed | None = None,
) -> MayorMeeting | Replay:
    """Record a meeting of the edition's ambassadors (its laureates) with the Mayor."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        conn = uow.conn
        edition = await queries.edition_or_refuse(conn, edition_id)
        if edition["published_at"] is None:
            raise conflict("ambassadors.meeting.before_results")
        laureates = {r["id"] for r in await store.laureates(conn, edition_id)}
        present = sorted(set(data.ambassadors_present))
        if any(n not in laureates for n in present):
            raise invalid("ambassadors_present", "ambassadors.meeting.not_laureates")
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
            recorded_by=coordinator,
            present=present,
        )
        await uow.remember(201, meeting)
        uow.emit(
            ev.AmbassadorsMayorMeetingRecorded(
                edition_id=edition_id, held_on=data.held_on, ambassadors_present=len(present)
            )
        )
    return meeting
