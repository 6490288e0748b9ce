"""Kraków wall time entered on a staff form, as the UTC moment it names (clock changes too)."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.web.forms import warsaw_moment


def test_winter_and_summer_wall_times_are_one_and_two_hours_ahead_of_utc() -> None:
    assert warsaw_moment(datetime(2026, 12, 1, 18, 0)) == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert warsaw_moment(datetime(2026, 6, 1, 18, 0)) == datetime(2026, 6, 1, 16, 0, tzinfo=UTC)


def test_a_time_the_spring_change_skips_names_no_moment() -> None:
    assert warsaw_moment(datetime(2026, 3, 29, 2, 30)) is None
    assert warsaw_moment(datetime(2026, 3, 29, 3, 0)) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_a_time_the_autumn_change_repeats_is_its_first_summer_time_occurrence() -> None:
    assert warsaw_moment(datetime(2026, 10, 25, 2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
