"""Settings of mail retries, the mail sweeper and job time-outs: read, checked, scheduled."""

from __future__ import annotations

import pytest

from shared.config import load_settings
from shared.runtime import sweep_seconds


def test_defaults_are_minutes_and_the_environment_shortens_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("MAIL_RETRY_DELAYS", "MAIL_SWEEP_SECONDS", "JOB_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    default = load_settings()
    assert default.mail_retry_delays == (5, 15, 30, 60, 120, 300, 600)
    assert (default.mail_sweep_seconds, default.job_timeout_seconds) == (60, 120)
    monkeypatch.setenv("MAIL_RETRY_DELAYS", "1, 2,4")
    monkeypatch.setenv("MAIL_SWEEP_SECONDS", "3")
    monkeypatch.setenv("JOB_TIMEOUT_SECONDS", "15")
    short = load_settings()
    assert short.mail_retry_delays == (1, 2, 4)
    assert (short.mail_sweep_seconds, short.job_timeout_seconds) == (3, 15)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MAIL_RETRY_DELAYS", "5,soon", "whole seconds separated by commas"),
        ("MAIL_RETRY_DELAYS", "5,0", "1 second or more"),
        ("MAIL_SWEEP_SECONDS", "0", "1 or more"),
        ("JOB_TIMEOUT_SECONDS", "2.5", "whole number of seconds"),
    ],
)
def test_a_bad_value_is_refused_with_its_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name) as refused:
        load_settings()
    assert message in str(refused.value)


def test_the_sweeper_runs_about_as_often_as_mail_may_wait() -> None:
    assert sweep_seconds(60) == sweep_seconds(600) == {7}
    assert sweep_seconds(3) == set(range(1, 60, 3))
    assert sweep_seconds(20) == {7, 27, 47}
    assert all(len(sweep_seconds(n)) >= 60 // n for n in range(1, 60))
