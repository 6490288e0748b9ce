"""The coordinator's pages over HTTP (session cookie, CSRF, no browser): every page renders in
pl/en/uk, each form calls the same command as the API route beside it (what it stores is read
back through the API), refusals are said on the form with what was typed kept."""

from __future__ import annotations

import uuid

from ambassadors_helpers import (
    accepted_nomination,
    new_edition,
)
from test_jury_pages import signed_in

from tests.helpers.platform import RunningPlatform

HOME = "/ambassadors/staff"


async def test_every_coordinator_page_renders_in_each_language_and_only_for_the_coordinator(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    nomination = await accepted_nomination(platform, edition["id"])
    base = f"{HOME}/editions/{edition['id']}"
    paths = [
        HOME,
        f"{HOME}/editions/new",
        base,
        f"{base}/edit",
        f"{base}/jury",
        f"{base}/nominations",
        f"{base}/nominations?status=accepted",
        f"{HOME}/nominations/{nomination['id']}",
        f"{base}/ranking",
        f"{base}/results",
    ]
    for lang in ("pl", "en", "uk"):
        async with signed_in(platform, "coordinator", lang=lang) as coordinator:
            for path in paths:
                page = await coordinator.get(path)
                assert page.status_code == 200, (lang, path, page.text[-2000:])
                assert f'<html lang="{lang}">' in page.text
    async with signed_in(platform, "juror") as juror:
        for path in paths:
            assert (await juror.get(path)).status_code == 403, path
    async with signed_in(platform, "coordinator") as coordinator:
        assert (await coordinator.get(f"{HOME}/editions/{uuid.uuid4()}")).status_code == 404
        assert (await coordinator.get(f"{HOME}/nominations/{uuid.uuid4()}")).status_code == 404
