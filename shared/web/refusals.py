"""A refusal said on a page: per field, in the reader's language (the page edge of
shared/refusals.py; the API edge is shared/http.py).

Each message is shown next to its field and in the error summary, which links to the field;
what concerns no single field is shown above the form. The text always comes from a refusal
code's page msgid translated in the service's catalogs, never from the API's English: amounts
are formatted with Babel in the page's locale, times in Europe/Warsaw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_currency

from shared.refusals import (
    N_,
    WARSAW,
    WORDING,
    Amount,
    Reasons,
    Refusal,
    Refused,
    Status,
)
from shared.web.i18n import Catalogs

MOMENT = N_("%(date)s, %(time)s (Warsaw time)")

# Where a refusal is shown: (form field or None for the whole form, the refusal to say there,
# possibly wrapped, e.g. in "Budget line 2: ...").
Placement = tuple[str | None, Refusal]


class Speaker:
    """Says refusals in one language, with a service's catalogs and its words for states."""

    def __init__(
        self, catalogs: Catalogs, lang: str, status_labels: Mapping[str, str] | None = None
    ) -> None:
        self.catalogs = catalogs
        self.lang = lang
        self.status_labels = status_labels or {}

    def say(self, refused: Refusal) -> str:
        text = self.catalogs.gettext(self.lang, WORDING[refused.code].page)
        return text % {name: self.value(v) for name, v in refused.params.items()}

    def messages(self, refused: Refusal) -> list[str]:
        """The refusal, then each of the reasons it gives (a `Reasons` parameter), one by one."""
        reasons = [r for v in refused.params.values() if isinstance(v, Reasons) for r in v]
        return [self.say(refused), *(self.say(r) for r in reasons)]

    def value(self, value: Any) -> str:
        if isinstance(value, Refusal):
            return self.say(value)
        if isinstance(value, Reasons):
            return " ".join(self.say(r) for r in value)
        if isinstance(value, Amount):
            return self.amount(value.minor, value.currency)
        if isinstance(value, datetime):
            return self.moment(value)
        if isinstance(value, Status):
            label = self.status_labels.get(value)
            return self.catalogs.gettext(self.lang, label) if label else str(value)
        if isinstance(value, (list, tuple)):
            return format_list([self.value(v) for v in value], locale=self.lang)
        return str(value)  # counts and limits ("5000 characters"), ids, names as they are

    def amount(self, minor: int, currency: str) -> str:
        """2 500,50 € (pl), €2,500.50 (en), 2 500,50 EUR (uk): minor units, no float."""
        return format_currency(Decimal(minor) / 100, currency, locale=self.lang)

    def moment(self, moment: datetime) -> str:
        """A deadline as read in Kraków: the date and time in Europe/Warsaw, said so."""
        local = moment.astimezone(WARSAW)
        return self.catalogs.format(
            self.lang,
            MOMENT,
            date=format_date(local, "long", locale=self.lang),
            time=format_time(local, "short", locale=self.lang),
        )


@dataclass
class FormErrors:
    """A refused form: messages per field (for the summary and the fields) and for the form."""

    fields: dict[str, str] = field(default_factory=dict)
    form: list[str] = field(default_factory=list)


def as_field(names: Mapping[str, str] | None = None) -> Callable[[Refusal], Placement]:
    """Place a refusal at its field, renamed from the API's name to the form's (`names`)."""

    def place(refused: Refusal) -> Placement:
        if refused.field is None:
            return None, refused
        return (names or {}).get(refused.field, refused.field), refused

    return place


def explain(
    speaker: Speaker,
    refusals: Iterable[Refusal],
    place: Callable[[Refusal], Placement] | None = None,
    order: Sequence[str] = (),
) -> FormErrors:
    """Say each refusal where `place` puts it; the first message per field wins.

    Fields come in `order` (the form's order, so the summary reads top to bottom), others after.
    """
    place = place or as_field()
    errors = FormErrors()
    for refused in refusals:
        name, shown = place(refused)
        if name is None:
            errors.form.extend(speaker.messages(shown))
        elif name not in errors.fields:
            errors.fields[name] = speaker.say(shown)
    rank = {name: i for i, name in enumerate(order)}
    errors.fields = dict(
        sorted(errors.fields.items(), key=lambda item: rank.get(item[0], len(rank)))
    )
    return errors


def page_status(exc: Refused) -> int:
    """The page's status for a refused form: 400 for bad input, else the refusal's (409, 403)."""
    status = int(exc.kind)
    return 400 if status in (400, 422) else status
