"""The public archive's side of a question: the asker's consent (given when asking, changed on
the tracking page), staff withholding one with a reason (and undoing it), staff translations of
a question and its answers.

A question is public only while `store_archive.PUBLISHED` holds; these commands change its
inputs. No event is emitted: publication is no fact the programme counts.
"""

from __future__ import annotations

import uuid
from typing import Any

from services.participation.bench import domain, store
from services.participation.bench import store_archive as sa
from services.participation.bench.commands import unit_of_work
from services.participation.bench.commands.questions import publication_state
from services.participation.bench.commands.staff import _question
from services.participation.bench.schemas import Publication, TranslationsIn, WithholdingIn
from shared.auth import Principal
from shared.events import utcnow
from shared.privacy import ERASED
from shared.refusals import Status, conflict, invalid, not_found
from shared.runtime import Runtime


def publication(row: Any) -> Publication:
    return Publication(
        id=row["id"],
        publish=row["publish"],
        withheld=row["withheld_at"] is not None,
        withheld_reason=row["withheld_reason"],
        withheld_at=row["withheld_at"],
        published=publication_state(row),
    )


async def change_consent(runtime: Runtime, reference: str, token: str, publish: bool) -> bool:
    """The asker agrees to publication, or withdraws it (with the question's reference and
    tracking code, as on the tracking page). False when they do not match (either way)."""
    async with unit_of_work(runtime) as uow:
        row = await store.question_by_reference(uow.conn, reference.strip().upper())
        if row is None or row["tracking_token_hash"] != domain.hash_token(token.strip()):
            return False
        if row["text"] == ERASED:
            return False
        if row["publish"] != publish:
            await sa.set_publish(uow.conn, row["id"], publish, utcnow())
    return True


async def withhold(
    runtime: Runtime, user: Principal, question_id: uuid.UUID, data: WithholdingIn
) -> Publication:
    """Keep a question out of the archive with a reason, or put it back. Refused:
    `bench.question_not_found` (404), `bench.withhold_reason_needed` (422, `reason`),
    `bench.already_withheld` / `bench.not_withheld` (409)."""
    reason = (data.reason or "").strip()
    if data.withheld and len(reason) < 3:
        raise invalid("reason", "bench.withhold_reason_needed")
    async with unit_of_work(runtime) as uow:
        row = await _question(uow.conn, question_id, lock=True)
        if data.withheld:
            if row["withheld_at"] is not None:
                raise conflict("bench.already_withheld")
            await sa.set_withheld(
                uow.conn, question_id, by=user.subject, reason=reason, at=utcnow()
            )
        else:
            if row["withheld_at"] is None:
                raise conflict("bench.not_withheld")
            await sa.set_withheld(uow.conn, question_id, by=None, reason=None, at=None)
        row = await _question(uow.conn, question_id)
    return publication(row)


async def translate(
    runtime: Runtime, question_id: uuid.UUID, data: TranslationsIn
) -> dict[str, Any]:
    """Store staff translations of a question and its answers (replacing the earlier ones; an
    empty text removes one). Refused: `bench.question_not_found` (404),
    `bench.translation_language` (422, `question` or `answers`), `bench.answer_unknown` (404)."""
    async with unit_of_work(runtime) as uow:
        row = await _question(uow.conn, question_id, lock=True)
        answers = {a["id"]: a for a in await sa.answers(uow.conn, question_id)}
        if row["language"] in data.question:
            raise invalid(
                "question", "bench.translation_language", language=Status(row["language"])
            )
        answer_i18n: dict[uuid.UUID, dict[str, str]] = {}
        for answer_id, texts in data.answers.items():
            if answer_id not in answers:
                raise not_found("bench.answer_unknown", answer_id=answer_id)
            own = answers[answer_id]["language"]
            if own in texts:
                raise invalid("answers", "bench.translation_language", language=Status(own))
            answer_i18n[answer_id] = {k: v.strip() for k, v in texts.items() if v.strip()}
        question_i18n = {k: v.strip() for k, v in data.question.items() if v.strip()}
        await sa.set_translations(uow.conn, question_id, question_i18n, answer_i18n)
    return {"question": question_i18n, "answers": {str(k): v for k, v in answer_i18n.items()}}
