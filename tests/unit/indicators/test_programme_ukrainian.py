"""Every task and risk seeded from the programme (migration 004) has its Ukrainian text in
migration 008, matched on the seeded English title (so the update finds it)."""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS = Path(__file__).parents[3] / "services" / "indicators" / "migrations"
TEXT = r"'((?:[^']|'')*)'"


def test_every_seeded_task_and_risk_has_a_ukrainian_text() -> None:
    seeded = (MIGRATIONS / "004_programme.sql").read_text()
    ukrainian = (MIGRATIONS / "008_programme_uk.sql").read_text()
    tasks = re.findall(rf"^ \((\d), (\d), {TEXT}, {TEXT}, '", seeded, re.M)
    assert len(tasks) == 26
    given = {
        (o, n, en): uk
        for o, n, en, uk in re.findall(rf"^ \((\d), (\d), {TEXT}, {TEXT}\)", ukrainian, re.M)
    }
    assert {(o, n, en) for o, n, _, en in tasks} == set(given)
    cyrillic = re.compile("[\u0400-\u04ff]")
    assert all(cyrillic.search(uk) for uk in given.values())
    risks = re.findall(
        r"^ \((\d), \d, '.*'(?:tolerance|transfer|withdrawal|counteracting)'", seeded, re.M
    )
    named = re.findall(rf"^ \((\d), {TEXT}, {TEXT}\)", ukrainian, re.M)
    assert sorted(risks) == sorted(i for i, _, _ in named) == [str(i) for i in range(1, 7)]
    assert all(cyrillic.search(a) and cyrillic.search(b) for _, a, b in named)
