"""The programme's year (issue 17): its tasks per specific objective (programme Table 1) with
dated progress notes, the risk table (Table 3) with risks raised by their indicators, and what
the annual report reads. Pure rules first, then SQL, then the read model."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from services.indicators import queries
from services.indicators.domain import today_warsaw
from services.indicators.tasks_share import due_in
from shared import content
from shared.refusals import N_, Kind, Refusal, Refused, Wording, not_found, register

STATUSES = ("planned", "in_progress", "done", "at_risk", "dropped")
STATUS_WORDS = {
    "planned": N_("planned"),
    "in_progress": N_("in progress"),
    "done": N_("done"),
    "at_risk": N_("at risk"),
    "dropped": N_("dropped"),
}
CYCLE_WORDS = {"yearly": N_("every year (continuous action)"), "once": N_("by a deadline")}
RESPONSE_WORDS = {
    "tolerance": N_("tolerance"),
    "transfer": N_("transfer"),
    "withdrawal": N_("withdrawal"),
    "counteracting": N_("counteracting"),
}
LEVEL_WORDS = {1: N_("low"), 2: N_("medium"), 3: N_("high")}
NOTE_MAX = 4000
TITLE_MAX = 500
NARRATIVE_MAX = 20000
REPORT_LANGS = ("pl", "en")

REFUSALS = register(
    {
        "programme.task_not_found": Wording(
            N_("There is no such programme task."), "no programme task %(task_id)s"
        ),
        "programme.note_empty": Wording(
            N_("Write what was done (at most 4000 characters)."),
            "must be 1 to 4000 characters",
        ),
        "programme.status_unknown": Wording(
            N_("Choose one of the statuses."),
            "must be one of planned, in_progress, done, at_risk, dropped",
        ),
        "programme.title_invalid": Wording(
            N_("Give the task a title (at most 500 characters)."), "must be 1 to 500 characters"
        ),
        "programme.units_invalid": Wording(
            N_("Name the responsible units (at most 500 characters)."),
            "must be 1 to 500 characters",
        ),
        "programme.objective_invalid": Wording(
            N_("Choose a specific objective, 1 to 6."), "must be a specific objective, 1 to 6"
        ),
        "programme.deadline_year": Wording(
            N_("A deadline must fall between 2000 and 2100."), "must fall in 2000 to 2100"
        ),
        "programme.narrative_too_long": Wording(
            N_("A narrative has at most 20000 characters."), "must be at most 20000 characters"
        ),
        "programme.report_frozen": Wording(
            N_("The report for this year is approved: it no longer changes."),
            "the report for %(year)s is approved and frozen",
        ),
    }
)


# --- rules ---------------------------------------------------------------------------------


def overdue(cycle: str, deadline: date | None, status: str, today: date) -> bool:
    """A task with a deadline passed (Warsaw date) and neither done nor dropped."""
    return (
        cycle == "once"
        and deadline is not None
        and deadline < today
        and status not in ("done", "dropped")
    )


def raised(status: str, value: Decimal | None, threshold: Decimal | None) -> bool:
    """A risk tied to an indicator is raised while the indicator is behind its path
    (domain.assess) or, with a threshold, while its value for the year is under it."""
    if status == "behind":
        return True
    return threshold is not None and (value or Decimal(0)) < threshold


def check_task(objective: Any, title: str, units: str, status: str, deadline: date | None) -> None:
    """The fields of a new task; every wrong one refused at once (422)."""
    wrong = []
    if not isinstance(objective, int) or not 1 <= objective <= 6:
        wrong.append(Refusal("programme.objective_invalid", field="objective"))
    if not title.strip() or len(title) > TITLE_MAX:
        wrong.append(Refusal("programme.title_invalid", field="title"))
    if not units.strip() or len(units) > TITLE_MAX:
        wrong.append(Refusal("programme.units_invalid", field="units"))
    if status not in STATUSES:
        wrong.append(Refusal("programme.status_unknown", field="status"))
    if deadline is not None and not 2000 <= deadline.year <= 2100:
        wrong.append(Refusal("programme.deadline_year", field="deadline"))
    if wrong:
        raise Refused(Kind.INVALID, *wrong)


def check_note(text: str, status: str | None) -> None:
    """A progress note: some text, at most NOTE_MAX characters; a known status if any."""
    wrong = []
    if not text.strip() or len(text) > NOTE_MAX:
        wrong.append(Refusal("programme.note_empty", field="text"))
    if status is not None and status not in STATUSES:
        wrong.append(Refusal("programme.status_unknown", field="status"))
    if wrong:
        raise Refused(Kind.INVALID, *wrong)


# --- read model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    id: int
    written_on: date
    text: str
    status: str | None
    author: str
    created_at: datetime


@dataclass(frozen=True)
class Task:
    id: int
    objective: int
    number: int
    titles: dict[str, str | None]  # pl, en (always), uk (None: not translated yet)
    units: str
    cycle: str
    deadline: date | None
    status: str
    updated_at: datetime
    notes: list[Note] = field(default_factory=list)

    @property
    def translations(self) -> dict[str, str]:
        """The title's versions other than the Polish original (shared/content.py)."""
        return {k: v for k, v in self.titles.items() if k != "pl" and v}

    def shown_title(self, lang: str) -> content.Shown:
        """The title in the reader's language where there is one, else the Polish original
        (the platform's fallback: the page marks it as Polish, not translated yet)."""
        return content.shown(self.titles["pl"], "pl", self.translations, lang)

    def title(self, lang: str) -> str:
        return self.shown_title(lang).text

    def is_overdue(self, today: date | None = None) -> bool:
        return overdue(self.cycle, self.deadline, self.status, today or today_warsaw())


@dataclass(frozen=True)
class Risk:
    id: int
    objective: int
    names: dict[str, str | None]
    rating: int
    likelihood: int
    impact: int
    response: str
    measures: dict[str, str | None]
    indicator_id: str | None
    threshold: Decimal | None
    raised: bool
    reading: queries.Reading | None

    def shown_name(self, lang: str) -> content.Shown:
        return content.shown(self.names["pl"], "pl", _others(self.names), lang)

    def shown_measure(self, lang: str) -> content.Shown:
        return content.shown(self.measures["pl"], "pl", _others(self.measures), lang)

    def name(self, lang: str) -> str:
        return self.shown_name(lang).text

    def measure(self, lang: str) -> str:
        return self.shown_measure(lang).text


def _others(texts: dict[str, str | None]) -> dict[str, str]:
    return {k: v for k, v in texts.items() if k != "pl" and v}


def _task(r: asyncpg.Record, notes: list[Note] | None = None) -> Task:
    return Task(
        id=r["id"],
        objective=r["objective"],
        number=r["number"],
        titles={"pl": r["title_pl"], "en": r["title_en"], "uk": r["title_uk"]},
        units=r["units"],
        cycle=r["cycle"],
        deadline=r["deadline"],
        status=r["status"],
        updated_at=r["updated_at"],
        notes=notes or [],
    )


def _note(r: asyncpg.Record) -> Note:
    return Note(r["id"], r["written_on"], r["text"], r["status"], r["author"], r["created_at"])


async def tasks(
    conn: asyncpg.Connection,
    *,
    year: int | None = None,
    objective: int | None = None,
    status: str | None = None,
    with_notes: bool = False,
    notes_year: int | None = None,
) -> list[Task]:
    """The tasks in the programme's order (objective, number), filtered: due in `year`, of one
    objective, of one status; with their notes (of `notes_year` only, when given)."""
    rows = await conn.fetch(
        "select * from programme_tasks where ($1::int is null or objective = $1) "
        "and ($2::text is null or status = $2) order by objective, number, id",
        objective,
        status,
    )
    found = [_task(r) for r in rows if year is None or due_in(r["cycle"], r["deadline"], year)]
    if not with_notes or not found:
        return found
    notes: dict[int, list[Note]] = {}
    for r in await conn.fetch(
        "select * from programme_task_notes where task_id = any($1::int[]) "
        "and ($2::int is null or extract(year from written_on) = $2) "
        "order by written_on, created_at, id",
        [t.id for t in found],
        notes_year,
    ):
        notes.setdefault(r["task_id"], []).append(_note(r))
    return [_task_with(t, notes.get(t.id, [])) for t in found]


def _task_with(task: Task, notes: list[Note]) -> Task:
    return Task(**{**task.__dict__, "notes": notes})


async def task(conn: asyncpg.Connection, task_id: int) -> Task:
    """One task with every note, newest first; refused (404) when there is none."""
    row = await conn.fetchrow("select * from programme_tasks where id = $1", task_id)
    if row is None:
        raise not_found("programme.task_not_found", task_id=task_id)
    notes = await conn.fetch(
        "select * from programme_task_notes where task_id = $1 "
        "order by written_on desc, created_at desc, id desc",
        task_id,
    )
    return _task(row, [_note(n) for n in notes])


async def overdue_tasks(conn: asyncpg.Connection, today: date | None = None) -> list[Task]:
    """Tasks past their deadline, neither done nor dropped (the coordinator's open work)."""
    rows = await conn.fetch(
        "select * from programme_tasks where cycle = 'once' and deadline < $1 "
        "and status not in ('done', 'dropped') order by deadline, objective, number",
        today or today_warsaw(),
    )
    return [_task(r) for r in rows]


async def risks(conn: asyncpg.Connection, year: int) -> list[Risk]:
    """The risk table, each risk raised or not by its indicator's reading for `year`."""
    readings = {r.indicator.id: r for r in await queries.year_readings(conn, year)}
    out = []
    for r in await conn.fetch("select * from programme_risks order by id"):
        reading = readings.get(r["indicator_id"]) if r["indicator_id"] else None
        out.append(
            Risk(
                id=r["id"],
                objective=r["objective"],
                names={"pl": r["name_pl"], "en": r["name_en"], "uk": r["name_uk"]},
                rating=r["rating"],
                likelihood=r["likelihood"],
                impact=r["impact"],
                response=r["response"],
                measures={"pl": r["measure_pl"], "en": r["measure_en"], "uk": r["measure_uk"]},
                indicator_id=r["indicator_id"],
                threshold=r["threshold"],
                raised=reading is not None
                and raised(reading.status, reading.value, r["threshold"]),
                reading=reading,
            )
        )
    return out


async def narratives(conn: asyncpg.Connection, year: int) -> dict[tuple[int, str], str]:
    """The coordinator's narrative of `year` per (objective, language)."""
    return {
        (r["objective"], r["lang"]): r["text"]
        for r in await conn.fetch(
            "select objective, lang, text from report_narratives where year = $1", year
        )
    }


async def approved(conn: asyncpg.Connection, year: int) -> asyncpg.Record | None:
    """The frozen report of `year`, if approved."""
    return await conn.fetchrow("select * from approved_reports where year = $1", year)


async def approved_years(conn: asyncpg.Connection) -> list[int]:
    """Years whose report is approved, newest first (the public page links them)."""
    return [
        r["year"] for r in await conn.fetch("select year from approved_reports order by year desc")
    ]
