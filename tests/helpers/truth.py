"""Ground truth for the indicators, computed with SQL from the services' own tables (never from
events or from the indicators service), and the comparison with what the service shows."""

from __future__ import annotations

import statistics
from collections import Counter
from fractions import Fraction
from typing import Any

import asyncpg

Key = tuple[str, int, str]
"""(indicator id, Warsaw year, dimension): one yearly counter; dimension "" is the total."""

BACKGROUND = ("national_minority", "ethnic_minority", "economic_migrant", "forced_migrant")
"""Groups that declare a minority or migration background (handbook: indicators.md)."""

QUESTIONS = """
with q as (
    select q.received_at, q.due_at, q.grp, q.language, q.channel, q.helpful, q.department_id,
           least(q.answered_live_at,
                 (select min(a.answered_at) from participation.bench_answers a
                  where a.question_id = q.id)) as answered_at
    from participation.bench_questions q
    -- Rejected and merged questions count nowhere; a merged one is 'answered' once the
    -- question it joined is, so it is known by merged_into.
    where q.status <> 'rejected' and q.merged_into is null
)
select extract(year from received_at at time zone 'Europe/Warsaw')::int as year,
       grp, language, channel,
       case when answered_at is null then null
            else greatest(0, floor(extract(epoch from answered_at - received_at) / 86400))::int
       end as days,
       (answered_at is null and due_at < now()) as overdue,
       (answered_at is not null and answered_at <= due_at) as on_time,
       -- The asker's verdict counts only for an answered question (issue 16).
       case when answered_at is null then null else helpful end as helpful,
       department_id::text as department,
       count(*)::int as n
from q group by 1, 2, 3, 4, 5, 6, 7, 8, 9
"""

EDITIONS_HELD = """
select extract(year from held_on)::int as year, count(*)::int as n
from participation.bench_editions where status = 'held' group by 1
"""

MEETINGS_HELD = """
select extract(year from m.starts_at at time zone 'Europe/Warsaw')::int as year,
       count(*)::int as n,
       coalesce(sum((select count(*) from participation.council_attendance a
                     where a.meeting_id = m.id)), 0)::int as participants
from participation.council_meetings m where m.status = 'held' group by 1
"""

APPLICATIONS_SUBMITTED = """
select extract(year from submitted_at at time zone 'Europe/Warsaw')::int as year, count(*)::int as n
from grants.applications where submitted_at is not null group by 1
"""

AWARDS = """
select extract(year from awarded_at at time zone 'Europe/Warsaw')::int as year, currency,
       count(*)::int as n, sum(amount)::bigint as amount
from grants.awards group by 1, 2
"""

NOMINATIONS = """
select extract(year from submitted_at at time zone 'Europe/Warsaw')::int as year,
       nominator_group as grp, language, count(*)::int as n
from ambassadors.nominations group by 1, 2, 3
"""

REPORTS_PUBLISHED = """
select extract(year from published_on)::int as year, count(*)::int as n
from observatory.publications
where withdrawn_at is null and kind in ('report', 'study') group by 1
"""

INCIDENTS = """
select extract(year from reported_at at time zone 'Europe/Warsaw')::int as year,
       category, coalesce(district, 'unknown') as district,
       count(*)::int as n,
       count(*) filter (where referred_at - reported_at <= interval '7 days')::int as on_time
from incidents.reports group by 1, 2, 3
"""


class Truth:
    """Every yearly counter the indicators are made of, as the services' tables have it."""

    def __init__(self) -> None:
        self.counters: Counter[Key] = Counter()
        self.overdue: Counter[int] = Counter()
        # The programme's tasks (cycle, deadline, status), as the indicators service keeps them.
        self.tasks: list[tuple[str, Any, str]] = []

    @classmethod
    async def read(cls, conn: asyncpg.Connection) -> Truth:
        t = cls()
        c = t.counters
        for r in await conn.fetch(QUESTIONS):
            y, n = r["year"], r["n"]
            c["bench.questions_received", y, ""] += n
            c["bench.questions_received", y, f"group:{r['grp']}"] += n
            c["bench.questions_received", y, f"language:{r['language']}"] += n
            c["bench.questions_received", y, f"channel:{r['channel']}"] += n
            if r["days"] is not None:
                c["bench.questions_answered", y, ""] += n
                c["bench.median_days_to_answer", y, f"days:{r['days']}"] += n
            if r["on_time"]:
                c["bench.answered_on_time_share", y, "on_time"] += n
            if r["helpful"] is not None:
                c["bench.answers_helpful_share", y, "verdict"] += n
            if r["helpful"]:
                c["bench.answers_helpful_share", y, "helpful"] += n
                c["bench.median_days_to_helpful_answer", y, f"days:{r['days']}"] += n
            if dept := r["department"]:  # the registry's department a question went to
                share = "bench.answered_on_time_share"
                c[share, y, f"received:{dept}"] += n
                if r["days"] is not None:
                    c[share, y, f"department:{dept}"] += n
                    c[share, y, f"days:{dept}:{r['days']}"] += n
                if r["on_time"]:
                    c[share, y, f"department_on_time:{dept}"] += n
                if r["helpful"] is not None:
                    c[share, y, f"verdict:{dept}"] += n
                if r["helpful"]:
                    c[share, y, f"helpful:{dept}"] += n
            if r["overdue"]:
                t.overdue[y] += n
        for r in await conn.fetch(EDITIONS_HELD):
            c["bench.editions_held", r["year"], ""] += r["n"]
        for r in await conn.fetch(MEETINGS_HELD):
            c["council.meetings_held", r["year"], ""] += r["n"]
            c["council.meeting_participants", r["year"], ""] += r["participants"]
        for r in await conn.fetch(APPLICATIONS_SUBMITTED):
            c["grants.applications_submitted", r["year"], ""] += r["n"]
        for r in await conn.fetch(AWARDS):
            c["grants.initiatives_supported", r["year"], ""] += r["n"]
            c["grants.amount_awarded", r["year"], f"currency:{r['currency']}"] += r["amount"]
        for r in await conn.fetch(NOMINATIONS):
            y, n = r["year"], r["n"]
            c["ambassadors.nominations_submitted", y, ""] += n
            c["ambassadors.nominations_submitted", y, f"group:{r['grp']}"] += n
            c["ambassadors.nominations_submitted", y, f"language:{r['language']}"] += n
        if await conn.fetchval("select to_regclass('observatory.publications') is not null"):
            for r in await conn.fetch(REPORTS_PUBLISHED):
                c["observatory.reports_published", r["year"], ""] += r["n"]
        t.tasks = [
            (r["cycle"], r["deadline"], r["status"])
            for r in await conn.fetch(
                "select cycle, deadline, status from indicators.programme_tasks"
            )
        ]
        # A run without the incidents service (the chaos test serves four) has no such table.
        has_incidents = await conn.fetchval("select to_regclass('incidents.reports') is not null")
        for r in await conn.fetch(INCIDENTS) if has_incidents else []:
            y, n = r["year"], r["n"]
            c["security.incidents_reported", y, ""] += n
            c["security.incidents_reported", y, f"category:{r['category']}"] += n
            c["security.incidents_reported", y, f"district:{r['district']}"] += n
            c["security.incidents_referred_share", y, "on_time"] += r["on_time"]
        return t

    @property
    def years(self) -> set[int]:
        return {y for (_, y, _) in self.counters}

    def total(self, indicator_id: str, year: int, dimension: str = "") -> int:
        return self.counters.get((indicator_id, year, dimension), 0)

    def expected(self, indicator_id: str, year: int) -> int | Fraction | None:
        """What an events-sourced indicator must show for `year` (None: no value)."""
        total = lambda i, d="": self.total(i, year, d)  # noqa: E731
        enough_verdicts = lambda: total("bench.answers_helpful_share", "verdict") >= 5  # noqa: E731
        match indicator_id:
            case "bench.answer_rate":
                received = total("bench.questions_received")
                if not received:
                    return None
                return Fraction(100 * total("bench.questions_answered"), received)
            case "bench.median_days_to_answer" | "bench.median_days_to_helpful_answer":
                if indicator_id.endswith("helpful_answer") and not enough_verdicts():
                    return None
                days = [
                    int(d.removeprefix("days:"))
                    for (i, y, d), n in self.counters.items()
                    if i == indicator_id and y == year
                    for _ in range(n)
                ]
                return Fraction(statistics.median(days)).limit_denominator(2) if days else None
            case "bench.answered_on_time_share":
                answered = total("bench.questions_answered")
                if not answered:
                    return None
                return Fraction(100 * total(indicator_id, "on_time"), answered)
            case "bench.answers_helpful_share":
                # A verdict is one asker's opinion: no share of fewer than 5 of them.
                if not enough_verdicts():
                    return None
                return Fraction(
                    100 * total(indicator_id, "helpful"), total(indicator_id, "verdict")
                )
            case "bench.questions_overdue":
                return self.overdue.get(year, 0)
            case "grants.amount_awarded":
                return total(indicator_id, "currency:PLN")
            case "security.incidents_referred_share":
                reported = total("security.incidents_reported")
                if not reported:
                    return None
                return Fraction(100 * total(indicator_id, "on_time"), reported)
            case "participation.foreign_participants_share":
                groups: Counter[str] = Counter()
                for (i, y, d), n in self.counters.items():
                    participants = ("bench.questions_received", "ambassadors.nominations_submitted")
                    if i in participants and y == year and d.startswith("group:"):
                        groups[d.removeprefix("group:")] += n
                declared = sum(n for g, n in groups.items() if g != "undisclosed")
                if not declared:
                    return None
                return Fraction(100 * sum(groups[g] for g in BACKGROUND), declared)
            case "programme.tasks_completed_share":
                # Due in the year: every yearly task, a task whose deadline falls in it; a
                # dropped task is not due. Done among them, in percent.
                due = [
                    status
                    for cycle, deadline, status in self.tasks
                    if status != "dropped"
                    and (cycle == "yearly" or (deadline is not None and deadline.year == year))
                ]
                if not due:
                    return None
                return Fraction(100 * due.count("done"), len(due))
            case (
                "bench.questions_received"
                | "bench.questions_answered"
                | "bench.editions_held"
                | "council.meetings_held"
                | "council.meeting_participants"
                | "grants.applications_submitted"
                | "grants.initiatives_supported"
                | "ambassadors.nominations_submitted"
                | "observatory.reports_published"
                | "security.incidents_reported"
            ):
                return total(indicator_id)
        raise KeyError(
            f"no ground truth for indicator {indicator_id}: add it to tests/helpers/truth.py"
        )


def matches(expected: int | Fraction | float | None, shown: float | None) -> bool:
    """Whether a shown value is the expected one (a ratio shown to one decimal place)."""
    if expected is None or shown is None:
        return expected is None and shown is None
    if isinstance(expected, Fraction) and expected.denominator > 2:
        return abs(Fraction(shown) - expected) <= Fraction(1, 20) + Fraction(1, 10**9)
    return Fraction(shown) == Fraction(expected)


def show(value: Any) -> str:
    if isinstance(value, Fraction):
        return f"{float(value):.3f}" if value.denominator > 1 else str(value.numerator)
    return repr(value)


def differences(
    truth: Truth, year: int, shown: list[dict[str, Any]], manual: dict[str, float]
) -> list[str]:
    """One line per indicator of `year` whose shown value is not the ground truth."""
    out = []
    for ind in shown:
        if ind["source"] == "manual":
            expected: Any = manual.get(ind["id"])
        else:
            expected = truth.expected(ind["id"], year)
        if not matches(expected, ind["value"]):
            out.append(f"{ind['id']} {year}: expected {show(expected)}, shown {show(ind['value'])}")
    return out


def counter_differences(truth: Truth, kept: dict[Key, int]) -> list[str]:
    """Counters (totals, breakdowns, answer-time histogram, money per currency) the projection
    keeps that differ from the ground truth."""
    keys = {k for k, v in truth.counters.items() if v} | {k for k, v in kept.items() if v}
    return [
        f"counter {i} {y} {d or '(total)'}: expected {truth.counters.get((i, y, d), 0)}, "
        f"kept {kept.get((i, y, d), 0)}"
        for (i, y, d) in sorted(keys)
        if truth.counters.get((i, y, d), 0) != kept.get((i, y, d), 0)
    ]
