"""Outgoing messages are well formed: language, threading headers, UTF-8 text and HTML."""

from shared.mail import compose


def test_a_composed_message_keeps_its_language_and_thread() -> None:
    msg = compose(
        sender="Otwarty Kraków <no-reply@openkrakow.local>",
        to="olena@example.org",
        subject="Ваше запитання LD-2026-01-0001",
        text="Дякуємо за запитання.",
        html="<p>Дякуємо за запитання.</p>",
        language="uk",
        in_reply_to="<abc@example.org>",
        references=["<abc@example.org>"],
    )
    assert msg["Content-Language"] == "uk"
    assert msg["In-Reply-To"] == "<abc@example.org>"
    assert msg["Message-ID"].endswith("@openkrakow.local>")
    assert msg.get_body(("plain",)).get_content().strip() == "Дякуємо за запитання."
    assert "Дякуємо" in msg.get_body(("html",)).get_content()


def test_long_message_ids_stay_plain_so_replies_thread() -> None:
    """A Gmail-length Message-ID overflows a 78-character line; it must not become an
    RFC 2047 encoded word, which mail clients do not match against their Message-IDs."""
    first = "<CAH2k9xYZ" + "a" * 60 + "_Qw@mail.gmail.com>"
    second = "<" + "b" * 40 + "@openkrakow.local>"
    msg = compose(
        sender="bench@openkrakow.local",
        to="olena@example.org",
        subject="Re: Запитання про школу",
        text="Дякуємо.",
        in_reply_to=first,
        references=[first, second],
    )
    raw = bytes(msg)
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "=?" not in head.split("In-Reply-To:", 1)[1].split("Auto-Submitted:", 1)[0]
    assert f"In-Reply-To: {first}\r\n" in head
    assert f"References: {first}\r\n {second}\r\n" in head
    assert all(len(line) <= 998 for line in head.split("\r\n"))
    # Parsed back, the ids are what was given.
    from email import message_from_bytes
    from email.policy import default

    again = message_from_bytes(raw, policy=default)
    assert again["In-Reply-To"] == first
    assert again["References"].split() == [first, second]
    assert "=?utf-8?" in head  # the non-ASCII subject is still encoded as it must be
