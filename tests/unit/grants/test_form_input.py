"""What people type in the grants forms, read the way they mean it (or refused, never a 500)."""

from __future__ import annotations

import pytest

from services.grants.pages import _minor, _whole


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("2500", 250_000),
        ("2 500,50", 250_050),
        ("2\u00a0500.5", 250_050),
        ("0", 0),
        ("-5", -500),  # a rule refuses it, naming the field
        ("", None),
        ("2.505", None),
        ("1e9", None),
        ("Infinity", None),
        ("NaN", None),
        ("dwa tysiące", None),
        ("9" * 40, None),
    ],
)
def test_amounts_are_read_in_minor_units_or_refused(typed: str, minor: int | None) -> None:
    assert _minor(typed) == minor


@pytest.mark.parametrize(
    ("typed", "number"),
    [("7", 7), (" 10 ", 10), ("", 2), ("7.5", -1), ("siedem", -1), ("9" * 30, -1)],
)
def test_whole_numbers_fall_outside_every_range_when_they_are_not_one(
    typed: str, number: int
) -> None:
    assert _whole(typed, 2) == number
