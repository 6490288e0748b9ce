"""What the small-grants pages say when a form is refused: per field, in the page's language.

Each message is shown next to its field and in the error summary, which links to the field;
what concerns no single field is shown above the form. The text always comes from a refusal
code (services/grants/refusals.py) translated in the catalogs, never from the API's English or
msgspec's: amounts are formatted with Babel in the page's locale, times in Europe/Warsaw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, get_args, get_origin

import msgspec
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_currency

from services.grants.refusals import (
    N_,
    WARSAW,
    WORDING,
    Amount,
    Reasons,
    Refusal,
    Status,
    refusals_in,
)
from shared import addresses
from shared.web.i18n import Catalogs

# The same msgids as templates/grants/_status.html.
STATUS_LABELS = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "withdrawn": N_("Withdrawn"),
    "eligible": N_("In evaluation"),
    "ineligible": N_("Not eligible"),
    "awarded": N_("Grant awarded"),
    "not_awarded": N_("Not awarded"),
}
MOMENT = N_("%(date)s, %(time)s (Warsaw time)")

# Where a refusal is shown: (form field or None for the whole form, the refusal to say there,
# possibly wrapped, e.g. in "Budget line 2: ...").
Placement = tuple[str | None, Refusal]


class Speaker:
    """Says refusals in one language."""

    def __init__(self, catalogs: Catalogs, lang: str) -> None:
        self.catalogs = catalogs
        self.lang = lang

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
            label = STATUS_LABELS.get(value)
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


def explain(
    speaker: Speaker,
    refusals: Iterable[Refusal],
    place: Callable[[Refusal], Placement],
    order: Sequence[str] = (),
) -> FormErrors:
    """Say each refusal where `place` puts it; the first message per field wins.

    Fields come in `order` (the form's order, so the summary reads top to bottom), others after.
    """
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


def refusals_of(exc: Exception) -> list[Refusal]:
    """What a command refused, or a general message for a refusal that names no code."""
    return refusals_in(exc) or [Refusal("form.refused")]


def page_status(exc: Exception) -> int:
    """The page's status for a refused form: 400 for bad input, else the refusal's (409, 403)."""
    status = getattr(exc, "status_code", 400)
    return 400 if status in (400, 422) else status


# --- Form input checked against the API's schema ----------------------------------------


def input_problems(
    data: Mapping[str, Any], struct: type[msgspec.Struct], skip: Iterable[str] = ()
) -> list[tuple[str, dict[str, Any]]]:
    """(path, limits) of every part of `data` that does not fit `struct`, e.g.
    ("budget_lines[1].category", {"min": 2, "max": 100}).

    msgspec reports only the first mistake; a form shows them all, so each field (and each item
    of a list) is converted on its own. Paths under `skip` (already explained) are left out.
    """
    skipped = tuple(skip)
    return [
        (path, limits)
        for path, limits in _problems(data, struct, "")
        if not any(path == s or path.startswith((f"{s}.", f"{s}[")) for s in skipped)
    ]


def _problems(value: Any, tp: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    inner, metas = (get_args(tp)[0], get_args(tp)[1:]) if get_origin(tp) is Annotated else (tp, ())
    if isinstance(inner, type) and issubclass(inner, msgspec.Struct) and isinstance(value, dict):
        found: list[tuple[str, dict[str, Any]]] = []
        for f in msgspec.structs.fields(inner):
            where = f"{path}.{f.name}" if path else f.name
            if f.encode_name in value:
                found += _problems(value[f.encode_name], f.type, where)
            elif f.required:
                found.append((where, _limits(f.type)))
        return found
    if get_origin(inner) is list and isinstance(value, list):
        shape = Annotated[(list[Any], *metas)] if metas else list[Any]
        if not _fits(value, shape):
            return [(path, _limits(tp))]
        (item_type,) = get_args(inner)
        return [
            p for i, item in enumerate(value) for p in _problems(item, item_type, f"{path}[{i}]")
        ]
    return [] if _fits(value, tp) else [(path, _limits(tp))]


def _fits(value: Any, tp: Any) -> bool:
    try:
        msgspec.convert(value, tp)
    except msgspec.ValidationError:
        return False
    return not addresses.refuses(value, tp)


def _limits(tp: Any) -> dict[str, Any]:
    """The bounds a message can name: {"min": ..., "max": ...} of a length or a number."""
    info = msgspec.inspect.type_info(tp)
    if isinstance(info, msgspec.inspect.UnionType):
        info = next((t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)), info)
    if isinstance(info, msgspec.inspect.Metadata):
        info = info.type
    limits: dict[str, Any] = {}
    for name, attributes in (("min", ("min_length", "ge")), ("max", ("max_length", "le"))):
        bounds = [getattr(info, a) for a in attributes if getattr(info, a, None) is not None]
        if bounds:
            limits[name] = bounds[0]
    return limits


def top_field(path: str | None) -> str:
    """'budget_lines[1].amount.amount' → 'budget_lines'."""
    return (path or "").split(".")[0].split("[")[0]
