"""Text that reaches a mail header (issue 15: item 8's header part, and the Ukrainian subject).

The kit writes a Subject so that a reader decodes exactly what was written (the standard folder
dropped the space between two encoded words: "запитаннядо"), and never lets a line break or a
control character start a new header line. Input whose text ends in a Subject (a council
meeting's title) is refused with 422 naming the field on the API and a translated message on
the secretariat's page; before, CR, LF or U+2028 in it gave 500.
"""

from __future__ import annotations

import email
import uuid
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from services.participation.bench import mails as bench_mails
from shared import mail
from shared.config import load_settings
from tests.helpers.platform import RunningPlatform
from tests.integration.council.helpers import SECRETARY, direct_member
from tests.integration.council.test_council_staff_pages import csrf_of, signed_in

BREAKS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b", "\x00"]


def _read_back(message: email.message.EmailMessage) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


@pytest.mark.parametrize("language", ["uk", "pl", "en", "ru", "be"])
def test_the_acknowledgement_subject_reads_back_exactly_as_written(language: str) -> None:
    ack = bench_mails.acknowledgement(
        load_settings(),
        to="olena@example.org",
        language=language,
        reference="LD-2026-01-0001",
        token="t" * 24,
        due_at=datetime.now(UTC) + timedelta(days=30),
        edition_title="Ławka Dialogu",
    )
    written = str(ack["Subject"])
    assert _read_back(ack)["Subject"] == written
    if language == "uk":
        assert "запитання до" in written


@pytest.mark.parametrize(
    "subject",
    [
        "Запрошення: засідання Ради з питань рівного ставлення — грудень 2026 (2026-12-03 18:00)",
        "Zaproszenie:  posiedzenie   Rady " + "ą" * 120,
        "x" * 200,
        "Short ASCII",
    ],
)
def test_any_subject_reads_back_exactly(subject: str) -> None:
    message = mail.compose(sender="a@example.org", to="b@example.org", subject=subject, text="x")
    raw = message.as_bytes()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert _read_back(message)["Subject"] == " ".join(subject.split())


@pytest.mark.parametrize("brk", BREAKS)
def test_a_line_break_in_a_subject_never_makes_a_header(brk: str) -> None:
    message = mail.compose(
        sender="a@example.org",
        to="b@example.org",
        subject=f"Posiedzenie{brk}Bcc: mallory@evil.example",
        text="x",
    )
    back = _read_back(message)
    assert back["Bcc"] is None
    assert back["Subject"] == "Posiedzenie Bcc: mallory@evil.example"


@pytest.mark.parametrize("brk", ["\n", "\r", "\u2028", "\x00"])
async def test_a_meeting_title_with_a_line_break_is_refused_with_422_naming_the_title(
    platform: RunningPlatform, brk: str
) -> None:
    await direct_member(platform)  # someone to invite: the title goes into their Subject
    marker = uuid.uuid4().hex
    title = f"Posiedzenie {marker}{brk}Rady"
    when = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    for path, body in [
        ("/api/council/meetings", {"title": title, "starts_at": when, "place": "Sala Obrad"}),
        (
            "/api/council/meetings/monthly",
            {"title": title, "first_starts_at": when, "place": "Sala Obrad", "count": 2},
        ),
    ]:
        resp = await platform.client.post(path, json=body, headers=platform.auth(SECRETARY))
        assert resp.status_code == 422, (path, resp.text)
        assert [e["field"] for e in resp.json()["errors"]] == ["title"]
    stored = await platform.runtime.pool("participation").fetchval(
        "select count(*) from council_meetings where title like $1", f"%{marker}%"
    )
    assert stored == 0


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("pl", "Wpisz tytuł w jednym wierszu, bez podziałów wiersza i znaków sterujących."),
        ("en", "Write the title on one line, without line breaks or control characters."),
        ("uk", "Напишіть назву в одному рядку, без розривів рядка та керівних символів."),
    ],
)
async def test_the_secretariat_page_explains_a_title_with_a_line_break(
    platform: RunningPlatform, lang: str, message: str
) -> None:
    await direct_member(platform)
    title = f"Posiedzenie {uuid.uuid4().hex[:6]}\u2028Rady"
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    async with signed_in(platform, SECRETARY, lang=lang) as secretary:
        csrf = csrf_of(await secretary.get("/council/staff"))
        resp = await secretary.post(
            "/council/staff/meetings",
            data={
                "_csrf_token": csrf,
                "title": title,
                "date": day,
                "time": "17:30",
                "place": "Sala Obrad",
            },
        )
    assert resp.status_code == 400
    assert message in resp.text
