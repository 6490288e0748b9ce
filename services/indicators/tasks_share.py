"""`programme.tasks_completed_share`: programme tasks done / tasks due in a year, overall and per
objective, read directly from `programme_tasks` (not from events). Pure rules and one query; the
read model (queries.py) and the task pages (programme.py) both use it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import asyncpg


def due_in(cycle: str, deadline: date | None, year: int) -> bool:
    """Whether a task is due in `year`: a yearly (continuous) task every year, a task with a
    deadline in its deadline's year."""
    return cycle == "yearly" or (deadline is not None and deadline.year == year)


def completed_share(tasks: list[tuple[str, date | None, str]], year: int) -> Decimal | None:
    """Tasks done / tasks due in `year` (dropped tasks are not due), in percent, one decimal;
    None when no task is due. Each task is (cycle, deadline, status)."""
    due = [t for t in tasks if due_in(t[0], t[1], year) and t[2] != "dropped"]
    if not due:
        return None
    done = sum(1 for t in due if t[2] == "done")
    return (Decimal(100 * done) / Decimal(len(due))).quantize(Decimal("0.1"))


async def completed_shares(
    conn: asyncpg.Connection, years: list[int]
) -> dict[int, dict[int | None, Decimal | None]]:
    """The share per year: overall (key None) and per objective (1-6)."""
    rows = await conn.fetch("select objective, cycle, deadline, status from programme_tasks")
    every = [(r["cycle"], r["deadline"], r["status"]) for r in rows]
    out: dict[int, dict[int | None, Decimal | None]] = {}
    for year in years:
        shares: dict[int | None, Decimal | None] = {None: completed_share(every, year)}
        for objective in range(1, 7):
            own = [
                (r["cycle"], r["deadline"], r["status"])
                for r in rows
                if r["objective"] == objective
            ]
            shares[objective] = completed_share(own, year)
        out[year] = shares
    return out
