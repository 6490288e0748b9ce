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
