"""Indicator rules, free of I/O: status against the expected value, the Warsaw calendar year,
what a value reported by hand must be, and the refusals of this service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from shared.refusals import N_, Kind, Refusal, Refused, Wording, register

WARSAW = ZoneInfo("Europe/Warsaw")


def warsaw_year(moment: datetime) -> int:
    """The calendar year in Kraków of an aware moment."""
    return moment.astimezone(WARSAW).year


def year_fraction_elapsed(year: int, now: datetime) -> float:
    """Share (0..1) of Warsaw year `year` gone at `now`; 1 for past years, 0 for future ones."""
    local = now.astimezone(WARSAW)
    if local.year > year:
        return 1.0
    if local.year < year:
        return 0.0
    start = datetime(year, 1, 1, tzinfo=WARSAW)
    end = datetime(year + 1, 1, 1, tzinfo=WARSAW)
    return (local - start) / (end - start)


@dataclass(frozen=True)
class AnswerCounts:
    """The Bench questions of a year: received, answered, and unanswered past their due date now."""

    received: int
    answered: int
    overdue: int

    @property
    def waiting(self) -> int:
        """Unanswered and not yet due: nothing is missed on them yet."""
        return max(self.received - self.answered - self.overdue, 0)


@dataclass(frozen=True)
class Assessment:
    """A status and its reason in words: `reason` is a message (English msgid, translated where
    shown) whose `%(name)s` placeholders are filled from `values`."""

    status: str
    reason: str
    values: dict[str, Decimal | int | None] = field(default_factory=dict)
    # Where the path to the expected value stands by now (a cumulative count before year end).
    path: Decimal | None = None


NO_DATA = N_("No value for %(year)s yet.")
OBSERVED = N_("Observed only: the programme sets no expected value.")
ABOVE_MAXIMUM = N_("%(value)s is above the maximum of %(expected)s.")
WITHIN_MAXIMUM = N_("%(value)s stays within the maximum of %(expected)s.")
REACHED = N_("%(value)s reached the expected %(expected)s.")
YEAR_ENDED_SHORT = N_("The year ended at %(value)s, short of the expected %(expected)s.")
ON_PATH = N_("%(value)s so far; by now the path to %(expected)s stands at %(path)s.")
BELOW_PATH = N_("%(value)s so far, below the %(path)s the path to %(expected)s reaches by now.")
BELOW_TARGET = N_("%(value)s is below the target of %(expected)s.")
ALL_ANSWERED = N_("All %(received)s questions answered.")
NOTHING_MISSED = N_(
    "%(answered)s of %(received)s questions answered; %(waiting)s not yet due, none overdue."
)
SOME_MISSED = N_(
    "%(answered)s of %(received)s questions answered; %(overdue)s past their due date "
    "unanswered; %(waiting)s not yet due."
)


def assess(
    value: Decimal | None,
    expected: Decimal | None,
    kind: str | None,
    *,
    year: int,
    now: datetime | None = None,
    cumulative: bool = True,
    answers: AnswerCounts | None = None,
) -> Assessment:
    """met / on_track / behind / no_data for a yearly value against its expected value, with
    the reason in words.

    A minimum or target is met when reached; before the year ends a cumulative count that has
    reached its pro-rata share of the expected value (its path) is on track. A maximum (e.g.
    overdue questions, median days) is on track while the value stays at or below it, and met
    when the year ended so. A share is never behind on what is not yet due: the answer rate
    (`answers` given) is behind only while a question is unanswered past its due date.
    """
    figures: dict[str, Decimal | int | None] = {"value": value, "expected": expected}
    if answers is not None and answers.received > 0:
        counts: dict[str, Decimal | int | None] = {
            "received": answers.received,
            "answered": answers.answered,
            "overdue": answers.overdue,
            "waiting": answers.waiting,
        }
        if answers.overdue > 0:
            return Assessment("behind", SOME_MISSED, counts)
        if answers.answered >= answers.received:
            return Assessment("met", ALL_ANSWERED, counts)
        return Assessment("on_track", NOTHING_MISSED, counts)
    if value is None:
        return Assessment("no_data", NO_DATA, {"year": year})
    if expected is None or kind is None:
        # observed, with nothing in the programme to fall short of
        return Assessment("on_track", OBSERVED, figures)
    now = now or datetime.now(UTC)
    elapsed = year_fraction_elapsed(year, now)
    if kind == "maximum":
        if value > expected:
            return Assessment("behind", ABOVE_MAXIMUM, figures)
        return Assessment("met" if elapsed >= 1.0 else "on_track", WITHIN_MAXIMUM, figures)
    if value >= expected:
        return Assessment("met", REACHED, figures)
    if elapsed >= 1.0:
        return Assessment("behind", YEAR_ENDED_SHORT, figures)
    if not cumulative:
        # A rate is not earned pro rata: below its target before the year ends, it is behind.
        return Assessment("behind", BELOW_TARGET, figures)
    exact = expected * Decimal(str(elapsed))
    on_path = value >= exact
    # Shown to one decimal, rounded away from the value, so the sentence never reads "4, below
    # the 4.0": behind, up (4.008 → 4.1); on the path, down (3.96 → 3.9).
    path = exact.quantize(Decimal("0.1"), rounding=ROUND_FLOOR if on_path else ROUND_CEILING)
    return Assessment(
        "on_track" if on_path else "behind",
        ON_PATH if on_path else BELOW_PATH,
        {**figures, "path": path},
        path=path,
    )


def status(
    value: Decimal | None,
    expected: Decimal | None,
    kind: str | None,
    *,
    year: int,
    now: datetime | None = None,
    cumulative: bool = True,
) -> str:
    """The status alone (see `assess`)."""
    return assess(value, expected, kind, year=year, now=now, cumulative=cumulative).status


def current_year() -> int:
    """This year in Kraków."""
    return warsaw_year(datetime.now(UTC))


def today_warsaw() -> date:
    """Today's date in Kraków."""
    return datetime.now(WARSAW).date()


# --- Derived values -------------------------------------------------------------------------

SMALL_CELL = 5
"""Breakdown cells of fewer people than this are never shown (no resident can be singled out)."""

BACKGROUND_GROUPS = ("national_minority", "ethnic_minority", "economic_migrant", "forced_migrant")


def answer_rate(received: int, answered: int) -> Decimal | None:
    """Answered / received in percent (one decimal); None without questions."""
    if received <= 0:
        return None
    return (Decimal(100) * answered / received).quantize(Decimal("0.1"))


def median_days(histogram: dict[int, int]) -> Decimal | None:
    """The median of answer times (whole days) kept as {days: how many}; None when empty.

    With an even count the median is the mean of the two middle values (e.g. 3.5 days).
    """
    total = sum(n for n in histogram.values() if n > 0)
    if total == 0:
        return None
    lower_rank, upper_rank = (total + 1) // 2, total // 2 + 1
    lower = upper = None
    seen = 0
    for days in sorted(histogram):
        seen += max(histogram[days], 0)
        if lower is None and seen >= lower_rank:
            lower = days
        if seen >= upper_rank:
            upper = days
            break
    assert lower is not None and upper is not None
    return (Decimal(lower + upper) / 2).quantize(Decimal("0.1"))


def background_share(groups: dict[str, int]) -> Decimal | None:
    """Share (percent, one decimal) of participants declaring a minority or migration background.

    The denominator is everyone who declared a group other than `undisclosed` ("none" counts:
    those people told us they have no such background). None while nobody declared anything.
    """
    declared = sum(n for g, n in groups.items() if g != "undisclosed")
    if declared <= 0:
        return None
    background = sum(groups.get(g, 0) for g in BACKGROUND_GROUPS)
    return (Decimal(100) * background / declared).quantize(Decimal("0.1"))


def suppress_small_cells(cells: dict[str, int]) -> dict[str, int | None]:
    """Cells of 1..4 people become None ("<5"); zeros stay (they single out nobody).

    When exactly one cell would be hidden, the next smallest non-zero cell is hidden too,
    because otherwise the hidden one could be worked out from the total.
    """
    hidden = {k for k, n in cells.items() if 0 < n < SMALL_CELL}
    if len(hidden) == 1:
        others = sorted((n, k) for k, n in cells.items() if n > 0 and k not in hidden)
        if others:
            hidden.add(others[0][1])
    return {k: (None if k in hidden else n) for k, n in cells.items()}


# --- Values reported by hand ----------------------------------------------------------------

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_VALUE = Decimal(10) ** 12
MAX_NOTE = 2000

# The codes this service refuses with: the page text (translated in locale/) and the API text
# (English, as the API said it before the codes existed).
REFUSALS = register(
    {
        "indicators.not_found": Wording(
            N_("There is no indicator of that name."), "no indicator %(indicator_id)r"
        ),
        "indicators.no_breakdown": Wording(
            N_("This indicator has no breakdown."),
            "%(indicator_id)s has no breakdown; these do: %(these)s",
        ),
        "indicators.computed": Wording(
            N_(
                "This indicator is computed from events; only indicators reported by hand take values."
            ),
            "%(indicator_id)s is computed from events; only indicators reported by hand take values",
        ),
        "indicators.year_range": Wording(
            N_("Enter a year between 2000 and 2100"), "must be a year from 2000 to 2100"
        ),
        "indicators.value_range": Wording(
            N_("Enter a number of 0 or more (a percentage at most 100)"),
            "must be a number from 0 to 1000000000000",
        ),
        "indicators.percent_over_100": Wording(
            N_("Enter a number of 0 or more (a percentage at most 100)"),
            "a percentage is at most 100",
        ),
        "indicators.note_too_long": Wording(
            N_("Keep the note under 2000 characters"), "must be at most 2000 characters"
        ),
    }
)


@dataclass(frozen=True)
class ManualValue:
    """A yearly value reported by hand, as the coordinator gave it.

    `year` or `value` is None when what was typed is not a number at all (a form's text), so
    that the same rule refuses it, with the same words, wherever it came from.
    """

    year: int | None
    value: Decimal | None
    note: str = ""


def check_manual_value(unit: str, entry: ManualValue) -> None:
    """Refuse (422, every offending field at once) a value an indicator in `unit` cannot take:
    a year outside 2000..2100, a value that is not a number from 0 to 10^12, a percentage
    over 100, a note over 2000 characters."""
    refusals: list[Refusal] = []
    if entry.year is None or not FIRST_YEAR <= entry.year <= LAST_YEAR:
        refusals.append(Refusal("indicators.year_range", field="year"))
    value = entry.value
    if value is None or not value.is_finite() or not 0 <= value <= MAX_VALUE:
        refusals.append(Refusal("indicators.value_range", field="value"))
    elif unit == "percent" and value > 100:
        refusals.append(Refusal("indicators.percent_over_100", field="value"))
    if len(entry.note) > MAX_NOTE:
        refusals.append(Refusal("indicators.note_too_long", field="note"))
    if refusals:
        raise Refused(Kind.INVALID, *refusals)
