"""What people type in the grants forms, read the way they mean it (or refused, never a 500)."""

from __future__ import annotations

import pytest

from services.grants.pages.common import minor as _minor
from services.grants.pages.common import whole as _whole


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


def test_a_call_time_is_read_as_krakow_wall_time_and_a_skipped_one_is_refused() -> None:
    from services.grants.pages.coordinator import _warsaw_input

    assert _warsaw_input("2026-12-01T23:59") == "2026-12-01T22:59:00+00:00"
    assert _warsaw_input("2026-07-01T12:00") == "2026-07-01T10:00:00+00:00"
    assert _warsaw_input("2026-03-29T02:30") is None  # the clocks jump from 02:00 to 03:00
    assert _warsaw_input("2026-12-01T23:59+05:00") is None  # the field holds no offset
    assert _warsaw_input("next tuesday") is None
