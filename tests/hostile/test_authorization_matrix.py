"""Every API route × every caller: only what the table below allows.

Callers: no token, an expired token, a token of another issuer, a forged signature, and each
role. A route guarded by roles answers 401 to the first four and 403 to a role it does not
admit; an admitted role gets past the guard (any answer but 401/403). `EXPECTED` is written by
hand for every API route of the app, independently of the code: a route missing from it fails,
a row for a route that does not exist fails, and a route without a guard fails unless its row
declares it `PUBLIC`. Path parameters are compared by position only (`{id}`, `{app_id:uuid}`
and `{year}.csv` are all one parameter), so the contract's spelling matches the code's.
The contract's own table (handbook/contract.md) is copied out separately and must agree.
Object-level rules (another organisation's application, another edition's juror) are tested
with the domains.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from shared.app import build_app
from shared.auth import ROLES, LocalIssuer, authenticated
from tests.helpers.platform import RunningPlatform

PUBLIC = frozenset({"public"})  # no guard: anyone, even without a token
SIGNED_IN = frozenset({"signed-in"})  # any valid token, whatever its role
C = frozenset({"coordinator"})
CR = frozenset({"coordinator", "responder"})
CS = frozenset({"coordinator", "council_secretary"})
CE = frozenset({"coordinator", "evaluator"})
CJ = frozenset({"coordinator", "juror"})
NGO = frozenset({"ngo"})
EVALUATOR = frozenset({"evaluator"})
JUROR = frozenset({"juror"})
MEMBER = frozenset({"council_member"})
CT = frozenset({"coordinator", "response_team"})

# Written by hand from the contract, the issues and the services' READMEs; NOT read from guards.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # Intercultural Dialogue Bench
    ("GET", "/api/bench/editions"): PUBLIC,
    ("POST", "/api/bench/editions"): C,
    ("GET", "/api/bench/editions/{}"): PUBLIC,
    ("PATCH", "/api/bench/editions/{}"): C,
    ("POST", "/api/bench/editions/{}/submissions/open"): C,
    ("POST", "/api/bench/editions/{}/submissions/close"): C,
    ("POST", "/api/bench/editions/{}/held"): C,
    ("GET", "/api/bench/editions/{}/questions"): CR,
    ("POST", "/api/bench/editions/{}/questions"): PUBLIC,
    ("GET", "/api/bench/questions/{}"): PUBLIC,  # the asker, by tracking token
    ("POST", "/api/bench/editions/{}/entered-questions"): C,
    ("GET", "/api/bench/questions/{}/detail"): CR,
    ("POST", "/api/bench/questions/{}/moderation"): C,
    ("POST", "/api/bench/questions/{}/assignment"): C,
    ("POST", "/api/bench/questions/{}/answered-live"): C,
    ("POST", "/api/bench/questions/{}/answer"): CR,
    ("POST", "/api/bench/questions/{}/review/approve"): C,
    ("POST", "/api/bench/questions/{}/review/return"): C,
    ("GET", "/api/bench/departments"): C,
    ("POST", "/api/bench/departments"): C,
    ("GET", "/api/bench/answer-templates"): CR,
    ("POST", "/api/bench/answer-templates"): C,
    ("GET", "/api/bench/inbound-mail"): C,
    ("POST", "/api/bench/inbound-mail/{}/resolution"): C,
    # The public archive of answers (issue 14) and its staff side.
    ("GET", "/api/public/bench/answers"): PUBLIC,
    ("POST", "/api/bench/questions/{}/withholding"): C,
    ("PUT", "/api/bench/questions/{}/translations"): C,
    # Council on Equal Treatment
    ("PUT", "/api/council/settings"): C,
    ("GET", "/api/council/settings"): CS,
    ("GET", "/api/council/calls"): PUBLIC,
    ("POST", "/api/council/calls"): CS,
    ("GET", "/api/council/calls/{}"): PUBLIC,
    ("GET", "/api/council/calls/{}/applications"): CS,
    ("POST", "/api/council/calls/{}/applications"): PUBLIC,  # a candidate applies
    ("GET", "/api/council/members"): PUBLIC,
    ("POST", "/api/council/members"): CS,  # the secretariat appoints (issue 13)
    ("POST", "/api/council/members/{}/leave"): CS,
    ("GET", "/api/council/members/register"): CS,
    ("GET", "/api/council/meetings"): CS,
    ("POST", "/api/council/meetings"): CS,
    ("POST", "/api/council/meetings/monthly"): CS,
    ("GET", "/api/council/meetings/{}"): CS,
    ("POST", "/api/council/meetings/{}/cancel"): CS,
    ("POST", "/api/council/meetings/{}/held"): CS,
    ("POST", "/api/council/meetings/{}/agenda"): CS,
    ("POST", "/api/council/proposals"): PUBLIC,  # a resident proposes an agenda item
    ("POST", "/api/council/agenda/{}/decision"): CS,
    ("POST", "/api/council/rsvp"): PUBLIC,  # a member, by the token of the invitation
    ("PUT", "/api/council/meetings/{}/minutes"): CS,
    ("POST", "/api/council/meetings/{}/minutes/approval"): CS,
    ("POST", "/api/council/meetings/{}/resolutions"): CS,
    ("GET", "/api/council/minutes"): PUBLIC,
    ("GET", "/api/council/minutes/{}"): PUBLIC,
    ("GET", "/api/council/secretaries"): C,  # the coordinator keeps the register (issue 13)
    ("POST", "/api/council/secretaries"): C,
    ("DELETE", "/api/council/secretaries/{}"): C,
    ("POST", "/api/council/my/rsvp"): MEMBER,  # a signed-in council member (issue 13)
    ("POST", "/api/council/my/proposals"): MEMBER,
    # Small grants
    ("POST", "/api/grants/organisations"): NGO,
    ("GET", "/api/grants/organisations/mine"): NGO,
    ("GET", "/api/grants/calls"): PUBLIC,
    ("POST", "/api/grants/calls"): C,
    ("GET", "/api/grants/calls/{}"): PUBLIC,
    ("PUT", "/api/grants/calls/{}"): C,  # until the call opens (issue 13)
    ("GET", "/api/grants/calls/{}/applications"): C,
    ("POST", "/api/grants/calls/{}/applications"): NGO,
    ("GET", "/api/grants/applications"): NGO,
    ("PUT", "/api/grants/applications/{}"): NGO,
    ("GET", "/api/grants/applications/{}"): SIGNED_IN,  # its org, its evaluators, coordinator
    ("POST", "/api/grants/applications/{}/submit"): NGO,
    ("POST", "/api/grants/applications/{}/withdraw"): NGO,
    ("POST", "/api/grants/calls/{}/evaluators"): C,
    ("GET", "/api/grants/calls/{}/evaluators"): C,
    ("DELETE", "/api/grants/calls/{}/evaluators/{}"): C,
    ("POST", "/api/grants/applications/{}/formal-check"): C,
    ("GET", "/api/grants/applications/{}/evaluations"): CE,
    ("POST", "/api/grants/applications/{}/evaluations"): EVALUATOR,
    ("GET", "/api/grants/evaluations/queue"): EVALUATOR,
    ("GET", "/api/grants/calls/{}/ranking"): C,
    ("POST", "/api/grants/calls/{}/decision"): C,
    ("GET", "/api/grants/calls/{}/awards"): PUBLIC,
    ("POST", "/api/grants/applications/{}/report"): NGO,
    ("POST", "/api/grants/applications/{}/report/review"): C,  # the city's review (issue 13)
    # Ambassador of Multiculturalism
    ("GET", "/api/ambassadors/editions"): PUBLIC,
    ("POST", "/api/ambassadors/editions"): C,
    ("GET", "/api/ambassadors/editions/{}"): PUBLIC,
    ("GET", "/api/ambassadors/editions/{}/nominations"): C,
    ("POST", "/api/ambassadors/editions/{}/nominations"): PUBLIC,
    ("POST", "/api/ambassadors/nominations/{}/acceptance"): PUBLIC,  # the candidate's token
    ("POST", "/api/ambassadors/nominations/{}/withdrawal"): PUBLIC,  # the candidate's token
    ("GET", "/api/ambassadors/editions/{}/jury"): C,
    ("POST", "/api/ambassadors/editions/{}/jury"): C,
    ("GET", "/api/ambassadors/editions/{}/jury/me/nominations"): JUROR,
    ("GET", "/api/ambassadors/nominations/{}/scores"): CJ,
    ("POST", "/api/ambassadors/nominations/{}/scores"): JUROR,
    ("GET", "/api/ambassadors/editions/{}/ranking"): C,
    ("GET", "/api/ambassadors/editions/{}/results"): PUBLIC,  # after publication
    ("POST", "/api/ambassadors/editions/{}/results"): C,
    ("POST", "/api/ambassadors/editions/{}/mayor-meetings"): C,
    ("PUT", "/api/ambassadors/editions/{}"): C,  # issue 13: edit an edition
    ("POST", "/api/ambassadors/editions/{}/nominations/close"): C,
    ("POST", "/api/ambassadors/editions/{}/nominations/open"): C,
    ("DELETE", "/api/ambassadors/editions/{}/jury/{}"): C,  # remove a juror who has not decided
    # Multiculturalism and Migration Observatory (issue 17)
    ("GET", "/api/observatory/publications"): PUBLIC,
    ("POST", "/api/observatory/publications"): C,
    # Incident reports (issue 17 part 5): anyone reports; the response team reads and acts.
    ("POST", "/api/incidents"): PUBLIC,
    ("GET", "/api/incidents"): CT,
    ("GET", "/api/incidents/{}"): CT,
    ("POST", "/api/incidents/{}/triage"): CT,
    ("GET", "/api/incidents/team"): C,
    ("POST", "/api/incidents/team"): C,
    # Indicators
    ("GET", "/api/indicators"): C,
    ("GET", "/api/indicators/{}/values"): C,
    ("POST", "/api/indicators/{}/values"): C,
    ("GET", "/api/indicators/{}/breakdown"): C,
    ("GET", "/api/indicators/stream"): C,
    ("GET", "/api/indicators/report/{}"): C,
    # The programme's year (issue 17): tasks, notes, risks, the annual report ({year}, {year}.pdf)
    ("GET", "/api/programme/tasks"): C,
    ("POST", "/api/programme/tasks"): C,
    ("POST", "/api/programme/tasks/{}/notes"): C,
    ("GET", "/api/programme/risks"): C,
    ("GET", "/api/programme/report/{}"): C,
    # Personal data requests (GDPR art. 15 and 17), issue 8: the coordinator's.
    ("POST", "/api/privacy/erasures"): C,
    ("GET", "/api/privacy/erasures/{}"): C,
    ("POST", "/api/privacy/exports"): C,
}

# The Bench's staff pages, written by hand likewise: the same roles as their API routes.
PAGES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/bench/staff"): CR,
    ("GET", "/bench/staff/questions/{}"): CR,  # a responder: only their own (object-level)
    ("POST", "/bench/staff/questions/{}/answer"): CR,
    ("POST", "/bench/staff/questions/{}/moderation"): C,
    ("POST", "/bench/staff/questions/{}/assignment"): C,
    ("POST", "/bench/staff/questions/{}/answered-live"): C,
    ("POST", "/bench/staff/questions/{}/review/approve"): C,
    ("POST", "/bench/staff/questions/{}/review/return"): C,
    ("POST", "/bench/staff/questions/{}/withholding"): C,
    ("POST", "/bench/staff/questions/{}/translations"): C,
    ("GET", "/bench/staff/editions/new"): C,
    ("POST", "/bench/staff/editions/new"): C,
    ("GET", "/bench/staff/editions/{}"): C,
    ("GET", "/bench/staff/editions/{}/texts"): C,
    ("POST", "/bench/staff/editions/{}/texts"): C,
    ("POST", "/bench/staff/editions/{}/submissions/open"): C,
    ("POST", "/bench/staff/editions/{}/submissions/close"): C,
    ("POST", "/bench/staff/editions/{}/held"): C,
    ("POST", "/bench/staff/editions/{}/entered-questions"): C,
    ("GET", "/bench/staff/inbound-mail"): C,
    ("GET", "/bench/staff/inbound-mail/{}"): C,
    ("POST", "/bench/staff/inbound-mail/{}/resolution"): C,
    # Issue 13: the responders' registry and the answer templates.
    ("GET", "/bench/staff/departments"): C,
    ("GET", "/bench/staff/departments/statistics"): C,
    ("POST", "/bench/staff/departments"): C,
    ("GET", "/bench/staff/departments/{}"): C,
    ("POST", "/bench/staff/departments/{}"): C,
    ("GET", "/bench/staff/responders"): C,
    ("POST", "/bench/staff/responders"): C,
    ("GET", "/bench/staff/responders/{}/deactivation"): C,
    ("POST", "/bench/staff/responders/{}/deactivation"): C,
    ("GET", "/bench/staff/templates"): CR,
    ("GET", "/bench/staff/templates/new"): C,
    ("POST", "/bench/staff/templates"): C,
    ("GET", "/bench/staff/templates/{}"): C,
    ("POST", "/bench/staff/templates/{}"): C,
    ("POST", "/bench/staff/templates/{}/retirement"): C,
}

# The asker's consent form on the tracking page (issue 14): no sign-in, the tracking code; the
# asker's verdict links (issue 16): no sign-in, the answer mail's single-use token.
ASKER_FORMS: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/bench/track/publication"): PUBLIC,
    ("POST", "/bench/track/verdict"): PUBLIC,  # the verdict on the tracking page (reference+code)
    # The asker's verdict on the answer (issue 16 part 5): a single-use token from the answer mail.
    ("GET", "/bench/feedback/{}/{}"): PUBLIC,
    ("POST", "/bench/feedback/{}/{}"): PUBLIC,
}

# The small grants' pages, written by hand likewise (the public ones declared PUBLIC).
# The coordinator's pages of the programme's year (issue 17), written by hand likewise.
PROGRAMME_PAGES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/programme/tasks"): C,
    ("POST", "/programme/tasks"): C,
    ("GET", "/programme/tasks/{}"): C,
    ("POST", "/programme/tasks/{}"): C,
    ("POST", "/programme/tasks/{}/notes"): C,
    ("GET", "/programme/risks"): C,
    ("GET", "/programme/report"): C,
    ("GET", "/programme/report/{}"): C,
    ("POST", "/programme/report/{}/narrative"): C,
    ("GET", "/programme/report/{}/approve"): C,
    ("POST", "/programme/report/{}/approve"): C,
    ("GET", "/programme/report/{}/print"): C,
    ("GET", "/programme/report/{}/pdf"): C,
    ("GET", "/programme/report/{}/tasks.csv"): C,
    ("GET", "/programme/report/{}/grants.csv"): C,
}
GRANTS_PAGES: dict[tuple[str, str], frozenset[str]] = {
    # Issue 14: the public calls and awards (contract.md, "Public pages and open data").
    ("GET", "/grants/calls"): PUBLIC,
    ("GET", "/grants/calls/{}"): PUBLIC,
    ("GET", "/grants/register"): PUBLIC,
    ("POST", "/grants/register"): PUBLIC,
    ("GET", "/grants/join"): PUBLIC,
    ("POST", "/grants/join"): PUBLIC,
    ("GET", "/grants"): NGO,
    ("GET", "/grants/organisation/new"): NGO,
    ("POST", "/grants/organisation/new"): NGO,
    ("GET", "/grants/calls/{}/apply"): NGO,
    ("POST", "/grants/calls/{}/apply"): NGO,
    ("GET", "/grants/applications/{}"): NGO,
    ("POST", "/grants/applications/{}/{}"): NGO,
    ("GET", "/grants/join/{}"): NGO,
    ("POST", "/grants/join/{}"): NGO,
    ("GET", "/grants/join-requests"): NGO,
    ("GET", "/grants/join-requests/{}"): NGO,
    ("POST", "/grants/join-requests/{}"): NGO,
    ("GET", "/grants/applications/{}/report"): NGO,
    ("POST", "/grants/applications/{}/report"): NGO,
    ("GET", "/grants/evaluate"): EVALUATOR,
    ("GET", "/grants/evaluate/{}"): EVALUATOR,
    ("POST", "/grants/evaluate/{}"): EVALUATOR,
    ("GET", "/grants/coordinator"): C,
    ("POST", "/grants/coordinator"): C,
    ("GET", "/grants/coordinator/calls/{}"): C,
    ("GET", "/grants/coordinator/calls/{}/edit"): C,
    ("POST", "/grants/coordinator/calls/{}/edit"): C,
    ("POST", "/grants/coordinator/calls/{}/decision"): C,
    ("GET", "/grants/coordinator/calls/{}/formal-check"): C,
    ("GET", "/grants/coordinator/applications/{}/formal-check"): C,
    ("POST", "/grants/coordinator/applications/{}/formal-check"): C,
    ("GET", "/grants/coordinator/calls/{}/evaluators"): C,
    ("POST", "/grants/coordinator/calls/{}/evaluators"): C,
    ("POST", "/grants/coordinator/calls/{}/evaluators/{}/remove"): C,
    ("GET", "/grants/coordinator/reports/{}"): C,
    ("POST", "/grants/coordinator/reports/{}"): C,
}
# Public pages and open data (issue 14), written by hand likewise: no guard, anyone.
PUBLIC_PAGES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/indicators"): PUBLIC,
    ("GET", "/indicators/report/{}"): PUBLIC,  # the printable report, and {year}.csv
    ("GET", "/indicators/programme-report/{}"): PUBLIC,  # an approved report (issue 17)
    ("GET", "/open-data"): PUBLIC,
    ("GET", "/open-data/catalog.jsonld"): PUBLIC,
    ("GET", "/open-data/{}"): PUBLIC,  # {dataset}.csv, {dataset}.json
    # The Bench's public archive of answers (issue 14).
    ("GET", "/bench/answers"): PUBLIC,
    ("GET", "/bench/answers/{}"): PUBLIC,
    ("GET", "/bench/answers/feed.atom"): PUBLIC,
    # The Observatory (issue 17): its public pages, and the coordinator's beside them.
    ("GET", "/observatory"): PUBLIC,
    ("GET", "/observatory/feed.atom"): PUBLIC,
    ("GET", "/observatory/{}"): PUBLIC,
    ("GET", "/observatory/{}/document.pdf"): PUBLIC,
    ("GET", "/observatory/staff"): C,
    ("GET", "/observatory/staff/new"): C,
    ("POST", "/observatory/staff/publications"): C,
    ("GET", "/observatory/staff/publications/{}"): C,
    ("POST", "/observatory/staff/publications/{}"): C,
    ("POST", "/observatory/staff/publications/{}/withdraw"): C,
}
PUBLIC_PAGE_PREFIXES = ("/indicators/", "/open-data/", "/bench/answers", "/observatory/")

# The incident reports' pages, written by hand likewise (the form declared PUBLIC).
INCIDENTS_PAGES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/incidents"): PUBLIC,
    ("POST", "/incidents"): PUBLIC,
    ("GET", "/incidents/staff"): CT,
    ("GET", "/incidents/staff/reports/{}"): CT,
    ("POST", "/incidents/staff/reports/{}/triage"): CT,
    ("POST", "/incidents/staff/reports/{}/refer"): CT,
    ("GET", "/incidents/staff/team"): C,
    ("POST", "/incidents/staff/team"): C,
    ("POST", "/incidents/staff/team/{}/remove"): C,
}

ANYONE = PUBLIC
# The tables of handbook/contract.md, spelled as there ({id}, {year}.csv); "the asker", "the
# candidate" and "anyone after publication" are object-level rules behind a public route.
CONTRACT: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/api/bench/editions"): frozenset({"coordinator"}),
    ("GET", "/api/bench/editions"): ANYONE,
    ("POST", "/api/bench/editions/{id}/questions"): ANYONE,
    ("GET", "/api/bench/questions/{id}"): ANYONE,
    ("GET", "/api/bench/editions/{id}/questions"): frozenset({"coordinator", "responder"}),
    ("GET", "/api/public/bench/answers"): ANYONE,
    ("POST", "/api/bench/questions/{id}/answer"): frozenset({"coordinator", "responder"}),
    ("POST", "/api/council/meetings"): frozenset({"coordinator", "council_secretary"}),
    ("POST", "/api/council/meetings/{id}/held"): frozenset({"coordinator", "council_secretary"}),
    ("POST", "/api/grants/calls"): frozenset({"coordinator"}),
    ("POST", "/api/grants/organisations"): frozenset({"ngo"}),
    ("POST", "/api/grants/calls/{id}/applications"): frozenset({"ngo"}),
    ("POST", "/api/grants/applications/{id}/submit"): frozenset({"ngo"}),
    ("POST", "/api/grants/calls/{id}/evaluators"): frozenset({"coordinator"}),
    ("POST", "/api/grants/applications/{id}/formal-check"): frozenset({"coordinator"}),
    ("POST", "/api/grants/applications/{id}/evaluations"): frozenset({"evaluator"}),
    ("POST", "/api/grants/calls/{id}/decision"): frozenset({"coordinator"}),
    ("POST", "/api/ambassadors/editions"): frozenset({"coordinator"}),
    ("POST", "/api/ambassadors/editions/{id}/nominations"): ANYONE,
    ("POST", "/api/ambassadors/nominations/{id}/acceptance"): ANYONE,
    ("POST", "/api/ambassadors/editions/{id}/jury"): frozenset({"coordinator"}),
    ("POST", "/api/ambassadors/nominations/{id}/scores"): frozenset({"juror"}),
    ("GET", "/api/ambassadors/editions/{id}/ranking"): frozenset({"coordinator"}),
    ("POST", "/api/ambassadors/editions/{id}/results"): frozenset({"coordinator"}),
    ("GET", "/api/ambassadors/editions/{id}/results"): ANYONE,
    ("POST", "/api/incidents"): ANYONE,
    ("GET", "/api/incidents"): frozenset({"coordinator", "response_team"}),
    ("POST", "/api/incidents/{id}/triage"): frozenset({"coordinator", "response_team"}),
    ("GET", "/api/indicators"): frozenset({"coordinator"}),
    ("POST", "/api/indicators/{id}/values"): frozenset({"coordinator"}),
    ("GET", "/api/indicators/stream"): frozenset({"coordinator"}),
    ("GET", "/api/indicators/report/{year}.csv"): frozenset({"coordinator"}),
    ("POST", "/api/observatory/publications"): frozenset({"coordinator"}),
    ("GET", "/api/programme/tasks"): frozenset({"coordinator"}),
    ("POST", "/api/programme/tasks"): frozenset({"coordinator"}),
    ("POST", "/api/programme/tasks/{id}/notes"): frozenset({"coordinator"}),
    ("GET", "/api/programme/risks"): frozenset({"coordinator"}),
    ("GET", "/api/programme/report/{year}"): frozenset({"coordinator"}),  # and {year}.pdf
}


def normalise(path: str) -> str:
    """A route's key: every path segment holding a parameter becomes `{}`.

    `/a/{id:uuid}/b`, `/a/{app_id}/b` → `/a/{}/b`; `/report/{year}.csv`, `/report/{filename:str}`
    → `/report/{}`: the names and suffixes of parameters are the code's business, not access.
    """
    return "/".join("{}" if "{" in part else part for part in path.split("/"))


def concrete(path: str) -> str:
    """A callable URL for a route template: ids that exist nowhere, a plausible year."""

    def fill(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if kind == "int" or name == "year":
            return "2026"
        if kind == "uuid":
            return str(uuid.uuid4())
        return "nothing-here"

    return re.sub(r"\{(\w+)(?::(\w+))?\}", fill, path)


def guarded_as(guards: list[Any]) -> frozenset[str] | str:
    """What the route's own guards admit; a text naming a guard this test does not know."""
    if not guards:
        return PUBLIC
    admitted: frozenset[str] | None = None
    for guard in guards:
        if guard is authenticated:
            roles = SIGNED_IN
        elif isinstance(getattr(guard, "roles", None), frozenset):
            roles = guard.roles
        else:
            return f"unknown guard {guard!r}"
        # Every guard must pass: a role is admitted only when each of them admits it.
        if admitted is None or admitted == SIGNED_IN:
            admitted = roles
        elif roles != SIGNED_IN:
            admitted = admitted & roles
    assert admitted is not None
    return admitted


def app_routes(
    platform: RunningPlatform, prefix: str = "/api/"
) -> list[tuple[str, str, str, frozenset[str] | str]]:
    """(method, key, concrete path, what its guards admit) of every API route of the app (or
    every route under another `prefix`)."""
    app = build_app(platform.runtime, platform.runtime.services)
    found = []
    for route in app.routes:
        if not (route.path + "/").startswith(prefix):
            continue
        for handler in getattr(route, "route_handlers", []):
            # Guards of the app, routers and controllers too, not only the handler's own.
            guards = [getattr(g, "func", g) for g in handler.resolve_guards()]
            for method in handler.http_methods:
                if method in ("HEAD", "OPTIONS"):
                    continue
                found.append(
                    (method, normalise(route.path), concrete(route.path), guarded_as(guards))
                )
    return found


def routes(platform: RunningPlatform) -> list[tuple[str, str, str, frozenset[str]]]:
    """(method, key, concrete path, admitted roles from the hand-written table) of every route."""
    return [(m, key, path, EXPECTED[(m, key)]) for m, key, path, _ in app_routes(platform)]


def admits(expected: frozenset[str], role: str) -> bool:
    return expected in (PUBLIC, SIGNED_IN) or role in expected


def test_the_table_names_every_route_of_the_app_and_no_other(platform: RunningPlatform) -> None:
    keys = [(m, key) for m, key, _, _ in app_routes(platform)]
    assert len(keys) == len(set(keys)), "two routes share a key"
    missing = sorted(set(keys) - set(EXPECTED))
    extra = sorted(set(EXPECTED) - set(keys))
    assert not missing, f"routes with no row in EXPECTED (write down who may call them): {missing}"
    assert not extra, f"rows in EXPECTED for routes the app does not have: {extra}"


def test_every_route_is_guarded_as_the_table_says(platform: RunningPlatform) -> None:
    """A route without a guard must be declared PUBLIC; a guarded one must admit exactly its row."""
    wrong = {}
    for method, key, _, guarded in app_routes(platform):
        expected = EXPECTED.get((method, key))
        if expected is not None and guarded != expected:
            wrong[(method, key)] = (
                guarded if isinstance(guarded, str) else sorted(guarded),
                sorted(expected),
            )
    assert not wrong, f"guard (actual, expected) differs from the table: {wrong}"


def test_the_bench_staff_pages_are_each_in_their_table_and_guarded_as_it_says(
    platform: RunningPlatform,
) -> None:
    found = {(m, key): guarded for m, key, _, guarded in app_routes(platform, "/bench/staff/")}
    assert sorted(set(found) - set(PAGES)) == [], "pages with no row in PAGES"
    assert sorted(set(PAGES) - set(found)) == [], "rows in PAGES for pages the app lacks"
    wrong = {key: guarded for key, guarded in found.items() if guarded != PAGES[key]}
    assert not wrong, f"page guards differing from PAGES: {wrong}"


async def test_each_role_reaches_exactly_the_bench_staff_pages_it_may(
    platform: RunningPlatform,
) -> None:
    """With a bearer token of each role (pages take one too): 403 where the row does not admit
    it, past the guard elsewhere (where an id that exists nowhere is then not found)."""
    # The pages' forms carry a CSRF token, checked before any guard: send a valid one.
    first = await platform.client.get("/bench")
    csrf = first.cookies.get("okr_csrf") or platform.client.cookies["okr_csrf"]
    wrong = []
    for method, key, path, _ in app_routes(platform, "/bench/staff/"):
        for role in ROLES:
            headers = platform.auth(role)
            if method == "POST":
                headers |= {"x-csrftoken": csrf, "Cookie": f"okr_csrf={csrf}"}
            resp = await platform.client.request(method, path, headers=headers)
            allowed = role in PAGES[(method, key)]
            if allowed == (resp.status_code == 403):
                wrong.append((method, key, role, resp.status_code))
    assert not wrong, wrong


def test_the_programme_pages_are_each_in_their_table_and_guarded_as_it_says(
    platform: RunningPlatform,
) -> None:
    found = {(m, key): guarded for m, key, _, guarded in app_routes(platform, "/programme")}
    assert sorted(set(found) - set(PROGRAMME_PAGES)) == [], "pages with no row in PROGRAMME_PAGES"
    assert sorted(set(PROGRAMME_PAGES) - set(found)) == [], "rows for pages the app lacks"
    wrong = {key: guarded for key, guarded in found.items() if guarded != PROGRAMME_PAGES[key]}
    assert not wrong, f"page guards differing from PROGRAMME_PAGES: {wrong}"


async def test_each_role_reaches_exactly_the_programme_pages_it_may(
    platform: RunningPlatform,
) -> None:
    """With a bearer token of each role: 403 where the row does not admit it."""
    first = await platform.client.get("/bench")
    csrf = first.cookies.get("okr_csrf") or platform.client.cookies["okr_csrf"]
    wrong = []
    for method, key, path, _ in app_routes(platform, "/programme"):
        for role in ROLES:
            headers = platform.auth(role)
            if method == "POST":
                headers |= {"x-csrftoken": csrf, "Cookie": f"okr_csrf={csrf}"}
                path = path.replace("/2026/", "/1999/")  # never approve a real year here
            resp = await platform.client.request(method, path, headers=headers)
            allowed = role in PROGRAMME_PAGES[(method, key)]
            if allowed == (resp.status_code == 403):
                wrong.append((method, key, role, resp.status_code))
    assert not wrong, wrong


def test_the_askers_consent_form_and_verdict_links_need_no_sign_in(
    platform: RunningPlatform,
) -> None:
    found = {
        (m, key): guarded
        for prefix in ("/bench/track/publication", "/bench/track/verdict", "/bench/feedback")
        for m, key, _, guarded in app_routes(platform, prefix)
    }
    assert found == ASKER_FORMS


def test_the_grants_pages_are_each_in_their_table_and_guarded_as_it_says(
    platform: RunningPlatform,
) -> None:
    found = {(m, key): guarded for m, key, _, guarded in app_routes(platform, "/grants/")}
    assert sorted(set(found) - set(GRANTS_PAGES)) == [], "pages with no row in GRANTS_PAGES"
    assert sorted(set(GRANTS_PAGES) - set(found)) == [], "rows for pages the app lacks"
    wrong = {key: guarded for key, guarded in found.items() if guarded != GRANTS_PAGES[key]}
    assert not wrong, f"page guards differing from GRANTS_PAGES: {wrong}"


async def test_the_public_grants_pages_open_without_signing_in(platform: RunningPlatform) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url) as anonymous:
        listed = await anonymous.get("/grants/calls")
        unknown = await anonymous.get(f"/grants/calls/{uuid.uuid4()}")
        ngo_page = await anonymous.get("/grants")
    assert (listed.status_code, unknown.status_code) == (200, 404)
    # The NGOs' own page still asks a visitor to sign in first.
    assert ngo_page.status_code == 303 and "/auth/sign-in" in ngo_page.headers["location"]


async def test_the_public_pages_are_each_in_their_table_unguarded_and_answer_anyone(
    platform: RunningPlatform,
) -> None:
    found = {
        (m, key): (path, guarded)
        for prefix in PUBLIC_PAGE_PREFIXES
        for m, key, path, guarded in app_routes(platform, prefix)
    }
    assert sorted(set(found) - set(PUBLIC_PAGES)) == [], "public pages with no row in PUBLIC_PAGES"
    assert sorted(set(PUBLIC_PAGES) - set(found)) == [], "rows in PUBLIC_PAGES the app lacks"
    wrong = {key: guarded for key, (_, guarded) in found.items() if guarded != PUBLIC_PAGES[key]}
    assert not wrong, f"public pages with a guard: {wrong}"
    for (method, key), (path, _) in found.items():
        if PUBLIC_PAGES[(method, key)] != PUBLIC:  # a staff page beside the public ones
            continue
        resp = await platform.client.request(method, path)
        assert resp.status_code not in (401, 403) and resp.status_code < 500, (
            key,
            resp.status_code,
        )


def test_the_incidents_pages_are_each_in_their_table_and_guarded_as_it_says(
    platform: RunningPlatform,
) -> None:
    found = {(m, key): guarded for m, key, _, guarded in app_routes(platform, "/incidents/")}
    assert sorted(set(found) - set(INCIDENTS_PAGES)) == [], "pages with no row in INCIDENTS_PAGES"
    assert sorted(set(INCIDENTS_PAGES) - set(found)) == [], "rows for pages the app lacks"
    wrong = {key: guarded for key, guarded in found.items() if guarded != INCIDENTS_PAGES[key]}
    assert not wrong, f"page guards differing from INCIDENTS_PAGES: {wrong}"


async def test_each_role_reaches_exactly_the_incidents_staff_pages_it_may(
    platform: RunningPlatform,
) -> None:
    first = await platform.client.get("/incidents")
    csrf = first.cookies.get("okr_csrf") or platform.client.cookies["okr_csrf"]
    wrong = []
    for method, key, path, _ in app_routes(platform, "/incidents/staff/"):
        for role in ROLES:
            headers = platform.auth(role)
            if method == "POST":
                headers |= {"x-csrftoken": csrf, "Cookie": f"okr_csrf={csrf}"}
            resp = await platform.client.request(method, path, headers=headers)
            allowed = role in INCIDENTS_PAGES[(method, key)]
            if allowed == (resp.status_code == 403):
                wrong.append((method, key, role, resp.status_code))
    assert not wrong, wrong


def test_the_table_agrees_with_the_contract() -> None:
    normalised = {(m, normalise(path)): roles for (m, path), roles in CONTRACT.items()}
    assert len(normalised) == len(CONTRACT)
    absent = sorted(set(normalised) - set(EXPECTED))
    assert not absent, f"contract.md routes the table (and so the app) lacks: {absent}"
    drift = {
        key: (sorted(EXPECTED[key]), sorted(roles))
        for key, roles in normalised.items()
        if EXPECTED[key] != roles
    }
    assert not drift, f"the table differs from contract.md: {drift}"


def test_normalise_matches_parameters_whatever_their_names() -> None:
    assert normalise("/api/grants/applications/{app_id:uuid}/submit") == normalise(
        "/api/grants/applications/{application_id}/submit"
    )
    assert normalise("/api/indicators/report/{year}.csv") == normalise(
        "/api/indicators/report/{filename:str}"
    )
    assert normalise("/api/bench/editions/{id}") != normalise("/api/bench/editions")


def bad_tokens(platform: RunningPlatform) -> dict[str, str]:
    auth = platform.runtime.auth
    assert auth is not None
    claims = {"sub": "intruder", "roles": list(ROLES)}
    return {
        "expired": auth.access_token("someone", "coordinator", ttl=-300),
        "other-issuer": LocalIssuer(b"k" * 48, "https://login.example.com", "openkrakow").sign(
            claims, ttl=300, purpose="access"
        ),
        "forged": LocalIssuer(b"x" * 48, auth.local.issuer, auth.local.audience).sign(
            claims, ttl=300, purpose="access"
        ),
        "garbage": "e30.e30.e30",
    }


async def call(platform: RunningPlatform, method: str, path: str, headers: dict[str, str]) -> Any:
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return await platform.client.request(method, path, json=body, headers=headers)


async def test_every_non_public_route_refuses_missing_and_bad_tokens_with_401(
    platform: RunningPlatform,
) -> None:
    wrong = []
    for method, key, path, expected in routes(platform):
        if expected == PUBLIC:
            continue
        for name, token in [("none", None), *bad_tokens(platform).items()]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            resp = await call(platform, method, path, headers)
            if resp.status_code != 401:
                wrong.append((method, key, name, resp.status_code))
    assert not wrong, wrong


async def test_public_routes_answer_without_a_token_and_refuse_a_bad_one(
    platform: RunningPlatform,
) -> None:
    wrong = []
    for method, key, path, expected in routes(platform):
        if expected != PUBLIC:
            continue
        resp = await call(platform, method, path, {})
        if resp.status_code in (401, 403) or resp.status_code >= 500:
            wrong.append((method, key, "none", resp.status_code, "expected past the guard"))
        for name, token in bad_tokens(platform).items():
            resp = await call(platform, method, path, {"Authorization": f"Bearer {token}"})
            if resp.status_code != 401:
                wrong.append((method, key, name, resp.status_code, "expected 401"))
    assert not wrong, wrong


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_passes_exactly_the_routes_the_table_admits_it_to(
    platform: RunningPlatform, role: str
) -> None:
    wrong = []
    headers = platform.auth(role, org=uuid.uuid4())
    for method, key, path, expected in routes(platform):
        admitted = admits(expected, role)
        if admitted and key.endswith("/stream"):
            continue  # an endless response once admitted; the SSE tests cover it
        resp = await call(platform, method, path, headers)
        assert resp.status_code < 500, (method, key, role, resp.status_code, resp.text)
        if not admitted and resp.status_code != 403:
            wrong.append((method, key, role, resp.status_code, "expected 403"))
        if admitted and resp.status_code == 401:
            wrong.append((method, key, role, resp.status_code, "a valid token refused"))
        if admitted and resp.status_code == 403 and "role" in resp.text:
            wrong.append((method, key, role, resp.status_code, "refused by its own guard"))
    assert not wrong, wrong
