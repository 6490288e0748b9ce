"""Refusals: a registered code said once at the API edge (problem details) and once at the page
edge (the reader's language), and a unit of work that rolls back on a refusal."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

import shared.idempotency  # noqa: F401 - registers the kit's own code, idempotency.reused
from shared.http import refused_handler
from shared.refusals import (
    N_,
    Amount,
    Kind,
    Refusal,
    Refused,
    Wording,
    conflict,
    invalid,
    register,
)
from shared.web.i18n import KIT_LOCALE_DIR, Catalogs
from shared.web.refusals import Speaker, explain, page_status

register(
    {
        "test.too_long": Wording(N_("Shorten it to %(max)s characters."), "at most %(max)s"),
        "test.closed": Wording(
            N_("The call is closed: the deadline was %(deadline)s."),
            "the call is closed: the deadline was %(deadline)s",
        ),
        "test.amount": Wording(N_("Pay %(amount)s."), "pay %(amount)s"),
    }
)


def _problem(exc: Refused) -> dict[str, object]:
    response = refused_handler(None, exc)  # type: ignore[arg-type]
    assert response.status_code == int(exc.kind)
    return msgspec.to_builtins(response.content)


def test_a_field_refusal_is_a_422_naming_its_field_with_its_code() -> None:
    body = _problem(invalid("title", "test.too_long", max=200))
    assert body["status"] == 422
    assert body["detail"] == "title: at most 200"
    assert body["errors"] == [{"field": "title", "message": "at most 200"}]
    assert body["code"] == "test.too_long"


def test_a_state_refusal_is_a_409_with_warsaw_time_in_the_api_text() -> None:
    deadline = datetime(2026, 3, 31, 21, 59, tzinfo=UTC)
    body = _problem(conflict("test.closed", deadline=deadline))
    assert body["status"] == 409
    assert body["title"] == "Conflict"
    assert body["detail"] == "the call is closed: the deadline was 2026-03-31 23:59 (Europe/Warsaw)"
    assert "errors" not in body  # omitted when empty, as every other problem


def test_an_unregistered_code_is_a_bug_caught_at_once() -> None:
    with pytest.raises(KeyError, match="not registered"):
        Refusal("test.nobody_registered_this")


def test_a_code_cannot_be_registered_twice_with_other_words() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register({"test.too_long": Wording(N_("Something else."), "else")})


def test_pages_say_the_refusal_in_the_readers_language() -> None:
    catalogs = Catalogs([KIT_LOCALE_DIR])
    deadline = datetime(2026, 3, 31, 21, 59, tzinfo=UTC)
    refused = Refused(
        Kind.CONFLICT,
        Refusal("test.closed", {"deadline": deadline}),
        Refusal("test.amount", {"amount": Amount(250050, "PLN")}, "amount"),
    )
    pl = explain(Speaker(catalogs, "pl"), refused.refusals)
    # The msgid is not in the kit's catalog: shown as written, with values in Polish form.
    assert pl.form == [
        "The call is closed: the deadline was 31 marca 2026, godz. 23:59 (czasu warszawskiego)."
    ]
    assert pl.fields == {"amount": "Pay 2\xa0500,50\xa0zł."}
    assert page_status(refused) == 409
    assert page_status(invalid("x", "test.too_long", max=1)) == 400
    reused = explain(
        Speaker(catalogs, "uk"), [Refusal("idempotency.reused", {}, "Idempotency-Key")]
    )
    assert reused.fields["Idempotency-Key"].startswith("Цей запит уже надіслано")
