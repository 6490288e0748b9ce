"""The kit's pure privacy rules: addresses, which names are searched for, redaction of text and mail."""

from __future__ import annotations

import email
import email.policy

import pytest

from shared.mail import compose
from shared.privacy import ERASED, identifying_names, mentions, normalise_email, redact
from shared.privacy.kit_tables import message_text, redact_message


def test_an_address_is_one_whatever_its_case_and_surrounding_spaces() -> None:
    assert normalise_email("  Olena.K@Example.ORG ") == "olena.k@example.org"


@pytest.mark.parametrize(
    "raw", ["", "olena", "olena@", "@example.org", "a@b", "a b@example.org", "a\x00@example.org"]
)
def test_what_is_not_an_address_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_email(raw)


def test_only_full_names_are_looked_for_in_text_others_wrote() -> None:
    names = ["Jan", "Ołena  Zarichna", ERASED, None, "Maria Anna Nowak", "Li Wu"]
    # One word would match other people and ordinary words; the longest name is tried first.
    assert identifying_names(names) == ["Maria Anna Nowak", "Ołena Zarichna", "Li Wu"]


def test_redaction_takes_whole_names_in_any_case_and_leaves_longer_words() -> None:
    text = "Obecni: OŁENA ZARICHNA (przewodnicząca), Ołena Zarichnaya; pisz: ola@example.org."
    redacted = redact(text, ["Ołena Zarichna", "ola@example.org"])
    assert redacted == f"Obecni: {ERASED} (przewodnicząca), Ołena Zarichnaya; pisz: {ERASED}."
    assert mentions(text, ["Ołena Zarichna"]) and not mentions(
        "Ołena Zarichnaya", ["Ołena Zarichna"]
    )


def test_a_message_naming_someone_is_redacted_whatever_its_transfer_encoding() -> None:
    message = compose(
        sender="Otwarty Kraków <no-reply@openkrakow.local>",
        to="maria@example.org",
        subject="Nominacja: Ołena Zarichna",
        text="Вітаємо! Кандидатка Ołena Zarichna прийняла номінацію.\n" * 3,
        language="uk",
    )
    raw = message.as_bytes()
    assert b"Zarichna" not in raw.split(b"\r\n\r\n", 1)[1]  # the body is encoded
    redacted = redact_message(raw, ["Ołena Zarichna"])
    assert redacted is not None
    subject, text = message_text(redacted)
    assert subject == f"Nominacja: {ERASED}"
    assert "Zarichna" not in text and f"Кандидатка {ERASED} прийняла" in text
    parsed = email.message_from_bytes(redacted, policy=email.policy.default)
    assert parsed["Message-ID"] == message["Message-ID"]
    assert parsed["Content-Language"] == "uk"
    assert redact_message(raw, ["Jan Nowak"]) is None
