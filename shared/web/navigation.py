"""Where each signed-in role may go: the header's links, the front page's, "Your work"'s.

One table (`AREAS`) says which pages each role may use; the header (partials/header.html), the
front page (index.html) and the empty "Your work" page all read it through `navigation()`, so a
link never leads a role to a page that answers 403. A link is shown only when this process
serves its page (a process built with some services only shows theirs).

The paths are the services' page routes, written here as plain strings: the kit imports no
service. Labels are msgids, translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.auth import ROLES, Principal


def N_(message: str) -> str:
    """Marks a message for extraction (pybabel's default keywords); translated when shown."""
    return message


@dataclass(frozen=True)
class Area:
    """A page a role may use, as the header links it."""

    href: str
    label: str  # msgid
    roles: frozenset[str]


WORK = "/work"

AREAS: tuple[Area, ...] = (
    Area(WORK, N_("Your work"), frozenset(ROLES)),
    Area("/dashboard", N_("Indicators dashboard"), frozenset({"coordinator"})),
    Area("/programme/tasks", N_("Programme tasks"), frozenset({"coordinator"})),
    Area("/programme/risks", N_("Programme risks"), frozenset({"coordinator"})),
    Area("/programme/report", N_("Annual report on the programme"), frozenset({"coordinator"})),
    Area("/bench/staff", N_("Bench questions"), frozenset({"coordinator", "responder"})),
    Area("/bench/staff/departments", N_("Bench departments"), frozenset({"coordinator"})),
    Area("/grants/coordinator", N_("Grant calls"), frozenset({"coordinator"})),
    Area("/grants/evaluate", N_("Applications to evaluate"), frozenset({"evaluator"})),
    Area("/grants", N_("Small grants"), frozenset({"ngo"})),
    Area("/ambassadors/staff", N_("Ambassadors"), frozenset({"coordinator"})),
    Area("/ambassadors/jury", N_("Ambassadors jury"), frozenset({"juror"})),
    Area("/council/staff", N_("Council meetings"), frozenset({"coordinator", "council_secretary"})),
    Area("/observatory/staff", N_("Observatory publications"), frozenset({"coordinator"})),
    Area("/council/my", N_("Your council meetings"), frozenset({"council_member"})),
    Area("/incidents/staff", N_("Incident reports"), frozenset({"coordinator", "response_team"})),
)

# A role's name as a person reads it (the header's "signed in as", the groups of "Your work"):
# the msgids of shared/signin.py's mail, lower-case as in a sentence (`|sentence` starts a heading).
ROLE_NAMES: dict[str, str] = {
    "coordinator": N_("programme coordinator"),
    "responder": N_("Bench responder"),
    "evaluator": N_("grant application evaluator"),
    "juror": N_("Ambassadors jury member"),
    "council_secretary": N_("Council secretary"),
    "council_member": N_("Council member"),
    "ngo": N_("organisation representative"),
    "response_team": N_("incident response team member"),
}

# A service's name as a person reads it (a part of "Your work" that could not be counted).
SERVICE_NAMES: dict[str, str] = {
    "participation": N_("Dialogue Bench and Council"),
    "grants": N_("Small grants"),
    "ambassadors": N_("Ambassadors of Multiculturalism"),
    "indicators": N_("Programme indicators"),
    "incidents": N_("Incident reports"),
}

# Where the front page's "Small grants" leads each role with grants work (the NGO page answers
# 403 to the rest, who read the public calls instead).
GRANTS_PAGE: dict[str, str] = {
    "coordinator": "/grants/coordinator",
    "evaluator": "/grants/evaluate",
    "ngo": "/grants",
}
# Everyone else (visitors, and roles with no grants work): the public calls and awards.
GRANTS_PAGE_ANONYMOUS = "/grants/calls"


@dataclass(frozen=True)
class Link:
    href: str
    label: str  # msgid
    current: bool = False


@dataclass(frozen=True)
class Navigation:
    """What the header and the front page show to one request's caller."""

    areas: tuple[Link, ...]
    who: str | None  # the person's name; None: say `role` instead
    role: str | None  # msgid of the first role's name
    grants: str | None  # the front page's "Small grants" link; None: no page for this role


def areas_for(principal: Principal | None, served: frozenset[str] | None = None) -> list[Area]:
    """The areas `principal` may use, in the header's order; only those `served` when given."""
    if principal is None:
        return []
    return [
        area
        for area in AREAS
        if principal.has(*area.roles) and (served is None or area.href in served)
    ]


def current_href(path: str, hrefs: list[str]) -> str | None:
    """The area `path` lies in: the longest href equal to it or a folder above it."""
    inside = [h for h in hrefs if path == h or path.startswith(h.rstrip("/") + "/")]
    return max(inside, key=len) if inside else None


def grants_page(principal: Principal | None, served: frozenset[str] | None = None) -> str | None:
    """Where "Small grants" on the front page leads; None when this person has no such page."""
    if principal is None:
        href: str | None = GRANTS_PAGE_ANONYMOUS
    else:
        href = next(
            (GRANTS_PAGE[r] for r in principal.roles if r in GRANTS_PAGE), GRANTS_PAGE_ANONYMOUS
        )
    if href is not None and served is not None and href not in served:
        return None
    return href


_SERVED_KEY = "okr_served_paths"


def served_paths(request: Any) -> frozenset[str] | None:
    """The plain (parameterless) page paths the request's application serves, computed once."""
    try:
        app = request.app
    except Exception:  # noqa: BLE001 - a request without an application: filter nothing
        return None
    state = getattr(app, "state", None)
    if state is None:
        return None
    paths: frozenset[str] | None = state.get(_SERVED_KEY) if hasattr(state, "get") else None
    if paths is None:
        paths = frozenset(route.path for route in app.routes if "{" not in route.path)
        state[_SERVED_KEY] = paths
    return paths


def navigation(request: Any, principal: Principal | None) -> Navigation:
    """The caller's links, the current one marked, and who is signed in."""
    served = served_paths(request)
    areas = areas_for(principal, served)
    here = current_href(request.url.path, [a.href for a in areas])
    role = next((r for r in (principal.roles if principal else ()) if r in ROLE_NAMES), None)
    return Navigation(
        areas=tuple(Link(a.href, a.label, a.href == here) for a in areas),
        who=principal.name if principal and principal.name else None,
        role=ROLE_NAMES[role] if role else None,
        grants=grants_page(principal, served),
    )
