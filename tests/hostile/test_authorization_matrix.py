"""Every API route × every caller: only what the contract allows.

Callers: no token, an expired token, a token of another issuer, a forged signature, and each
role. A route guarded by roles answers 401 to the first four and 403 to a role it does not
admit; an admitted role gets past the guard (any answer but 401/403). The contract's table
(handbook/contract.md) is written out here independently of the code, so a route whose guard
drifts from the contract fails; routes beyond the contract are checked against their own guard.
Object-level rules (another organisation's application, another edition's juror) are tested
with the domains.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from shared.app import build_app
from shared.auth import ROLES, LocalIssuer
from tests.helpers.platform import RunningPlatform

ANYONE = frozenset({"*"})
CONTRACT: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/api/bench/editions"): frozenset({"coordinator"}),
    ("GET", "/api/bench/editions"): ANYONE,
    ("POST", "/api/bench/editions/{edition_id}/questions"): ANYONE,
    ("GET", "/api/bench/questions/{reference}"): ANYONE,
    ("GET", "/api/bench/editions/{edition_id}/questions"): frozenset({"coordinator", "responder"}),
    ("POST", "/api/bench/questions/{question_id}/answer"): frozenset({"coordinator", "responder"}),
    ("POST", "/api/council/meetings"): frozenset({"coordinator", "council_secretary"}),
    ("POST", "/api/council/meetings/{meeting_id}/held"): frozenset(
        {"coordinator", "council_secretary"}
    ),
    ("POST", "/api/grants/calls"): frozenset({"coordinator"}),
    ("POST", "/api/grants/organisations"): frozenset({"ngo"}),
    ("POST", "/api/grants/calls/{call_id}/applications"): frozenset({"ngo"}),
    ("POST", "/api/grants/applications/{application_id}/submit"): frozenset({"ngo"}),
    ("POST", "/api/grants/calls/{call_id}/evaluators"): frozenset({"coordinator"}),
    ("POST", "/api/grants/applications/{application_id}/formal-check"): frozenset({"coordinator"}),
    ("POST", "/api/grants/applications/{application_id}/evaluations"): frozenset({"evaluator"}),
    ("POST", "/api/grants/calls/{call_id}/decision"): frozenset({"coordinator"}),
    ("POST", "/api/ambassadors/editions"): frozenset({"coordinator"}),
    ("POST", "/api/ambassadors/editions/{edition_id}/nominations"): ANYONE,
    ("POST", "/api/ambassadors/nominations/{nomination_id}/acceptance"): ANYONE,
    ("POST", "/api/ambassadors/editions/{edition_id}/jury"): frozenset({"coordinator"}),
    ("POST", "/api/ambassadors/nominations/{nomination_id}/scores"): frozenset({"juror"}),
    ("GET", "/api/ambassadors/editions/{edition_id}/ranking"): frozenset({"coordinator"}),
    ("POST", "/api/ambassadors/editions/{edition_id}/results"): frozenset({"coordinator"}),
    ("GET", "/api/ambassadors/editions/{edition_id}/results"): ANYONE,
    ("GET", "/api/indicators"): frozenset({"coordinator"}),
    ("POST", "/api/indicators/{indicator_id}/values"): frozenset({"coordinator"}),
    ("GET", "/api/indicators/stream"): frozenset({"coordinator"}),
    ("GET", "/api/indicators/report/{year}.csv"): frozenset({"coordinator"}),
    # Personal data requests (GDPR art. 15 and 17), issue 8: beyond contract.md, the coordinator's.
    ("POST", "/api/privacy/erasures"): frozenset({"coordinator"}),
    ("GET", "/api/privacy/erasures/{request_id}"): frozenset({"coordinator"}),
    ("POST", "/api/privacy/exports"): frozenset({"coordinator"}),
}


def normalise(path: str) -> str:
    """`/a/{id:uuid}/b` → `/a/{id}/b`."""
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", path)


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


def routes(platform: RunningPlatform) -> list[tuple[str, str, str, frozenset[str]]]:
    """(method, template, concrete path, admitted roles) of every API route."""
    app = build_app(platform.runtime, platform.runtime.services)
    found = []
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method in ("HEAD", "OPTIONS"):
                    continue
                roles: set[str] = set()
                guarded = False
                for guard in handler.guards or []:
                    if hasattr(guard, "roles"):
                        guarded = True
                        roles |= guard.roles
                found.append(
                    (
                        method,
                        normalise(route.path),
                        concrete(route.path),
                        frozenset(roles) if guarded else ANYONE,
                    )
                )
    return found


def test_the_contract_routes_that_exist_are_guarded_as_the_contract_says(
    platform: RunningPlatform,
) -> None:
    implemented = {(m, t): roles for m, t, _, roles in routes(platform)}
    drift = {
        key: (sorted(implemented[key]), sorted(expected))
        for key, expected in CONTRACT.items()
        if key in implemented and implemented[key] != expected
    }
    assert not drift, f"guards differ from contract.md: {drift}"
    assert ("GET", "/api/indicators") in implemented


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


async def test_every_guarded_route_refuses_missing_and_bad_tokens_with_401(
    platform: RunningPlatform,
) -> None:
    wrong = []
    for method, template, path, roles in routes(platform):
        if roles == ANYONE:
            continue
        for name, token in [("none", None), *bad_tokens(platform).items()]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            resp = await call(platform, method, path, headers)
            if resp.status_code != 401:
                wrong.append((method, template, name, resp.status_code))
    assert not wrong, wrong


async def test_a_bad_token_is_401_even_on_public_routes(platform: RunningPlatform) -> None:
    wrong = []
    for method, template, path, roles in routes(platform):
        if roles != ANYONE:
            continue
        for name, token in bad_tokens(platform).items():
            resp = await call(platform, method, path, {"Authorization": f"Bearer {token}"})
            if resp.status_code != 401:
                wrong.append((method, template, name, resp.status_code))
    assert not wrong, wrong


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_passes_exactly_the_guards_that_admit_it(
    platform: RunningPlatform, role: str
) -> None:
    wrong = []
    headers = platform.auth(role, org=uuid.uuid4())
    for method, template, path, roles in routes(platform):
        admitted = roles == ANYONE or role in roles
        if admitted and template.endswith("/stream"):
            continue  # an endless response once admitted; the SSE tests cover it
        resp = await call(platform, method, path, headers)
        assert resp.status_code < 500, (method, template, role, resp.status_code, resp.text)
        if not admitted and resp.status_code != 403:
            wrong.append((method, template, role, resp.status_code, "expected 403"))
        if admitted and roles != ANYONE and resp.status_code in (401, 403) and "role" in resp.text:
            wrong.append((method, template, role, resp.status_code, "refused by its own guard"))
    assert not wrong, wrong
