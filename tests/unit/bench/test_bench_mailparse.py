"""Reading real mail without servers: quotes, signatures, HTML, charsets, recipients."""

from __future__ import annotations

from email.mime.text import MIMEText

from services.participation.bench import mailparse
from services.participation.bench.mailparse import (
    bench_recipient,
    html_to_text,
    parse_mail,
    strip_quotes_and_signature,
)


def test_quoted_lines_attribution_and_signature_are_stripped() -> None:
    text = "Dzień dobry,\nkiedy otworzą przedszkole?\n\nW dniu 1.09.2025 Urząd napisał(a):\n> Dziękujemy\n> za pytanie\n-- \nAnna"
    assert strip_quotes_and_signature(text) == "Dzień dobry,\nkiedy otworzą przedszkole?"


def test_outlook_original_message_and_mobile_signature_are_stripped() -> None:
    assert (
        strip_quotes_and_signature("Yes, my son is 6.\n-----Original Message-----\nFrom: bench")
        == "Yes, my son is 6."
    )
    assert strip_quotes_and_signature("Так, дякую.\n\nSent from my iPhone") == "Так, дякую."


def test_html_becomes_text_without_styles_scripts_or_quotes() -> None:
    html = "<style>p{}</style><p>Pierwsza&nbsp;linia</p><p>Druga</p><blockquote>stare</blockquote><script>x()</script>"
    assert html_to_text(html) == "Pierwsza linia\n\nDruga"


def test_each_charset_is_decoded() -> None:
    for charset, text in [
        ("koi8-u", "Де садочок?"),
        ("windows-1250", "Gdzie żłobek?"),
        ("iso-8859-2", "Źródło"),
    ]:
        msg = MIMEText(text, "plain", charset)
        msg["From"] = "a@example.org"
        assert parse_mail(msg.as_bytes()).text == text


def test_automatic_mail_is_recognised() -> None:
    raw = b"From: a@example.org\r\nAuto-Submitted: auto-replied\r\nSubject: OOO\r\n\r\nAway"
    assert parse_mail(raw, "a@example.org").automatic
    assert parse_mail(
        b"From: a@example.org\r\nSubject: x\r\n\r\nHi", ""
    ).automatic  # null sender: a bounce


def test_garbage_is_unreadable() -> None:
    try:
        parse_mail(b"\x00\x01 nothing")
    except mailparse.UnreadableMail:
        return
    raise AssertionError("garbage parsed as mail")


def test_bench_recipient_with_and_without_edition_tag() -> None:
    assert bench_recipient("bench@openkrakow.local", "openkrakow.local") == (True, None)
    assert bench_recipient("<Bench+abc@OpenKrakow.local>", "openkrakow.local") == (True, "abc")
    assert bench_recipient("mayor@openkrakow.local", "openkrakow.local") == (False, None)
    assert bench_recipient("bench@elsewhere.org", "openkrakow.local") == (False, None)


def test_control_characters_and_lone_surrogates_never_leave_the_parser() -> None:
    assert mailparse.clean_text("a\x00b\x07c\td\ne\udcff") == "abc\td\ne\ufffd"
    assert mailparse.clean_line(" Pytanie\r\nBcc: x@y.pl\t") == "Pytanie Bcc: x@y.pl"
    parsed = parse_mail(
        b"From: a@example.org\r\nSubject: P\x00ytanie\r\nMessage-ID: <a\x00b@x>\r\n\r\n"
        b"Gdzie\x00 jest szkola?\r\n"
    )
    assert (parsed.subject, parsed.text, parsed.message_id) == (
        "Pytanie",
        "Gdzie jest szkola?",
        None,
    )


def test_only_addresses_we_could_write_to_are_senders() -> None:
    assert mailparse.usable_address("Jan@Example.org") == "jan@example.org"
    for bad in [
        "a@b",
        "x" * 250 + "@example.org",
        '"<x>"@evil.example',
        "a\x00@b.pl",
        "a\ufffd@b.pl",
    ]:
        assert mailparse.usable_address(bad) is None, bad
    smuggled = b"From: a@example.org\r\nReply-To: =?utf-8?Q?Jan=0D=0ABcc:_v@evil.example?= <a@example.org>\r\n\r\nGdzie jest szkola?"
    parsed = parse_mail(smuggled)
    assert parsed.sender is None and "cannot be read safely" in parsed.notes[0]


def test_a_malformed_message_id_header_does_not_sink_the_message() -> None:
    parsed = parse_mail(
        b"From: a@example.org\r\nMessage-ID: <\r\nIn-Reply-To: <<<>>>\r\n\r\nGdzie jest szkola?"
    )
    assert (parsed.sender, parsed.text, parsed.message_id) == (
        "a@example.org",
        "Gdzie jest szkola?",
        None,
    )


def test_broken_mime_is_unreadable_rather_than_guessed() -> None:
    for raw in [
        b"From: a@example.org\r\nSubject: Pytanie o szkole\r\nContent-Type: multipart/mixed\r\n\r\nGdzie jest szkola?",
        b"From: a@example.org\r\nContent-Transfer-Encoding: base64\r\n\r\nR2R6aWUgbW9nxJkge!!!@@@\r\n",
    ]:
        try:
            parse_mail(raw)
        except mailparse.UnreadableMail:
            continue
        raise AssertionError(f"read as mail: {raw!r}")


def test_html_with_an_unclosed_head_and_iframes_keeps_only_the_visible_text() -> None:
    assert (
        html_to_text("<html><head><title>T<body><p>Pytanie?</p><iframe>fallback</iframe></body>")
        == "Pytanie?"
    )
