"""What the coordinator and responders do with editions and questions, whichever door they use.

The APIs (`api/public.py`, `api/staff.py`) and the staff pages (`pages/staff.py`, `pages/session.py`)
call these, so a rule (who may see a question, what a moderation may do, when an answer or an
edition's state change is refused) is written once. Each runs in its own unit of work (with the
caller's Idempotency-Key or form nonce) and refuses with `shared.refusals` codes
(`domain.REFUSALS`): forbidden for another responder's question, not found, conflict for a state
that forbids it, invalid naming a field.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from services.participation.bench import domain, mails, queries, store
from services.participation.bench import store_departments as sd
from services.participation.bench import store_questions as sq
from services.participation.bench import store_responders as sr
from services.participation.bench.commands import SCHEMA, unit_of_work
from services.participation.bench.commands.questions import (
    answer_one,
    answer_question,
    receive_question,
)
from services.participation.bench.schemas import (
    Answered,
    AnsweredLiveIn,
    AnswerIn,
    AssignmentIn,
    EditionIn,
    EditionTextsIn,
    EnteredQuestionIn,
    ModerationIn,
    QuestionCreated,
    QuestionIn,
    ResponderIn,
    StateView,
    Template,
    TemplateIn,
)
from shared import addresses, idempotency
from shared.auth import Principal
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.events.catalogue import LANGUAGES
from shared.people import invitation_link, new_subject
from shared.refusals import (
    Kind,
    Reasons,
    Refusal,
    Refused,
    Status,
    conflict,
    forbidden,
    invalid,
    not_found,
)
from shared.runtime import Runtime


def _check_may_see(user: Principal, question: Any) -> None:
    if not queries.may_see(user, question["assigned_to"]):
        raise forbidden("bench.not_assigned")


async def _question(conn: Any, question_id: uuid.UUID, *, lock: bool = False) -> Any:
    row = await sq.question(conn, question_id, lock=lock)
    if row is None:
        raise not_found("bench.question_not_found", question_id=question_id)
    return row


def _state(row: Any, **changes: Any) -> StateView:
    merged = {**dict(row), **changes}
    return StateView(
        id=merged["id"],
        status=merged["status"],
        merged_into=merged["merged_into"],
        assigned_to=merged["assigned_to"],
        department=merged["department"],
        answered_live_at=merged["answered_live_at"],
    )


async def create_edition(
    runtime: Runtime, data: EditionIn, requested: idempotency.Claimed | None = None
) -> Any:
    """A new edition, open for questions until `submissions_close_at`: its row (the stored
    answer, a Replay, when the key is sent again; `remember` it with the caller's view).
    Emits BenchEditionCreated and BenchEditionSubmissionsOpened. Refused: `bench.only_spaces`."""
    # The schema counts spaces too: what is stored (trimmed) must still say something.
    for name, least in (("title", 3), ("venue", 2), ("audience", 2)):
        if len(getattr(data, name).strip()) < least:
            raise invalid(name, "bench.only_spaces", least=least)
    async with unit_of_work(runtime) as uow:
        if replay := await uow.claim(requested):
            return replay
        row = await _insert_edition(uow, data)
        await uow.remember(201, queries.edition_view(row))
    return row


async def _insert_edition(uow: Any, data: EditionIn) -> Any:
    conn = uow.conn
    year = data.held_on.year
    row = await store.insert_edition(
        conn,
        id=uuid.uuid4(),
        year=year,
        number=await store.next_edition_number(conn, year),
        title=data.title.strip(),
        held_on=data.held_on,
        venue=data.venue.strip(),
        audience=data.audience.strip(),
        submissions_close_at=data.submissions_close_at,
        answer_due_days=data.answer_due_days,
        coordinator_email=data.coordinator_email,
        title_i18n=_versions(data.title_i18n),
        venue_i18n=_versions(data.venue_i18n),
        audience_i18n=_versions(data.audience_i18n),
    )
    uow.emit(
        ev.BenchEditionCreated(
            edition_id=row["id"],
            held_on=row["held_on"],
            submissions_close_at=row["submissions_close_at"],
            answer_due_days=row["answer_due_days"],
        )
    )
    uow.emit(ev.BenchEditionSubmissionsOpened(edition_id=row["id"], opened_at=row["created_at"]))
    return row


def _versions(translations: dict[str, str] | None) -> dict[str, str]:
    """Translations as stored: trimmed, empty ones dropped (the reader then sees the original)."""
    return {code: text.strip() for code, text in (translations or {}).items() if text.strip()}


async def change_edition_texts(
    runtime: Runtime, edition_id: uuid.UUID, data: EditionTextsIn
) -> Any:
    """Change an edition's resident-facing texts (title, venue, audience) and their
    translations, whatever its state: only the fields given change. No event (events carry no
    texts). Refused: `bench.edition_not_found`, `bench.only_spaces`."""
    texts: dict[str, Any] = {}
    for name, least in (("title", 3), ("venue", 2), ("audience", 2)):
        value = getattr(data, name)
        if value is not None:
            if len(value.strip()) < least:
                raise invalid(name, "bench.only_spaces", least=least)
            texts[name] = value.strip()
        translations = getattr(data, f"{name}_i18n")
        if translations is not None:
            texts[f"{name}_i18n"] = _versions(translations)
    async with unit_of_work(runtime) as uow:
        row = await store.edition_for_update(uow.conn, edition_id)
        if row is None:
            raise not_found("bench.edition_not_found", edition_id=edition_id)
        return await store.update_edition_texts(uow.conn, edition_id, **texts)


async def change_edition(runtime: Runtime, edition_id: uuid.UUID, target: str) -> Any:
    """Open or close an edition's submissions, or record it held (`target`: open, closed,
    held); the updated edition row. Refused: `bench.edition_not_found`,
    `bench.edition_change_refused` (409) when the change is not allowed now."""
    async with unit_of_work(runtime) as uow:
        conn = uow.conn
        row = await store.edition_for_update(conn, edition_id)
        if row is None:
            raise not_found("bench.edition_not_found", edition_id=edition_id)
        now = utcnow()
        refusal = domain.edition_change_refusal(
            row["status"], target, row["submissions_close_at"], row["held_on"], now
        )
        if refusal:
            raise conflict("bench.edition_change_refused", reason=Reasons((refusal,)))
        updated = await store.set_edition_status(conn, edition_id, target)
        if target == "open":
            uow.emit(ev.BenchEditionSubmissionsOpened(edition_id=edition_id, opened_at=now))
        else:
            if row["status"] == "open":
                uow.emit(ev.BenchEditionSubmissionsClosed(edition_id=edition_id, closed_at=now))
            if target == "held":
                uow.emit(
                    ev.BenchEditionHeld(
                        edition_id=edition_id, held_on=row["held_on"], recorded_at=now
                    )
                )
    return updated


async def enter_question(
    runtime: Runtime,
    edition_id: uuid.UUID,
    data: EnteredQuestionIn,
    *,
    by: str,
    requested: idempotency.Claimed | None = None,
    nonce: str | None = None,
) -> QuestionCreated | idempotency.Replay | uuid.UUID:
    """A question asked in the room or on paper, typed in by staff (also after submissions
    closed). Sent again with the same Idempotency-Key: the stored answer (a Replay); with the
    same form `nonce`: the id of the question entered the first time. Refused:
    `bench.consent_needed` (422, `consent`) when an address has none, as `receive_question`."""
    if data.email and not data.consent:
        raise invalid("consent", "bench.consent_needed")
    async with unit_of_work(runtime) as uow:
        if replay := await uow.claim(requested):
            return replay
        if nonce is not None:
            earlier = await sq.claim_form_nonce(uow.conn, nonce)
            if earlier is not None:
                return earlier
        created = await _enter(uow, edition_id, data, by=by)
        if nonce is not None:
            await sq.remember_form_nonce(uow.conn, nonce, created.id)
        await uow.remember(201, created)
    return created


async def _enter(
    uow: Any, edition_id: uuid.UUID, data: EnteredQuestionIn, *, by: str
) -> QuestionCreated:
    question = QuestionIn(
        text=data.text,
        topic=data.topic,
        language=data.language,
        consent=data.consent,
        email=data.email,
        name=data.name,
        group=data.group,
    )
    created = await receive_question(uow, edition_id, question, channel=data.channel, entered_by=by)
    if data.answered_live_at:
        await sq.mark_answered_live(uow.conn, created.id, data.answered_live_at)
        uow.emit(
            ev.BenchQuestionAnsweredLive(question_id=created.id, answered_at=data.answered_live_at)
        )
    return created


async def moderate(
    runtime: Runtime, user: Principal, question_id: uuid.UUID, data: ModerationIn
) -> StateView:
    """Accept (optionally correcting topic or language), reject with a reason, or merge a
    duplicate into another question of the edition (its asker is answered with that one)."""
    if data.decision == "rejected" and not data.reason:
        raise invalid("reason", "bench.reason_needed")
    if data.decision == "merged" and data.merged_into is None:
        raise invalid("merged_into", "bench.merged_into_needed")
    async with unit_of_work(runtime) as uow:
        conn = uow.conn
        q = await _question(conn, question_id, lock=True)
        refusal = domain.moderation_refusal(q["status"], data.decision)
        if refusal:
            raise conflict("bench.moderation_refused", reason=Reasons((refusal,)))
        target = None
        if data.decision == "merged":
            assert data.merged_into is not None
            target = await sq.question(conn, data.merged_into, lock=True)
            if target is None or target["edition_id"] != q["edition_id"]:
                raise invalid("merged_into", "bench.merge_target_unknown")
            merge_refusal = domain.merge_refusal(
                q["id"], target["id"], target["status"], target["merged_into"]
            )
            if merge_refusal:
                raise conflict("bench.moderation_refused", reason=Reasons((merge_refusal,)))
        reason_code = data.reason_code or ("other" if data.decision == "rejected" else None)
        await sq.moderate(
            conn,
            question_id,
            status=data.decision,
            by=user.subject,
            reason=data.reason,
            merged_into=data.merged_into,
            topic=data.topic,
            language=data.language,
            reason_code=reason_code if data.decision == "rejected" else None,
        )
        now = utcnow()
        if data.decision == "rejected" and q["asker_email"]:
            # The asker learns why, in their language, and where else to turn (issue 16 part 4).
            thread = await sq.thread_of(conn, question_id)
            message = mails.rejection(
                runtime.settings,
                to=q["asker_email"],
                language=data.language or q["language"],
                reference=q["reference"],
                reason_code=reason_code or "other",
                in_reply_to=thread[-1] if thread else None,
                references=thread or None,
            )
            await uow.queue_mail(message, purpose="bench.rejection")
            await sq.add_thread_message(conn, str(message["Message-ID"]), question_id, "out")
        uow.emit(
            ev.BenchQuestionModerated(
                question_id=question_id,
                decision=data.decision,
                moderated_at=now,
                reason_code=reason_code,
                merged_into=data.merged_into,
            )
        )
        if target is not None and target["status"] == "answered":
            # Merged into a question answered already: its asker gets that answer now.
            last = (await sq.answers_of(conn, target["id"]))[-1]
            fresh = await _question(conn, question_id, lock=True)
            await answer_one(
                uow,
                fresh,
                text=last["text"],
                language=last["language"],
                by=last["answered_by"],
                at=now,
            )
    async with runtime.pool(SCHEMA).acquire() as conn:
        return _state(await _question(conn, question_id))


async def assign(runtime: Runtime, question_id: uuid.UUID, data: AssignmentIn) -> StateView:
    """Route the question to a responder: one of the registry (`responder_id`: their subject,
    department unless another is named, address and language), or an account subject typed by
    hand with a department. A responder with an address gets a mail in their language (the
    registry's, else Polish) with the question's reference, topic, due date and a one-time link
    to its page. Refused: `bench.responder_needed`, `bench.department_needed` (422 naming the
    field), `bench.responder_unknown` (404), `bench.responder_inactive` (422, `responder_id`),
    `bench.question_not_found`, `bench.question_closed` (409)."""
    async with unit_of_work(runtime) as uow:
        conn = uow.conn
        responder = await _responder_for(conn, data)
        dept = await _department_for(conn, data, responder)
        q = await _question(conn, question_id, lock=True)
        if q["status"] in domain.FINAL_STATUSES:
            raise conflict("bench.question_closed", status=Status(q["status"]))
        if q["status"] == "answer_in_review":
            raise conflict("bench.answer_waits_for_review")
        if responder is not None:
            subject = responder["subject"]
            department = (
                data.department or (dept["name"] if dept else None) or responder["department"]
            ).strip()
            email: str | None = responder["email"]
        else:
            subject = (data.responder or "").strip()
            department = (data.department or (dept["name"] if dept else "")).strip()
            email = data.responder_email
            if email is not None:
                responder = await sr.active_by_email(conn, email)
        if not subject:
            raise invalid("responder", "bench.responder_needed")
        if len(department) < 2:
            raise invalid("department", "bench.department_needed")
        now = utcnow()
        await sq.assign(
            conn,
            question_id,
            responder=subject,
            department=department,
            responder_email=email,
            at=now,
            department_id=dept["id"] if dept else None,
        )
        uow.emit(
            ev.BenchQuestionAssigned(
                question_id=question_id,
                responder=subject,
                department=department,
                assigned_at=now,
                department_id=dept["id"] if dept else None,
            )
        )
        if email is not None:
            await uow.queue_mail(
                mails.assignment(
                    runtime.settings,
                    to=email,
                    language=responder["language"] if responder is not None else "pl",
                    name=responder["name"] if responder is not None else None,
                    reference=q["reference"],
                    topic=q["topic"],
                    due_at=q["due_at"],
                    link=invitation_link(
                        uow.runtime,
                        subject=subject,
                        role="responder",
                        next=f"/bench/staff/questions/{question_id}",
                    ),
                ),
                purpose="bench.assignment",
            )
    return _state(q, status="assigned", assigned_to=subject, department=department)


async def _department_for(conn: Any, data: AssignmentIn, responder: Any) -> Any:
    """The registry's department an assignment names (`department_id`), else the chosen
    responder's; None for a department typed by hand."""
    if data.department_id is not None:
        row = await sd.get(conn, data.department_id)
        if row is None:
            raise Refused(
                Kind.NOT_FOUND,
                Refusal(
                    "bench.department_unknown",
                    {"department_id": data.department_id},
                    "department_id",
                ),
            )
        return row
    if data.department is None and responder is not None and responder["department_id"]:
        return await sd.get(conn, responder["department_id"])
    return None


async def _responder_for(conn: Any, data: AssignmentIn) -> Any:
    """The registry's responder an assignment names by id (active), or None when it names none."""
    if data.responder_id is None:
        return None
    row = await sr.get(conn, data.responder_id)
    if row is None:
        raise Refused(
            Kind.NOT_FOUND,
            Refusal("bench.responder_unknown", {"responder_id": data.responder_id}, "responder_id"),
        )
    if not row["active"]:
        raise invalid("responder_id", "bench.responder_inactive", name=row["name"])
    return row


# --- The responders' registry ------------------------------------------------------------


async def add_responder(runtime: Runtime, data: ResponderIn, *, by: str) -> Any:
    """A responder in the registry, with the subject already stored for their address (an
    earlier, deactivated entry, or an assignment by API naming it), else a new one. Refused:
    `bench.only_spaces` (422, `name`/`department`), `bench.responder_duplicate` (422, `email`)
    when an active responder has the address."""
    for name in ("name", "department"):
        if len(getattr(data, name).strip()) < 2:
            raise invalid(name, "bench.only_spaces", least=2)
    email = addresses.normalise(data.email)
    async with unit_of_work(runtime) as uow:
        conn = uow.conn
        await sr.lock_address(conn, email)
        existing = await sr.active_by_email(conn, email)
        if existing is not None:
            raise invalid("email", "bench.responder_duplicate", name=existing["name"])
        subject = await sr.subject_for(conn, email) or new_subject()
        row = await sr.insert(
            conn,
            subject=subject,
            name=data.name.strip(),
            email=email,
            department=data.department.strip(),
            language=data.language,
            created_by=by,
        )
    return row


async def deactivate_responder(runtime: Runtime, responder_id: uuid.UUID) -> Any:
    """No more questions for this responder: they are no longer offered nor known by their
    address (no sign-in link by e-mail); their questions stay theirs until reassigned, and they
    can be added again later (keeping their subject). Refused:
    `bench.responder_unknown` (404), `bench.responder_already_inactive` (409)."""
    async with unit_of_work(runtime) as uow:
        row = await sr.get(uow.conn, responder_id, lock=True)
        if row is None:
            raise not_found("bench.responder_unknown", responder_id=responder_id)
        if not row["active"]:
            raise conflict("bench.responder_already_inactive", name=row["name"])
        return await sr.deactivate(uow.conn, responder_id)


async def answered_live(
    runtime: Runtime, question_id: uuid.UUID, data: AnsweredLiveIn
) -> StateView:
    """The Mayor answered it on stage; the asker still gets a written answer."""
    at = data.answered_at or utcnow()
    async with unit_of_work(runtime) as uow:
        q = await _question(uow.conn, question_id, lock=True)
        if q["answered_live_at"] is not None:
            raise conflict("bench.already_answered_live")
        if q["status"] in ("rejected", "merged"):
            raise conflict("bench.question_closed", status=Status(q["status"]))
        await sq.mark_answered_live(uow.conn, question_id, at)
        uow.emit(ev.BenchQuestionAnsweredLive(question_id=question_id, answered_at=at))
    return _state(q, answered_live_at=at)


async def answer(
    runtime: Runtime, user: Principal, question_id: uuid.UUID, data: AnswerIn
) -> Answered:
    """The written answer, in the asker's language or Polish; it answers every question merged
    into this one too, and each asker with an address gets it by e-mail."""
    async with unit_of_work(runtime) as uow:
        q = await _question(uow.conn, question_id, lock=True)
        _check_may_see(user, q)
        if not user.has("coordinator") and await sd.review_required(uow.conn, q):
            # Its department wants answers reviewed: the answer waits for the coordinator.
            return await _submit_for_review(uow, q, data, by=user.subject)
        answered = await answer_question(
            uow, q, text=data.text.strip(), language=data.language, by=user.subject
        )
    return Answered(status="answered", questions=answered)


async def _submit_for_review(uow: Any, q: Any, data: AnswerIn, *, by: str) -> Answered:
    refusal = domain.answer_refusal(q["status"])
    if refusal:
        raise conflict("bench.answer_refused", reason=Reasons((refusal,)))
    if domain.answer_language_refusal(q["language"], data.language):
        raise invalid("language", "bench.answer_language", language=Status(q["language"]))
    await sd.insert_review(
        uow.conn,
        question_id=q["id"],
        text=data.text.strip(),
        language=data.language,
        by=by,
        at=utcnow(),
    )
    await sd.set_status(uow.conn, q["id"], "answer_in_review")
    return Answered(status="answer_in_review", questions=[q["id"]])


async def approve_answer(runtime: Runtime, user: Principal, question_id: uuid.UUID) -> Answered:
    """The reviewer approves the answer waiting for review: it is sent as any answer (to every
    question merged into this one too), written by its responder. Refused:
    `bench.no_answer_in_review` (409)."""
    async with unit_of_work(runtime) as uow:
        q = await _question(uow.conn, question_id, lock=True)
        review = await sd.pending_review(uow.conn, question_id)
        if q["status"] != "answer_in_review" or review is None:
            raise conflict("bench.no_answer_in_review")
        await sd.decide_review(
            uow.conn, review["id"], status="approved", by=user.subject, at=utcnow(), comment=None
        )
        await sd.set_status(uow.conn, question_id, "assigned")
        q = await _question(uow.conn, question_id, lock=True)
        answered = await answer_question(
            uow, q, text=review["text"], language=review["language"], by=review["written_by"]
        )
    return Answered(status="answered", questions=answered)


async def return_answer(
    runtime: Runtime, user: Principal, question_id: uuid.UUID, comment: str
) -> StateView:
    """The reviewer returns the answer waiting for review with a comment: the question is the
    responder's again, who sees the comment on its page and answers anew. Refused:
    `bench.no_answer_in_review` (409), `bench.only_spaces` (422, `comment`)."""
    if len(comment.strip()) < 3:
        raise invalid("comment", "bench.only_spaces", least=3)
    async with unit_of_work(runtime) as uow:
        q = await _question(uow.conn, question_id, lock=True)
        review = await sd.pending_review(uow.conn, question_id)
        if q["status"] != "answer_in_review" or review is None:
            raise conflict("bench.no_answer_in_review")
        now = utcnow()
        await sd.decide_review(
            uow.conn,
            review["id"],
            status="returned",
            by=user.subject,
            at=now,
            comment=comment.strip(),
        )
        await sd.set_status(uow.conn, question_id, "assigned")
        if q["responder_email"] and q["assigned_to"]:
            responder = await sr.active_by_email(uow.conn, q["responder_email"])
            await uow.queue_mail(
                mails.answer_returned(
                    runtime.settings,
                    to=q["responder_email"],
                    language=responder["language"] if responder is not None else "pl",
                    reference=q["reference"],
                    comment=comment.strip(),
                    link=invitation_link(
                        runtime,
                        subject=q["assigned_to"],
                        role="responder",
                        next=f"/bench/staff/questions/{question_id}",
                    ),
                ),
                purpose="bench.answer_returned",
            )
            await uow.conn.execute(
                "update bench_answer_reviews set responder_mailed_at = $2 where id = $1",
                review["id"],
                now,
            )
    return _state(q, status="assigned")


def _check_template(data: TemplateIn) -> None:
    # The schema says so at the API's edge; a caller inside (a page, a job) is held to it too.
    if data.language not in LANGUAGES:
        raise invalid("language", "bench.template_language", language=data.language)
    for name, least in (("title", 3), ("text", 10)):
        if len(getattr(data, name).strip()) < least:
            raise invalid(name, "bench.only_spaces", least=least)


def _template(row: Any) -> Template:
    return msgspec.convert(dict(row), Template, from_attributes=False, strict=False)


def _template_versions(data: TemplateIn) -> dict[str, str]:
    """The template's other versions as stored: never its own language, none empty."""
    return {code: text for code, text in _versions(data.text_i18n).items() if code != data.language}


async def create_template(runtime: Runtime, data: TemplateIn, *, by: str) -> Template:
    """A reusable answer, per language and optionally topic. Refused: `bench.template_language`,
    `bench.only_spaces` (422 naming the field)."""
    _check_template(data)
    async with unit_of_work(runtime) as uow:
        row = await sq.insert_template(
            uow.conn,
            title=data.title.strip(),
            topic=data.topic,
            language=data.language,
            text=data.text.strip(),
            created_by=by,
            text_i18n=_template_versions(data),
        )
    return _template(row)


async def _live_template(conn: Any, template_id: uuid.UUID) -> Any:
    row = await sq.template(conn, template_id, lock=True)
    if row is None:
        raise not_found("bench.template_not_found", template_id=template_id)
    if row["retired_at"] is not None:
        raise conflict("bench.template_retired")
    return row


async def update_template(runtime: Runtime, template_id: uuid.UUID, data: TemplateIn) -> Template:
    """A template's new title, topic, language, text and versions (answers already sent keep
    their own text). Refused as `create_template`, and `bench.template_not_found` (404),
    `bench.template_retired` (409)."""
    _check_template(data)
    async with unit_of_work(runtime) as uow:
        await _live_template(uow.conn, template_id)
        row = await sq.update_template(
            uow.conn,
            template_id,
            title=data.title.strip(),
            topic=data.topic,
            language=data.language,
            text=data.text.strip(),
            text_i18n=_template_versions(data),
        )
    return _template(row)


async def retire_template(runtime: Runtime, template_id: uuid.UUID) -> Template:
    """No longer offered (kept for the record). Refused: `bench.template_not_found` (404),
    `bench.template_retired` (409) when retired already."""
    async with unit_of_work(runtime) as uow:
        await _live_template(uow.conn, template_id)
        row = await sq.retire_template(uow.conn, template_id)
    return _template(row)
