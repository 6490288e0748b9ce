"""The Bench's e-mail moderation pages (coordinator; pl/en/uk, no JavaScript): mail the intake
held with its reason, one message shown only as escaped plain text, and the two ways to settle
it (a question, or discarded with a reason) through `commands.mail.resolve`, as the API does."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect

from services.participation.bench import domain, mailparse, queries, store
from services.participation.bench import store_mail as sm
from services.participation.bench.commands import SCHEMA
from services.participation.bench.commands import mail as inbound
from services.participation.bench.pages.forms import (
    COORDINATOR,
    convert,
    render,
    t,
    visible,
)
from services.participation.bench.pages.public import page_error
from services.participation.bench.schemas import InboundResolutionIn
from shared.events.catalogue import LANGUAGES, TOPICS
from shared.refusals import Refused
from shared.runtime import Runtime
from shared.web.forms import N_, form_values, limits, user_of

RAW_SHOWN = 64 * 1024
# Messages (msgids) per form field; %(min)s / %(max)s come from the schema's own limits.
RESOLUTION_MESSAGES = {
    "action": N_("Choose what to do with the message."),
    "reason": N_("Write the reason in %(min)s to %(max)s characters."),
    "edition_id": N_("Choose the session the question is for."),
    "text": N_("Write the question as you read it: %(min)s to %(max)s characters."),
    "topic": N_("Choose one of the topics."),
    "language": N_("Choose one of the languages."),
}


@get("/bench/staff/inbound-mail", guards=COORDINATOR, include_in_schema=False)
async def inbound_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    limit: int = Parameter(query="limit", default=50, ge=1, le=500),
    offset: int = Parameter(query="offset", default=0, ge=0, le=10_000_000),
    done: str = Parameter(query="done", default="", max_length=20),
    question: uuid.UUID | None = Parameter(query="question", default=None),
) -> Response[str]:
    """Mail the intake could not make a question of, with the reason, newest first."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await sm.list_inbound(conn, "moderation", limit, offset)
        created = await queries.question_reference(conn, question) if done == "resolved" else None

    def page_url(new_offset: int) -> str:
        return "/bench/staff/inbound-mail?" + urlencode({"limit": limit, "offset": new_offset})

    return render(
        request,
        "bench/staff/inbound.html",
        items=rows,
        total=total,
        offset=offset,
        done=done,
        created=(question, created) if created else None,
        previous_url=page_url(max(0, offset - limit)) if offset > 0 else None,
        next_url=page_url(offset + limit) if offset + limit < total else None,
    )


def shown_raw(raw: bytes | None) -> tuple[str, bool]:
    """The raw message as text to show escaped: decoded leniently, control characters and
    direction overrides made visible as U+FFFD, cut at RAW_SHOWN bytes. (text, was it cut)."""
    data = bytes(raw or b"")
    return visible(data[:RAW_SHOWN].decode("utf-8", errors="replace")), len(data) > RAW_SHOWN


async def _inbound_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    inbound_id: uuid.UUID,
    status_code: int = 200,
    *,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await sm.inbound(conn, inbound_id)
        if row is None:
            raise NotFoundException(f"no inbound message {inbound_id}")
        editions = await store.editions_accepting(conn)
    raw_text, cut = shown_raw(row["raw"])
    if values is None:
        values = _reading(row, runtime.settings.intake_domain, editions)
    elif form == "discard":
        # The question form keeps what the intake read when the discard form is refused.
        reading = _reading(row, runtime.settings.intake_domain, editions)
        values = {**reading, "reason": values.get("reason", "")}
    return render(
        request,
        "bench/staff/inbound_mail.html",
        status_code,
        mail=row,
        raw_text=raw_text,
        raw_cut=cut,
        editions=editions,
        form=form,
        errors=errors or {},
        values=values,
        topics=TOPICS,
        question_languages=LANGUAGES,
    )


def _reading(row: Any, intake_domain: str, editions: list[Any]) -> dict[str, str]:
    """The question form filled with what the intake reads in the message, for a person to fix."""
    _ours, tag = mailparse.bench_recipient(row["rcpt_to"], intake_domain)
    open_ids = [str(e["id"]) for e in editions]
    values = {
        "edition_id": tag if tag in open_ids else (open_ids[0] if open_ids else ""),
        "text": "",
        "topic": "other",
        "language": "pl",
    }
    try:
        parsed = mailparse.parse_mail(bytes(row["raw"] or b""), row["mail_from"])
    except mailparse.UnreadableMail:
        return values
    text = mailparse.question_text(parsed)
    values["text"] = visible(text[: inbound.MAX_QUESTION_CHARS])
    values["topic"] = domain.guess_topic(f"{parsed.subject}\n{text}")
    values["language"] = domain.detect_language(text, parsed.content_language)
    return values


@get("/bench/staff/inbound-mail/{inbound_id:uuid}", guards=COORDINATOR, include_in_schema=False)
async def inbound_mail_page(
    request: Request[Any, Any, Any], inbound_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """One held message as it arrived (escaped text only) and the two ways to settle it."""
    return await _inbound_page(request, runtime, inbound_id)


@post(
    "/bench/staff/inbound-mail/{inbound_id:uuid}/resolution",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def resolution_form(
    request: Request[Any, Any, Any], inbound_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Make it a question or discard it: the same call as POST /api/bench/inbound-mail/{id}/resolution."""
    values = await form_values(
        request, "action", "reason", "edition_id", "text", "topic", "language"
    )
    action = values["action"]
    if action == "discard":
        body: dict[str, Any] = {"action": action, "reason": values["reason"].strip() or None}
    else:
        body = {
            "action": action,
            "edition_id": values["edition_id"] or None,
            "text": values["text"].strip() or None,
            "topic": values["topic"] or None,
            "language": values["language"] or None,
        }
    data, errors = convert(
        request, InboundResolutionIn, body, RESOLUTION_MESSAGES, {"action": "mail-state"}
    )
    status_code = 400
    if data is not None:
        try:
            settled = await inbound.resolve(runtime, inbound_id, data, by=user_of(request).subject)
        except Refused as exc:
            if int(exc.kind) not in (404, 409, 422):
                raise page_error(exc) from exc
            status_code = int(exc.kind) if int(exc.kind) != 404 else 400
            errors = await _resolution_refused(request, runtime, inbound_id, exc)
        else:
            target = "/bench/staff/inbound-mail?done=" + settled.status
            if settled.question_id:
                target += f"&question={settled.question_id}"
            return Redirect(target + "#done", status_code=303)
    form = "discard" if action == "discard" else "question"
    return await _inbound_page(
        request, runtime, inbound_id, status_code, form=form, errors=errors, values=values
    )


async def _resolution_refused(
    request: Request[Any, Any, Any], runtime: Runtime, inbound_id: uuid.UUID, exc: Refused
) -> dict[str, str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await sm.inbound(conn, inbound_id)
    if row is None:
        raise NotFoundException(f"no inbound message {inbound_id}")
    field = exc.field
    if int(exc.kind) == 422 and field == "reason":
        return {"reason": t(request, N_("Say why the message is discarded."))}
    if int(exc.kind) == 422 and field in RESOLUTION_MESSAGES:
        return {field: t(request, RESOLUTION_MESSAGES[field], **limits(InboundResolutionIn, field))}
    if row["status"] != "moderation":
        return {
            "mail-state": t(
                request, N_("This message was already handled by someone else; reload the list.")
            )
        }
    return {
        "edition_id": t(
            request, N_("That session takes no more questions by e-mail: choose one that does.")
        )
    }


route_handlers = [inbound_page, inbound_mail_page, resolution_form]
