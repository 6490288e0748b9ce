"""The Observatory's pure rules, its catalogs, and how its events become the indicator."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from services.indicators import projection
from services.observatory import domain
from services.observatory import refusals as codes
from services.observatory.i18n import catalogs
from shared.events import catalogue as ev
from shared.events import new_event
from shared.web.i18n import untranslated


def test_every_observatory_string_is_translated_into_pl_en_and_uk() -> None:
    assert untranslated(catalogs) == []
    for wording in codes.WORDING.values():
        assert catalogs.gettext("uk", wording.page) != wording.page


def test_a_pdf_is_known_by_its_signature_not_its_name() -> None:
    assert domain.is_pdf(b"%PDF-1.7\n...")
    assert domain.is_pdf(b"\xef\xbb\xbf junk before %PDF-1.4")  # within the first kilobyte
    assert not domain.is_pdf(b"PK\x03\x04 a zip")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("raport.pdf", "raport.pdf"),
        ("C:\\Users\\x\\Raport 2025.PDF", "Raport 2025.PDF"),
        ('a"b;c\r\n.pdf', "a_b_c_.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("", "document.pdf"),
    ],
)
def test_the_download_name_is_plain_and_ends_in_pdf(name: str, shown: str) -> None:
    assert domain.safe_filename(name) == shown


def test_search_wildcards_are_taken_literally() -> None:
    assert domain.like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"
    assert domain.search_terms("  raport   2025 ") == ["raport", "2025"]


def test_addresses_and_days() -> None:
    assert domain.good_url("https://example.org/a.pdf")
    assert not domain.good_url("javascript:alert(1)")
    assert not domain.good_url("https://exa mple.org")
    today = date(2026, 3, 1)
    assert domain.date_in_range(date(2000, 1, 1), today)
    assert not domain.date_in_range(date(2026, 3, 2), today)


def _published(pid: uuid.UUID, kind: str, day: date, at: datetime) -> object:
    payload = ev.ObservatoryPublicationPublished(
        publication_id=pid, kind=kind, objective=1, published_on=day, recorded_at=at
    )
    return new_event(payload, producer="observatory")


def _fact(events: list) -> dict:
    data: dict = {}
    for envelope in events:
        data = projection.merge(data, envelope)
    return projection.contributions(data)


def test_reports_count_in_their_year_until_withdrawn_in_any_order() -> None:
    pid = uuid.uuid4()
    first = _published(pid, "report", date(2025, 12, 31), datetime(2026, 1, 1, tzinfo=UTC))
    corrected = _published(pid, "study", date(2026, 1, 2), datetime(2026, 1, 2, tzinfo=UTC))
    withdrawn = new_event(
        ev.ObservatoryPublicationWithdrawn(
            publication_id=pid, withdrawn_at=datetime(2026, 2, 1, tzinfo=UTC)
        ),
        producer="observatory",
    )
    assert projection.fact_key(first) == f"publication:{pid}"
    assert _fact([first]) == {"observatory.reports_published|2025|": 1}
    assert _fact([first, corrected]) == _fact([corrected, first])
    assert _fact([corrected, first]) == {"observatory.reports_published|2026|": 1}
    assert _fact([first, withdrawn]) == {} == _fact([withdrawn, corrected, first])
    notes = _published(uuid.uuid4(), "seminar_notes", date(2025, 5, 1), datetime.now(UTC))
    assert _fact([notes]) == {}


def test_search_folds_case_in_every_language() -> None:
    text = domain.search_text("ŁÓDŹ i Kraków", "Streszczenie", {"uk": "Житлова ситуація"}, {})
    assert all(term in text for term in domain.search_terms("łódź ЖИТЛОВА kraków"))


def test_a_polish_file_name_reaches_the_header_in_ascii_and_in_utf8() -> None:
    name = domain.safe_filename("Raport Łódź 2025.pdf")
    header = domain.content_disposition(name)
    header.encode("latin-1")  # a header that cannot be sent would be a 500
    assert 'filename="Raport Lodz 2025.pdf"' in header
    assert "filename*=UTF-8''Raport%20%C5%81%C3%B3d%C5%BA%202025.pdf" in header
    assert domain.content_disposition("a.pdf") == 'attachment; filename="a.pdf"'
