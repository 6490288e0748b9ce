"""Dialogue Bench rules, free of I/O: references, due dates, who may ask what and when."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")
REFERENCE_PREFIX = "LD"


def format_reference(year: int, edition_number: int, seq: int) -> str:
    """A human reference for residents: LD-<year>-<edition number>-<question number>."""
    return f"{REFERENCE_PREFIX}-{year:04d}-{edition_number:02d}-{seq:04d}"


def due_at(received_at: datetime, answer_due_days: int) -> datetime:
    """End of the Warsaw day `answer_due_days` after receipt, in UTC (a deadline is a day)."""
    local_day: date = received_at.astimezone(WARSAW).date() + timedelta(days=answer_due_days)
    end_of_day = datetime.combine(local_day, time(23, 59, 59), tzinfo=WARSAW)
    return end_of_day.astimezone(ZoneInfo("UTC"))


def edition_accepts_questions(
    status: str, submissions_close_at: datetime, now: datetime
) -> str | None:
    """None when the edition takes questions now, else the reason it does not."""
    if status != "open":
        return f"the edition is {status}"
    if now >= submissions_close_at:
        return f"submissions closed at {submissions_close_at.astimezone(WARSAW).isoformat()}"
    return None


def new_tracking_token() -> str:
    """A secret the asker uses to follow a question; only its hash is stored."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """The stored form of a tracking token."""
    return hashlib.sha256(token.encode()).hexdigest()


def warsaw_year(moment: datetime) -> int:
    """The calendar year in Kraków of a UTC moment (indicators count per Warsaw year)."""
    return moment.astimezone(WARSAW).year
