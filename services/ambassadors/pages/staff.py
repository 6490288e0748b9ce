"""The coordinator's pages (pl/en/uk, no JavaScript): every step of an edition that the
coordinator's API offers, each form calling the same command as the API route beside it.

- `/ambassadors/staff`: the editions; a new edition; an edition's page (dates, criteria, the
  nominations' state, closing or reopening nominations) and its edit form;
- `…/editions/{id}/jury`: the jurors and their progress, appointing one by name and address
  (`commands.jury.appoint_juror`, which mails the invitation link), removing one who has not
  decided anything (a confirmation box);
- `…/editions/{id}/nominations?status=`: the submissions, a page per nomination with every
  juror's decision, and the coordinator's withdrawal (a confirmation box);
- `…/editions/{id}/ranking`: each juror's weighted total per candidacy and both aggregates;
- `…/editions/{id}/results`: choosing the laureates, then a confirmation page that says the
  publication cannot be undone; after it, the meetings with the Mayor.

A refusal is said beside its field in the page's language with what was typed kept; a success
redirects (303) to the page that shows it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import msgspec
from babel.numbers import format_decimal
from litestar import Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect

from services.ambassadors import domain, queries
from services.ambassadors.commands import editions, jury, laureates, nominations
from services.ambassadors.i18n import catalogs
from services.ambassadors.pages import error_page, pages
from services.ambassadors.schemas import (
    CriterionIn,
    EditionIn,
    EditionText,
    JurorIn,
    MayorMeetingIn,
    NominationsOpenIn,
)
from shared import addresses, content
from shared.auth import requires
from shared.content import CONTENT_LANGUAGES
from shared.events import utcnow
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web.forms import N_, translate, user_of, warsaw_moment, warsaw_time
from shared.web.i18n import negotiate_language
from shared.web.refusals import Speaker, as_field, explain, page_status

STAFF = [requires("coordinator")]
HOME = "/ambassadors/staff"
CRITERIA_ROWS = 6
STATUSES = ("awaiting_acceptance", "accepted", "merged", "withdrawn")
DONE = (
    "created",
    "saved",
    "closed",
    "opened",
    "appointed",
    "removed",
    "withdrawn",
    "published",
    "meeting",
    "public_text",
)
PROBLEM = "problem"  # where a refusal that names no field is said (an element of that id)

MESSAGES = {
    "year": N_("Enter the year of the edition, from 2000 to 2100."),
    "nominations_close_at": N_("Enter when nominations close as a date and a time (Kraków time)."),
    "jury_deadline_at": N_(
        "Enter the jury deadline as a date and a time (Kraków time), or leave it empty."
    ),
    "titles": N_("Enter how many titles are awarded, from 1 to 50."),
    "criteria": N_("Name at least one criterion with its weight."),
    "text_title": N_("Write a title of 3 to 200 characters, or leave this language empty."),
    "text_description": N_("Write the description in at most 5000 characters."),
    "criterion_name": N_("Criterion %(n)s: write its name, 2 to 200 characters."),
    "criterion_weight": N_("Criterion %(n)s: give a weight greater than 0 and at most 100."),
    "name": N_("Write the juror's name, 2 to 200 characters."),
    "email": N_("Enter an e-mail address, e.g. name@example.org."),
    "language": N_("Choose the language of the juror's e-mails."),
    "confirm_remove": N_("Tick the box to confirm that this juror leaves the jury."),
    "confirm_withdraw": N_("Tick the box to confirm the withdrawal."),
    "laureates": N_("Choose at least one laureate."),
    "confirm_publish": N_("Tick the box to confirm that the results are final."),
    "held_on": N_("Enter the day of the meeting, e.g. 2026-12-03."),
    "place": N_("Write where the meeting took place, 2 to 300 characters."),
    "ambassadors_present": N_("Tick the ambassadors who came."),
    "notes": N_("Write the notes in at most 5000 characters."),
    "public_justification": N_("Write the public justification in 20 to 500 characters."),
    "translation": N_("A translation can have at most %(limit)s characters"),
}


def t(request: Request[Any, Any, Any], message: str, **values: Any) -> str:
    return translate(catalogs, request, message, **values)


def speaker(request: Request[Any, Any, Any]) -> Speaker:
    return Speaker(catalogs, negotiate_language(request), STATUS_LABELS)


STATUS_LABELS = {
    "awaiting_acceptance": N_("awaiting the candidate's answer"),
    "accepted": N_("accepted"),
    "merged": N_("merged into another candidacy"),
    "withdrawn": N_("withdrawn"),
}


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    """A coordinator's page: Kraków times (`when`), refusals' reasons said (`say`), a refusal
    that names no field apart (`problem`)."""
    lang = negotiate_language(request)
    errors = dict(context.pop("errors", None) or {})
    context["problem"] = errors.pop(PROBLEM, None)
    context["errors"] = errors
    return pages.render(
        request,
        template,
        status_code,
        when=warsaw_time,
        say=speaker(request).value,
        number=lambda v: "–" if v is None else format_decimal(v, locale=lang),
        user=user_of(request),
        **context,
    )


def refused_errors(
    request: Request[Any, Any, Any],
    exc: Refused,
    names: dict[str, str] | None = None,
    known: tuple[str, ...] = (),
    codes: dict[str, str] | None = None,
) -> dict[str, str]:
    """A command's refusal said at its form field (renamed by `names`, or by its code for a
    refusal of the state that concerns one field, `codes`), or at `PROBLEM` when it names none
    of the form's fields."""

    def place(refused: Any) -> Any:
        if refused.code in (codes or {}):
            return (codes or {})[refused.code], refused
        return as_field(names)(refused)

    found = explain(speaker(request), exc.refusals, place)
    errors = {k: v for k, v in found.fields.items() if k in known}
    others = [v for k, v in found.fields.items() if k not in known] + found.form
    if others:
        errors[PROBLEM] = " ".join(others)
    return errors


class Attempt:
    """A form's messages per field, and the page's status: 400, or the refusal's (409)."""

    def __init__(self, request: Request[Any, Any, Any]) -> None:
        self.request = request
        self.errors: dict[str, str] = {}
        self.status = 400

    @contextmanager
    def run(
        self,
        names: dict[str, str] | None = None,
        known: tuple[str, ...] = (),
        codes: dict[str, str] | None = None,
    ) -> Iterator[None]:
        """Run a command; a refusal of the input or of the state is said on the form (a
        missing or forbidden object is the error page)."""
        try:
            yield
        except Refused as exc:
            if exc.kind in (Kind.NOT_FOUND, Kind.FORBIDDEN):
                with error_page():
                    raise
            self.status = page_status(exc)
            self.errors.update(refused_errors(self.request, exc, names, known, codes))


async def form_of(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    return {
        k: (form.getall(k) if k == "laureates" or k == "present" else form.get(k)) for k in form
    }


def text(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def warsaw_input(raw: str) -> datetime | None:
    """A date and time typed as Kraków wall time ("2026-05-31 23:59") as a moment, or None."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}", raw):
        return None
    try:
        naive = datetime.fromisoformat(raw.replace(" ", "T"))
    except ValueError:
        return None
    return warsaw_moment(naive) if naive.tzinfo is None else None


def local_input(moment: datetime | None) -> str:
    """A moment as the date-and-time field shows it (Kraków wall time)."""
    return warsaw_time(moment) if moment else ""


def done_of(done: str) -> str:
    return done if done in DONE else ""


# --- Editions -----------------------------------------------------------------------------


@get(HOME, guards=STAFF, include_in_schema=False)
async def staff_home(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """Every edition with its nominations and jury, and the way to a new one."""
    found = await queries.staff_editions(runtime)
    return render(request, "ambassadors/staff/index.html", editions=found, done=done_of(done))


def edition_values(edition: Any, criteria: list[Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "year": str(edition["year"]),
        "nominations_close_at": local_input(edition["nominations_close_at"]),
        "jury_deadline_at": local_input(edition["jury_deadline_at"]),
        "titles": str(edition["titles"]),
    }
    values |= {"title": edition["title"], "description": edition["description"]}
    values |= content.form_values("title", edition["title_i18n"])
    values |= content.form_values("description", edition["description_i18n"])
    for i, c in enumerate(criteria):
        values |= {
            f"c{i}_key": c["key"],
            f"c{i}_name": c["name"],
            f"c{i}_weight": f"{c['weight']:g}",
        }
        values |= content.form_values(f"c{i}_name", c["name_i18n"])
    return values


def edition_form(
    request: Request[Any, Any, Any],
    status_code: int,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    edition: Any = None,
    locked: bool = False,
    runtime: Runtime | None = None,
    drafts: dict[str, str] | None = None,
) -> Response[str]:
    return render(
        request,
        "ambassadors/staff/edition_form.html",
        status_code,
        edition=edition,
        values=values,
        errors=errors,
        rows=range(CRITERIA_ROWS),
        locked=locked,
        drafts=drafts or {},
        drafts_available=runtime is not None and content.drafts_available(runtime.settings),
    )


async def edition_drafts(runtime: Runtime, values: dict[str, Any]) -> dict[str, str]:
    """Machine drafts of the empty translations of the edition form (nothing is saved)."""
    originals = {"title": text(values, "title"), "description": text(values, "description")}
    originals |= {f"c{i}_name": text(values, f"c{i}_name") for i in range(CRITERIA_ROWS)}
    return await content.drafts(runtime.settings, originals, "pl", values)


@get(f"{HOME}/editions/new", guards=STAFF, include_in_schema=False)
async def new_edition_page(request: Request[Any, Any, Any]) -> Response[str]:
    """The form of a new edition, with the usual two criteria filled in."""
    values = {
        "year": str(date.today().year),
        "titles": "3",
        "c0_name": t(request, N_("Impact on the community")),
        "c0_weight": "2",
        "c1_name": t(request, N_("Long-term engagement")),
        "c1_weight": "1",
    }
    return edition_form(request, 200, values=values, errors={})


def read_edition(
    request: Request[Any, Any, Any], values: dict[str, Any]
) -> tuple[EditionIn | None, dict[str, str]]:
    """The edition form as the API's body, or the message per field that does not fit."""
    errors: dict[str, str] = {}
    year = text(values, "year")
    if not year.isdigit() or not 2000 <= int(year) <= 2100:
        errors["year"] = t(request, MESSAGES["year"])
    close = warsaw_input(text(values, "nominations_close_at"))
    if close is None:
        errors["nominations_close_at"] = t(request, MESSAGES["nominations_close_at"])
    deadline = None
    if text(values, "jury_deadline_at"):
        deadline = warsaw_input(text(values, "jury_deadline_at"))
        if deadline is None:
            errors["jury_deadline_at"] = t(request, MESSAGES["jury_deadline_at"])
    titles = text(values, "titles")
    if not titles.isdigit() or not 1 <= int(titles) <= 50:
        errors["titles"] = t(request, MESSAGES["titles"])
    texts: dict[str, EditionText] = {}
    for code in CONTENT_LANGUAGES:
        suffix = "" if code == "pl" else f"__{code}"
        title = text(values, f"title{suffix}")
        description = text(values, f"description{suffix}")
        if not title and not description:
            continue
        if not 3 <= len(title) <= 200:
            errors[f"title{suffix}"] = t(request, MESSAGES["text_title"])
        if len(description) > 5000:
            errors[f"description{suffix}"] = t(request, MESSAGES["text_description"])
        texts[code] = EditionText(title=title, description=description)
    criteria: list[CriterionIn] = []
    used = {text(values, f"c{i}_key") for i in range(CRITERIA_ROWS)}
    for i in range(CRITERIA_ROWS):
        name, weight_text = text(values, f"c{i}_name"), text(values, f"c{i}_weight")
        if not name and not weight_text:
            continue
        if not 2 <= len(name) <= 200:
            errors[f"c{i}_name"] = t(request, MESSAGES["criterion_name"], n=i + 1)
        try:
            weight = float(weight_text.replace(",", "."))
        except ValueError:
            weight = 0.0
        if not 0 < weight <= 100:
            errors[f"c{i}_weight"] = t(request, MESSAGES["criterion_weight"], n=i + 1)
        key = text(values, f"c{i}_key")
        if not key:  # a new row: a key of its own, not one of the others'
            key = next(f"c{n}" for n in range(i + 1, 100) if f"c{n}" not in used)
            used.add(key)
        translations: dict[str, str] = {}
        for code in ("en", "uk"):
            translated = text(values, f"c{i}_name__{code}")
            if translated and not 2 <= len(translated) <= 200:
                errors[f"c{i}_name__{code}"] = t(request, MESSAGES["criterion_name"], n=i + 1)
            elif translated:
                translations[code] = translated
        if not any(k.startswith(f"c{i}_") for k in errors):
            criteria.append(
                CriterionIn(key=key, name=name, weight=weight, name_i18n=translations)  # type: ignore[arg-type]
            )
    if not criteria and not any(k.startswith("c") for k in errors):
        errors["c0_name"] = t(request, MESSAGES["criteria"])
    if errors:
        return None, errors
    try:
        data = EditionIn(
            year=int(year),
            nominations_close_at=close,  # type: ignore[arg-type]
            jury_deadline_at=deadline,
            titles=int(titles),
            criteria=criteria,
            texts=texts,  # type: ignore[arg-type]
        )
        return msgspec.convert(msgspec.to_builtins(data), EditionIn), {}
    except msgspec.ValidationError:
        return None, {"c0_name": t(request, MESSAGES["criteria"])}


EDITION_FIELDS = (
    "year",
    "nominations_close_at",
    "jury_deadline_at",
    "titles",
    "c0_name",
    "title",
    "description",
    *(f"{part}__{code}" for code in ("en", "uk") for part in ("title", "description")),
)
EDITION_NAMES = {
    "criteria": "c0_name",
    "texts.pl.title": "title",
    "texts.pl.description": "description",
    **{
        f"texts.{code}.{part}": f"{part}__{code}"
        for code in ("en", "uk")
        for part in ("title", "description")
    },
}


@post(f"{HOME}/editions", guards=STAFF, include_in_schema=False)
async def create_edition_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """Open a new edition (the same command as POST /api/ambassadors/editions)."""
    values = await form_of(request)
    if values.get("_action") == "draft":
        drafts = await edition_drafts(runtime, values)
        return edition_form(request, 200, values=values, errors={}, runtime=runtime, drafts=drafts)
    tried = Attempt(request)
    data, errors = read_edition(request, values)
    tried.errors = errors
    if data is not None:
        with tried.run(EDITION_NAMES, EDITION_FIELDS):
            created = await editions.create_edition(runtime, user_of(request).subject, data)
            return Redirect(f"{HOME}/editions/{created.id}?done=created", status_code=303)  # type: ignore[union-attr]
    return edition_form(request, tried.status, values=values, errors=errors, runtime=runtime)


@get(f"{HOME}/editions/{{edition_id:uuid}}", guards=STAFF, include_in_schema=False)
async def edition_page(
    request: Request[Any, Any, Any],
    edition_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """The edition: its dates and criteria, nominations by state, closing or reopening them."""
    return await _edition_page(request, runtime, edition_id, done=done_of(done))


async def _edition_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    edition_id: uuid.UUID,
    status_code: int = 200,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response[str]:
    with error_page():
        shown = await queries.staff_edition(runtime, edition_id)
    return render(
        request,
        "ambassadors/staff/edition.html",
        status_code,
        **shown,
        done=done,
        errors=errors or {},
        values=values or {},
        statuses=STATUSES,
    )


@get(f"{HOME}/editions/{{edition_id:uuid}}/edit", guards=STAFF, include_in_schema=False)
async def edit_edition_page(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    with error_page():
        shown = await queries.staff_edition(runtime, edition_id)
    if shown["edition"]["published_at"] is not None:
        return Redirect(f"{HOME}/editions/{edition_id}", status_code=303)  # type: ignore[return-value]
    return edition_form(
        request,
        200,
        values=edition_values(shown["edition"], shown["criteria"]),
        errors={},
        edition=shown["edition"],
        locked=shown["scored"] > 0,
        runtime=runtime,
    )


@post(f"{HOME}/editions/{{edition_id:uuid}}/edit", guards=STAFF, include_in_schema=False)
async def edit_edition_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Save the edition (the same command as PUT /api/ambassadors/editions/{id})."""
    with error_page():
        shown = await queries.staff_edition(runtime, edition_id)
    values = await form_of(request)
    values["year"] = str(shown["edition"]["year"])  # the year stays: it is shown, not sent
    if values.get("_action") == "draft":
        return edition_form(
            request,
            200,
            values=values,
            errors={},
            edition=shown["edition"],
            locked=shown["scored"] > 0,
            runtime=runtime,
            drafts=await edition_drafts(runtime, values),
        )
    tried = Attempt(request)
    data, errors = read_edition(request, values)
    tried.errors = errors
    if data is not None:
        with tried.run(EDITION_NAMES, EDITION_FIELDS):
            await editions.update_edition(runtime, user_of(request).subject, edition_id, data)
            return Redirect(f"{HOME}/editions/{edition_id}?done=saved#done", status_code=303)
    return edition_form(
        request,
        tried.status,
        values=values,
        errors=errors,
        edition=shown["edition"],
        locked=shown["scored"] > 0,
        runtime=runtime,
    )


@post(
    f"{HOME}/editions/{{edition_id:uuid}}/nominations/close", guards=STAFF, include_in_schema=False
)
async def close_nominations_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Close nominations now (POST …/nominations/close)."""
    tried = Attempt(request)
    errors = tried.errors
    with tried.run():
        await editions.close_nominations(runtime, user_of(request).subject, edition_id)
        return Redirect(f"{HOME}/editions/{edition_id}?done=closed#done", status_code=303)
    return await _edition_page(request, runtime, edition_id, 409, errors=errors)


@post(
    f"{HOME}/editions/{{edition_id:uuid}}/nominations/open", guards=STAFF, include_in_schema=False
)
async def open_nominations_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Open nominations until a moment (POST …/nominations/open)."""
    values = await form_of(request)
    tried = Attempt(request)
    errors = tried.errors
    close = warsaw_input(text(values, "open_until"))
    if close is None:
        errors["open_until"] = t(request, MESSAGES["nominations_close_at"])
    else:
        with tried.run({"nominations_close_at": "open_until"}, ("open_until",)):
            await editions.open_nominations(
                runtime,
                user_of(request).subject,
                edition_id,
                NominationsOpenIn(nominations_close_at=close),
            )
            return Redirect(f"{HOME}/editions/{edition_id}?done=opened#done", status_code=303)
    return await _edition_page(
        request, runtime, edition_id, tried.status, errors=errors, values=values
    )


# --- The jury -----------------------------------------------------------------------------


async def _jury_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    edition_id: uuid.UUID,
    status_code: int = 200,
    *,
    done: str = "",
    form: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response[str]:
    with error_page():
        shown = await queries.staff_edition(runtime, edition_id)
    return render(
        request,
        "ambassadors/staff/jury.html",
        status_code,
        **shown,
        done=done,
        form=form,
        errors=errors or {},
        values=values or {"language": "pl"},
    )


@get(f"{HOME}/editions/{{edition_id:uuid}}/jury", guards=STAFF, include_in_schema=False)
async def jury_page(
    request: Request[Any, Any, Any],
    edition_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """The jurors with their progress, the appointment form, removing a juror."""
    return await _jury_page(request, runtime, edition_id, done=done_of(done))


@post(f"{HOME}/editions/{{edition_id:uuid}}/jury", guards=STAFF, include_in_schema=False)
async def appoint_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Appoint a juror by name and address (POST /api/ambassadors/editions/{id}/jury): the
    subject already held for the address is reused, else a new one is made."""
    values = await form_of(request)
    name, email, language = text(values, "name"), text(values, "email"), text(values, "language")
    tried = Attempt(request)
    errors = tried.errors
    if not 2 <= len(name) <= 200:
        errors["name"] = t(request, MESSAGES["name"])
    try:
        email = addresses.normalise(email)
    except addresses.BadAddress:
        errors["email"] = t(request, MESSAGES["email"])
    if language not in ("pl", "en", "uk"):
        errors["language"] = t(request, MESSAGES["language"])
    if not errors:
        with tried.run(
            {},
            ("name", "email"),
            {"ambassadors.jury.address_taken": "email", "ambassadors.jury.already_member": "email"},
        ):
            await jury.appoint_juror(
                runtime,
                user_of(request).subject,
                edition_id,
                JurorIn(name=name, email=email, language=language),  # type: ignore[arg-type]
            )
            return Redirect(
                f"{HOME}/editions/{edition_id}/jury?done=appointed#done", status_code=303
            )
    return await _jury_page(
        request, runtime, edition_id, tried.status, form="appoint", errors=errors, values=values
    )


@post(
    f"{HOME}/editions/{{edition_id:uuid}}/jury/{{juror_id:uuid}}/remove",
    guards=STAFF,
    include_in_schema=False,
)
async def remove_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, juror_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Take a juror off the jury, once confirmed (DELETE …/jury/{juror_id})."""
    values = await form_of(request)
    tried = Attempt(request)
    errors = tried.errors
    field = f"confirm-{juror_id}"
    if text(values, "confirm") != "yes":
        errors[field] = t(request, MESSAGES["confirm_remove"])
    else:
        with tried.run():
            await jury.remove_juror(runtime, user_of(request).subject, edition_id, juror_id)
            return Redirect(f"{HOME}/editions/{edition_id}/jury?done=removed#done", status_code=303)
    return await _jury_page(
        request, runtime, edition_id, tried.status, form=f"remove-{juror_id}", errors=errors
    )


# --- Nominations --------------------------------------------------------------------------


@get(f"{HOME}/editions/{{edition_id:uuid}}/nominations", guards=STAFF, include_in_schema=False)
async def nominations_page(
    request: Request[Any, Any, Any],
    edition_id: uuid.UUID,
    runtime: Runtime,
    status: str = Parameter(query="status", default="", max_length=30),
) -> Response[str]:
    """The edition's submissions, filtered by state."""
    chosen = status if status in STATUSES else ""
    with error_page():
        shown = await queries.staff_nominations(runtime, edition_id, chosen or None)
    return render(
        request,
        "ambassadors/staff/nominations.html",
        **shown,
        status=chosen,
        statuses=STATUSES,
    )


async def _nomination_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    nomination_id: uuid.UUID,
    status_code: int = 200,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
) -> Response[str]:
    with error_page():
        shown = await queries.staff_nomination(runtime, nomination_id)
    return render(
        request,
        "ambassadors/staff/nomination.html",
        status_code,
        **shown,
        done=done,
        errors=errors or {},
    )


@get(f"{HOME}/nominations/{{nomination_id:uuid}}", guards=STAFF, include_in_schema=False)
async def nomination_page(
    request: Request[Any, Any, Any],
    nomination_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """A submission: candidate, nominators, justifications, the jury's decisions."""
    return await _nomination_page(request, runtime, nomination_id, done=done_of(done))


@post(f"{HOME}/nominations/{{nomination_id:uuid}}/withdraw", guards=STAFF, include_in_schema=False)
async def withdraw_form(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Withdraw the candidacy, once confirmed (POST …/nominations/{id}/withdrawal)."""
    values = await form_of(request)
    tried = Attempt(request)
    errors = tried.errors
    if text(values, "confirm") != "yes":
        errors["confirm"] = t(request, MESSAGES["confirm_withdraw"])
    else:
        with tried.run():
            await nominations.withdraw(
                runtime, nomination_id, token=None, coordinator=user_of(request).subject
            )
            return Redirect(
                f"{HOME}/nominations/{nomination_id}?done=withdrawn#done", status_code=303
            )
    return await _nomination_page(request, runtime, nomination_id, tried.status, errors=errors)


# --- Ranking and results ------------------------------------------------------------------


@get(f"{HOME}/editions/{{edition_id:uuid}}/ranking", guards=STAFF, include_in_schema=False)
async def ranking_page(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """Each juror's weighted total per candidacy, the weighted mean and the normalised score."""
    with error_page():
        shown = await queries.staff_ranking(runtime, edition_id)
    return render(request, "ambassadors/staff/ranking.html", **shown)


async def _results_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    edition_id: uuid.UUID,
    status_code: int = 200,
    *,
    done: str = "",
    form: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    template: str = "ambassadors/staff/results.html",
) -> Response[str]:
    with error_page():
        shown = await queries.staff_ranking(runtime, edition_id)
        edition = shown["edition"]
        results = None
        if edition["published_at"] is not None:
            results = await queries.results(runtime, edition_id, public=False)
    return render(
        request,
        template,
        status_code,
        **shown,
        results=results,
        closed=queries.nominations_reason(edition),
        publish_problem=_publish_problem(edition),
        done=done,
        form=form,
        errors=errors or {},
        values=values or {},
    )


def _publish_problem(edition: Any) -> Any:
    return domain.results_publication_problem(
        edition["nominations_close_at"], edition["published_at"], utcnow()
    )


@get(f"{HOME}/editions/{{edition_id:uuid}}/results", guards=STAFF, include_in_schema=False)
async def results_page(
    request: Request[Any, Any, Any],
    edition_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """Choosing the laureates; once published, the results and the meetings with the Mayor."""
    return await _results_page(request, runtime, edition_id, done=done_of(done))


def chosen_laureates(values: dict[str, Any]) -> list[uuid.UUID]:
    chosen = []
    for raw in values.get("laureates") or []:
        try:
            chosen.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    return list(dict.fromkeys(chosen))


@post(f"{HOME}/editions/{{edition_id:uuid}}/results", guards=STAFF, include_in_schema=False)
async def choose_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """The laureates chosen: the confirmation page (nothing is published yet)."""
    values = await form_of(request)
    laureates = chosen_laureates(values)
    if not laureates:
        errors = {"laureates": t(request, MESSAGES["laureates"])}
        return await _results_page(
            request, runtime, edition_id, 400, form="choose", errors=errors, values=values
        )
    return await _results_page(
        request,
        runtime,
        edition_id,
        values={"laureates": [str(n) for n in laureates]},
        template="ambassadors/staff/results_confirm.html",
    )


@post(f"{HOME}/editions/{{edition_id:uuid}}/results/publish", guards=STAFF, include_in_schema=False)
async def publish_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Publish, once confirmed (POST /api/ambassadors/editions/{id}/results): final."""
    values = await form_of(request)
    laureates = chosen_laureates(values)
    tried = Attempt(request)
    errors = tried.errors
    if text(values, "confirm") != "yes":
        errors["confirm"] = t(request, MESSAGES["confirm_publish"])
    elif not laureates:
        errors["confirm"] = t(request, MESSAGES["laureates"])
    else:
        with tried.run({"laureates": "confirm"}, ("confirm",)):
            await editions.publish_results(runtime, user_of(request).subject, edition_id, laureates)
            return Redirect(
                f"{HOME}/editions/{edition_id}/results?done=published#done", status_code=303
            )
    return await _results_page(
        request,
        runtime,
        edition_id,
        tried.status,
        errors=errors,
        values={"laureates": [str(n) for n in laureates]},
        template="ambassadors/staff/results_confirm.html",
    )


MEETING_FIELDS = ("held_on", "place", "present", "notes")


@post(f"{HOME}/editions/{{edition_id:uuid}}/mayor-meetings", guards=STAFF, include_in_schema=False)
async def meeting_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Record a meeting with the Mayor (POST …/mayor-meetings)."""
    values = await form_of(request)
    tried = Attempt(request)
    errors = tried.errors
    try:
        held_on = date.fromisoformat(text(values, "held_on"))
    except ValueError:
        errors["held_on"] = t(request, MESSAGES["held_on"])
    place, notes = text(values, "place"), text(values, "notes")
    if not 2 <= len(place) <= 300:
        errors["place"] = t(request, MESSAGES["place"])
    if len(notes) > 5000:
        errors["notes"] = t(request, MESSAGES["notes"])
    present = []
    for raw in values.get("present") or []:
        try:
            present.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    if not present:
        errors["present"] = t(request, MESSAGES["ambassadors_present"])
    if not errors:
        with tried.run({"ambassadors_present": "present"}, MEETING_FIELDS):
            await editions.record_mayor_meeting(
                runtime,
                user_of(request).subject,
                edition_id,
                MayorMeetingIn(
                    held_on=held_on, place=place, ambassadors_present=present, notes=notes or None
                ),
            )
            return Redirect(
                f"{HOME}/editions/{edition_id}/results?done=meeting#done", status_code=303
            )
    return await _results_page(
        request,
        runtime,
        edition_id,
        tried.status,
        form="meeting",
        errors=errors,
        values=values,
    )


# --- What the public reads of a laureate ---------------------------------------------------


def _public_text_values(row: Any) -> dict[str, Any]:
    return {
        "public_justification": row["public_justification"] or "",
        **content.form_values("public_justification", row["public_justification_i18n"]),
    }


async def _laureate_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    nomination_id: uuid.UUID,
    status_code: int = 200,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    drafts: dict[str, str] | None = None,
) -> Response[str]:
    with error_page():
        row = await queries.laureate_publication(runtime, nomination_id)
    return render(
        request,
        "ambassadors/staff/laureate.html",
        status_code,
        laureate=row,
        done=done,
        errors=errors or {},
        values=values if values is not None else _public_text_values(row),
        drafts=drafts or {},
        drafts_available=content.drafts_available(runtime.settings),
    )


@get(f"{HOME}/laureates/{{nomination_id:uuid}}", guards=STAFF, include_in_schema=False)
async def laureate_page(
    request: Request[Any, Any, Any],
    nomination_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """A laureate: whether they agreed to publication, and the public justification with its
    translations, which the coordinator may correct."""
    return await _laureate_page(request, runtime, nomination_id, done=done_of(done))


@post(f"{HOME}/laureates/{{nomination_id:uuid}}", guards=STAFF, include_in_schema=False)
async def public_text_form(
    request: Request[Any, Any, Any], nomination_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Save the public justification and its translations (`commands.laureates.
    set_public_text`); published only while the laureate agrees."""
    with error_page():
        row = await queries.laureate_publication(runtime, nomination_id)
    values = await form_of(request)
    original = row["public_language"]
    if values.get("_action") == "draft":
        drafts = await content.drafts(
            runtime.settings,
            {"public_justification": text(values, "public_justification")},
            original,
            values,
        )
        return await _laureate_page(request, runtime, nomination_id, values=values, drafts=drafts)
    justification = text(values, "public_justification")
    limit = domain.PUBLIC_JUSTIFICATION_MAX
    translations, problem = content.from_form(values, "public_justification", original, limit)
    errors: dict[str, str] = {}
    if not 20 <= len(justification) <= limit:
        errors["public_justification"] = t(request, MESSAGES["public_justification"])
    if problem:
        for code in CONTENT_LANGUAGES:
            field = f"public_justification__{code}"
            if code != original and len(text(values, field)) > limit:
                errors[field] = t(request, MESSAGES["translation"], limit=limit)
    tried = Attempt(request)
    tried.errors = errors
    if not errors:
        fields = ("public_justification", *content.field_names("public_justification", original))
        with tried.run(known=fields):
            await laureates.set_public_text(
                runtime,
                user_of(request).subject,
                nomination_id,
                justification,
                original,
                translations,
            )
            return Redirect(
                f"{HOME}/laureates/{nomination_id}?done=public_text#done", status_code=303
            )
    return await _laureate_page(
        request, runtime, nomination_id, tried.status, errors=tried.errors, values=values
    )


route_handlers = [
    staff_home,
    new_edition_page,
    create_edition_form,
    edition_page,
    edit_edition_page,
    edit_edition_form,
    close_nominations_form,
    open_nominations_form,
    jury_page,
    appoint_form,
    remove_form,
    nominations_page,
    nomination_page,
    withdraw_form,
    ranking_page,
    results_page,
    choose_form,
    publish_form,
    meeting_form,
    laureate_page,
    public_text_form,
]
