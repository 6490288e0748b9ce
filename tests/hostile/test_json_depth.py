"""JSON nested far deeper than any body needs is refused at the edge (400), on every route.

Before, a body nested 1,000 deep made the decoder raise RecursionError: a 500 on any JSON
route, anonymous or signed in. The check sits where every body passes (`receive`), so it holds
for routes of every service whoever decodes their body.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers.platform import RunningPlatform

LIMIT = 64  # shared.http.MAX_JSON_DEPTH (checked below)


def nested_array(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def nested_object(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def in_a_field(depth: int) -> bytes:
    return b'{"text": ' + nested_array(depth) + b', "language": "pl"}'


BODIES = {
    "array": nested_array(1000),
    "object": nested_object(1000),
    "in a field": in_a_field(1000),
    "just over the limit": in_a_field(LIMIT),
}


def routes() -> list[tuple[str, str, str | None]]:
    """(name, path, role or None for anonymous) across the services."""
    some = uuid.uuid4()
    return [
        ("bench question", f"/api/bench/editions/{some}/questions", None),
        ("nomination", f"/api/ambassadors/editions/{some}/nominations", None),
        ("council application", f"/api/council/calls/{some}/applications", None),
        ("grants call", "/api/grants/calls", "coordinator"),
        ("organisation", "/api/grants/organisations", "ngo"),
        ("indicator value", "/api/indicators/bench.questions/values", "coordinator"),
        ("bench edition", "/api/bench/editions", "coordinator"),
        ("erasure", "/api/privacy/erasures", "coordinator"),
    ]


@pytest.mark.parametrize("shape", list(BODIES))
async def test_deep_json_is_a_400_problem_on_every_route(
    platform: RunningPlatform, shape: str
) -> None:
    wrong: list[Any] = []
    for name, path, role in routes():
        for content_type in (
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ):
            headers = {"Content-Type": content_type}
            if role:
                headers |= platform.auth(role)
            resp = await platform.client.post(path, content=BODIES[shape], headers=headers)
            problem = (
                resp.json()
                if resp.headers.get("content-type", "").startswith("application/problem+json")
                else {}
            )
            fields = [e["field"] for e in problem.get("errors", [])]
            if resp.status_code != 400 or fields != ["body"] or "nested" not in problem["detail"]:
                wrong.append((name, content_type, resp.status_code, resp.text[:200]))
    assert not wrong, wrong


async def test_brackets_inside_strings_are_text_not_nesting(platform: RunningPlatform) -> None:
    text = "[" * 500 + " czy będą kursy polskiego? " + "]" * 500
    resp = await platform.client.post(
        f"/api/bench/editions/{uuid.uuid4()}/questions", json={"text": text, "language": "pl"}
    )
    # Refused, if at all, for what the body says (a missing field), never for its nesting.
    assert resp.status_code < 500 and "nested" not in resp.text, resp.text


def test_the_scanner_counts_nesting_not_brackets() -> None:
    from shared.http import MAX_JSON_DEPTH, json_depth

    assert MAX_JSON_DEPTH == LIMIT
    assert json_depth(b"{}") == 1
    assert json_depth(b'{"a": [1, [2, {"b": []}]]}') == 5
    assert json_depth(b'"[[[["') == 0
    assert json_depth(b'{"a": "\\"[[[["}') == 1
    assert json_depth(b"[]" * 10_000) == 1
    assert json_depth(nested_array(1000)) == 1000
