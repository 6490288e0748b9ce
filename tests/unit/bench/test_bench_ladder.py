"""The escalation ladder's pure rule: which steps are due at a moment, each once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from services.participation.bench import domain

DUE = domain.due_at(datetime(2026, 3, 1, 10, tzinfo=UTC), 30)  # end of 31 March, Warsaw


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=domain.WARSAW).astimezone(UTC)


def steps(now: datetime, status: str = "assigned", taken: tuple[str, ...] = ()) -> list[str]:
    return domain.ladder_steps(
        status=status, due_at=DUE, reminder_days=3, taken=list(taken), now=now
    )


def test_each_step_begins_on_its_day_in_warsaw() -> None:
    due_day = DUE.astimezone(domain.WARSAW).date()
    assert due_day == date(2026, 3, 31)
    assert steps(at(due_day - timedelta(days=4), 23)) == []
    assert steps(at(due_day - timedelta(days=3), 0)) == ["reminder"]
    assert steps(at(due_day, 0), taken=("reminder",)) == ["head"]
    assert steps(DUE, taken=("reminder", "head")) == []  # due until the end of the day
    assert steps(DUE + timedelta(seconds=2), taken=("reminder", "head")) == ["coordinator"]
    assert steps(DUE + timedelta(days=9), taken=("reminder", "head", "coordinator")) == []


def test_a_late_run_takes_every_missed_step_and_unassigned_questions_get_no_reminder() -> None:
    late = DUE + timedelta(days=2)
    assert steps(late) == ["reminder", "head", "coordinator"]
    assert steps(late, status="accepted") == ["head", "coordinator"]
    assert steps(late, status="answer_in_review") == ["reminder", "head", "coordinator"]
    for closed in ("answered", "rejected", "merged"):
        assert steps(late, status=closed) == []
