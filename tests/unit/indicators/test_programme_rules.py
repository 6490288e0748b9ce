"""The programme's year, pure rules: which tasks are due in a year, the share done, overdue,
when a risk is raised, what a note and a task must be, and the PDF's clear refusal without
WeasyPrint."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal

import pytest

from services.indicators import programme, programme_report
from services.indicators.tasks_share import completed_share, due_in
from shared.refusals import Refused


def test_a_yearly_task_is_due_every_year_a_deadline_in_its_year() -> None:
    assert due_in("yearly", None, 2031)
    assert due_in("once", date(2028, 12, 31), 2028)
    assert not due_in("once", date(2028, 12, 31), 2027)


def test_the_share_counts_done_over_due_and_leaves_dropped_out() -> None:
    tasks = [
        ("yearly", None, "done"),
        ("yearly", None, "in_progress"),
        ("once", date(2026, 6, 30), "done"),
        ("once", date(2027, 6, 30), "done"),  # not due in 2026
        ("yearly", None, "dropped"),  # not due at all
    ]
    assert completed_share(tasks, 2026) == Decimal("66.7")
    assert completed_share(tasks, 2027) == Decimal("66.7")
    assert completed_share([("once", date(2030, 1, 1), "done")], 2026) is None


def test_overdue_only_with_a_passed_deadline_and_not_done_or_dropped() -> None:
    today = date(2026, 5, 1)
    assert programme.overdue("once", date(2026, 4, 30), "in_progress", today)
    assert not programme.overdue("once", date(2026, 5, 1), "planned", today)
    assert not programme.overdue("once", date(2026, 4, 30), "done", today)
    assert not programme.overdue("once", date(2026, 4, 30), "dropped", today)
    assert not programme.overdue("yearly", None, "planned", today)


def test_a_risk_is_raised_behind_its_path_or_under_its_threshold() -> None:
    assert programme.raised("behind", Decimal(50), None)
    assert not programme.raised("on_track", Decimal(3), None)
    assert programme.raised("on_track", Decimal(9), Decimal(10))
    assert programme.raised("no_data", None, Decimal(10))
    assert not programme.raised("met", Decimal(10), Decimal(10))


def test_notes_and_tasks_are_refused_field_by_field() -> None:
    with pytest.raises(Refused) as empty:
        programme.check_note("   ", "finished")
    assert [(r.code, r.field) for r in empty.value.refusals] == [
        ("programme.note_empty", "text"),
        ("programme.status_unknown", "status"),
    ]
    programme.check_note("Done", "done")
    with pytest.raises(Refused) as task:
        programme.check_task(7, "", "x" * 501, "planned", date(2200, 1, 1))
    assert [r.field for r in task.value.refusals] == ["objective", "title", "units", "deadline"]


def test_without_weasyprint_the_pdf_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as without Pango
    with pytest.raises(programme_report.PdfUnavailable) as refused:
        programme_report.pdf("<p>x</p>")
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in str(refused.value)


def test_the_pdf_is_rendered_by_weasyprint() -> None:
    assert programme_report.pdf("<p>Raport</p>").startswith(b"%PDF-")
