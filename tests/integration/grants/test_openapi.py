"""The grants routes appear in the platform's OpenAPI document."""

from __future__ import annotations

from tests.helpers.platform import RunningPlatform


async def test_every_grants_api_route_is_documented(platform: RunningPlatform) -> None:
    resp = await platform.client.get("/schema/openapi.json")
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    for path in (
        "/api/grants/calls",
        "/api/grants/organisations",
        "/api/grants/calls/{call_id}/decision",
        "/api/grants/applications/{app_id}/evaluations",
        "/api/grants/applications/{app_id}/report",
    ):
        assert path in paths, path
