"""E-mail addresses, checked once and stored in one form: the form mail will be sent to.

Every address the platform takes in (API bodies, page forms, the Bench's SMTP intake) goes
through `normalise`: an RFC 5322 addr-spec (dot-atom local part, no comments, quotes, display
names or domain literals) with an IDNA domain, checked by the `email-validator` package, then
read back by Python's own mail parser — the one `shared.mail` writes and queues with — which must
find exactly that one address. So `a,b@example.org` (two addresses to a mail parser),
`(1)victim@example.org` (a comment), `x<victim@example.org`, `victim@example.org>` and
`=?utf-8?q?victim?=@example.org` (an encoded word the parser decodes to `victim@example.org`) are
refused instead of being stored as one thing and mailed as another.

The stored form is lower-cased with the domain in its ASCII (IDNA) form, so the per-address
rate limit, duplicate checks and a privacy erasure all see one key per mailbox.
"""

from __future__ import annotations

from email import message_from_string, policy
from email.utils import parseaddr
from typing import Annotated, Any, get_args

import email_validator
from msgspec import Meta

from shared.http import field_error

MAX_LENGTH = 254
# A cheap first filter, published in the OpenAPI document; `normalise` decides.
PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$"
Email = Annotated[
    str,
    Meta(
        pattern=PATTERN,
        max_length=MAX_LENGTH,
        description=(
            "an e-mail address: RFC 5322 addr-spec (no display name, comment or quotes), "
            "IDNA domain; stored lower-cased with an ASCII domain"
        ),
    ),
]
FIELD_MESSAGE = "enter an e-mail address like name@example.org"

# Special-use names (RFC 6761) the platform takes as addresses, as the library documents it
# (removing them from its list): `.local` for a city office's internal mail domain (and our own
# default `openkrakow.local`), `.invalid` for shared.privacy.ERASED_EMAIL, `.test` for tests.
# The others (localhost, arpa, onion...) stay refused: nobody has a mailbox there.
for _name in ("local", "invalid", "test"):
    if _name in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        email_validator.SPECIAL_USE_DOMAIN_NAMES.remove(_name)


class BadAddress(ValueError):
    """Not an address we could write to exactly as typed."""


def normalise(raw: str) -> str:
    """The address as the platform stores and mails it; BadAddress if it is not one."""
    if not isinstance(raw, str):
        raise BadAddress("not text")
    typed = raw.strip()
    if not typed or len(typed) > MAX_LENGTH or any(c.isspace() for c in typed):
        raise BadAddress("not a single e-mail address")
    try:
        checked = email_validator.validate_email(
            typed,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_display_name=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_empty_local=False,
        )
    except email_validator.EmailNotValidError as exc:
        raise BadAddress(str(exc)) from None
    address = str(checked.ascii_email or "").lower()
    if not address or len(address) > MAX_LENGTH or not _mail_reads(address):
        raise BadAddress("a mail program would read this as another address")
    return address


def is_address(raw: str) -> bool:
    try:
        normalise(raw)
    except BadAddress:
        return False
    return True


def normalise_or_none(raw: str | None) -> str | None:
    """For an address already stored: its normalised form, or None when it is not usable."""
    if not raw:
        return None
    try:
        return normalise(raw)
    except BadAddress:
        return None


def _mail_reads(address: str) -> bool:
    """Does Python's mail parser (header registry and parseaddr) read back this one address?"""
    if "=?" in address:  # an RFC 2047 encoded word: decoded by readers into something else
        return False
    if parseaddr(address)[1] != address:
        return False
    try:
        header = message_from_string(f"To: {address}\n\n", policy=policy.default)["To"]
        found = [a.addr_spec for a in header.addresses]
    except Exception:  # noqa: BLE001 - the header parser raises many kinds on odd input
        return False
    return found == [address]


def refuses(value: Any, tp: Any) -> bool:
    """Whether a field of type `tp` (Email, or a union with it) refuses `value` as an address:
    for forms that check each field against its own type (shared.web.forms.field_errors)."""
    typed = tp == Email or any(arg == Email for arg in get_args(tp))
    return typed and isinstance(value, str) and not is_address(value)


def check_fields(obj: Any, *names: str) -> None:
    """In a msgspec Struct's __post_init__: normalise these address fields in place.

    A bad one stops decoding with a 422 problem naming the field (shared.http.field_error;
    msgspec passes it through as raised), so every API body checks addresses the same way. Text
    that is no address at all has already failed the type's pattern (400, like any other shape
    error).
    """
    for name in names:
        value = getattr(obj, name)
        if value is None:
            continue
        try:
            setattr(obj, name, normalise(value))
        except BadAddress as exc:
            raise field_error(name, f"{FIELD_MESSAGE} ({exc})") from None
