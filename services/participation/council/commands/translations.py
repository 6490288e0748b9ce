"""Translations added or corrected later, on the secretariat's pages: a call's, or a meeting's
together with its agenda items and resolutions (one transaction; no event: translations are
not part of the record the events carry)."""

from __future__ import annotations

import uuid

from services.participation.council import meetings_store, store, translations
from services.participation.council.commands import PRODUCER, SCHEMA
from shared.refusals import not_found
from shared.runtime import Runtime
from shared.unit_of_work import UnitOfWork


async def translate_call(runtime: Runtime, call_id: uuid.UUID, i18n: translations.I18n) -> None:
    """Replace a call's title and description translations."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if await store.call(uow.conn, call_id) is None:
            raise not_found("council.call.not_found", call_id=call_id)
        await translations.save(uow.conn, "call", call_id, i18n)


async def translate_meeting(
    runtime: Runtime,
    meeting_id: uuid.UUID,
    meeting: translations.I18n,
    items: dict[uuid.UUID, translations.I18n],
    resolutions: dict[uuid.UUID, translations.I18n],
) -> None:
    """Replace a meeting's translations and those of its agenda items and resolutions (ids of
    another meeting are ignored)."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        if await meetings_store.meeting(conn, meeting_id, for_update=True) is None:
            raise not_found("council.meeting.not_found", meeting_id=meeting_id)
        await translations.save(conn, "meeting", meeting_id, meeting)
        own_items = {a["id"] for a in await meetings_store.agenda(conn, meeting_id)}
        for item_id, i18n in items.items():
            if item_id in own_items:
                await translations.save(conn, "agenda", item_id, i18n)
        own = {r["id"] for r in await meetings_store.resolutions(conn, meeting_id)}
        for resolution_id, i18n in resolutions.items():
            if resolution_id in own:
                await translations.save(conn, "resolution", resolution_id, i18n)
