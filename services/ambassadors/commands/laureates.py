"""What a laureate agreed to publish: their name and a short public justification.

At publication each laureate is mailed a link to a form (`/ambassadors/laureates/{id}/
publication?token=T`): they agree — with their name as it should appear and the short text,
proposed from the nominator's words — or decline. The public pages and the public results API
show a laureate's name and text only when they agreed; otherwise "Laureate (name not
published)". They may change their mind with the same link. The coordinator may correct the
public text and add its translations (en/uk); that does not publish it without the laureate's
agreement.
"""

from __future__ import annotations

import uuid
from typing import Any

from services.ambassadors import domain, store
from services.ambassadors import refusals as _codes  # noqa: F401 - registers the codes
from services.ambassadors.commands import PRODUCER, SCHEMA
from shared.content import CONTENT_LANGUAGES
from shared.events import utcnow
from shared.refusals import forbidden, invalid, not_found
from shared.unit_of_work import UnitOfWork

TRANSLATION_MAX = domain.PUBLIC_JUSTIFICATION_MAX


def check_text(name: str | None, justification: str, language: str) -> tuple[str | None, str]:
    """The name (when given) and the public justification, trimmed; refused when they do not
    fit (names 2-200 characters, the text 20-500)."""
    if name is not None:
        name = " ".join(name.split())
        if not 2 <= len(name) <= 200:
            raise invalid("public_name", "ambassadors.laureate.name")
    justification = justification.strip()
    if not 20 <= len(justification) <= domain.PUBLIC_JUSTIFICATION_MAX:
        raise invalid("public_justification", "ambassadors.laureate.justification")
    if language not in CONTENT_LANGUAGES:
        raise invalid("public_language", "ambassadors.laureate.justification")
    return name, justification


async def _laureate(conn: Any, nomination_id: uuid.UUID) -> Any:
    row = await store.laureate(conn, nomination_id, for_update=True)
    if row is None:
        raise not_found("ambassadors.laureate.not_found", nomination_id=nomination_id)
    return row


async def decide_publication(
    runtime: Any,
    nomination_id: uuid.UUID,
    token: str,
    *,
    agree: bool,
    name: str | None = None,
    justification: str = "",
    language: str = "pl",
) -> str:
    """The laureate's decision (by the token of their e-mail): `agreed` with the name and text
    to publish, or `declined` (name and text cleared). Answers the state now."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        row = await _laureate(uow.conn, nomination_id)
        if not domain.tokens_match(token, row["publication_token_hash"]):
            raise forbidden("ambassadors.laureate.wrong_token")
        if agree:
            checked_name, text = check_text(name, justification, language)
            await store.set_publication(
                uow.conn,
                nomination_id,
                publication="agreed",
                name=checked_name,
                justification=text,
                language=language,
                at=utcnow(),
            )
            return "agreed"
        await store.set_publication(
            uow.conn,
            nomination_id,
            publication="declined",
            name=None,
            justification=None,
            language=row["public_language"],
            at=utcnow(),
        )
        return "declined"


async def set_public_text(
    runtime: Any,
    coordinator: str,
    nomination_id: uuid.UUID,
    justification: str,
    language: str,
    translations: dict[str, str],
) -> Any:
    """The coordinator's correction of a laureate's public justification and its
    translations. Shown only while the laureate agrees to publication."""
    _, text = check_text(None, justification, language)
    for code, value in translations.items():
        if code == language or code not in CONTENT_LANGUAGES or len(value) > TRANSLATION_MAX:
            raise invalid(
                f"public_justification__{code}",
                "ambassadors.laureate.translation",
                limit=TRANSLATION_MAX,
            )
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        await _laureate(uow.conn, nomination_id)
        await store.set_public_text(uow.conn, nomination_id, text, language, translations)
        return await store.laureate(uow.conn, nomination_id)


__all__ = ["check_text", "decide_publication", "set_public_text"]
