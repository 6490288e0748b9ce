"""What the small-grants pages say when a form is refused: per field, in the page's language.

The kit says refusals on pages (shared/web/refusals.py: each message next to its field and in
the error summary, what concerns no single field above the form, amounts with Babel in the
page's locale, times in Europe/Warsaw); this module gives it the grants' words for an
application's states, and checks form input against the API's schema so a form shows every
mistake at once. The text always comes from a refusal code (services/grants/refusals.py)
translated in the catalogs, never from the API's English or msgspec's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, get_args, get_origin

import msgspec

from services.grants.refusals import Refusal
from shared import addresses
from shared.refusals import N_, Refused
from shared.web import refusals as kit
from shared.web.i18n import Catalogs
from shared.web.refusals import MOMENT, FormErrors, Placement, explain

__all__ = [
    "MOMENT",
    "STATUS_LABELS",
    "FormErrors",
    "Placement",
    "Speaker",
    "explain",
    "input_problems",
    "page_status",
    "refusals_of",
    "top_field",
]

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


class Speaker(kit.Speaker):
    """Says refusals in one language, with the grants' words for an application's states."""

    def __init__(self, catalogs: Catalogs, lang: str) -> None:
        super().__init__(catalogs, lang, STATUS_LABELS)


def refusals_of(exc: Exception) -> list[Refusal]:
    """What a command refused, or a general message for input the API's schema refused."""
    return list(exc.refusals) if isinstance(exc, Refused) else [Refusal("form.refused")]


def page_status(exc: Exception) -> int:
    """The page's status for a refused form: 400 for bad input, else the refusal's (409, 403)."""
    return kit.page_status(exc) if isinstance(exc, Refused) else 400


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
