"""What the staff pages show of hostile text, without servers."""

from __future__ import annotations

from services.participation.bench.pages import mail as mail_pages


def test_raw_mail_is_text_with_hidden_characters_made_visible() -> None:
    raw = "Subject: <b>x</b>\r\n\r\nГде\u202e офис?\x00\x1b[31m ok".encode() + b"\xff\xfe"
    text, cut = mail_pages.shown_raw(raw)
    assert not cut
    assert "\u202e" not in text and "\x00" not in text and "\x1b" not in text
    assert text.count("\ufffd") == 5  # override, NUL, ESC and the two undecodable bytes
    assert "<b>x</b>" in text  # kept as text: the template escapes it
    assert "\r\n" in text


def test_a_huge_raw_mail_is_cut() -> None:
    text, cut = mail_pages.shown_raw(b"a" * (mail_pages.RAW_SHOWN + 1))
    assert cut and len(text) == mail_pages.RAW_SHOWN
    assert mail_pages.shown_raw(None) == ("", False)
