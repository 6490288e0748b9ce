"""The coordinator's pages over HTTP (session cookie, CSRF, no browser): every page renders in
pl/en/uk, each form calls the same command as the API route beside it (what it stores is read
back through the API), refusals are said on the form with what was typed kept."""

from __future__ import annotations

import re
import uuid

import httpx
from ambassadors_helpers import (
    accepted_nomination,
    new_edition,
)
from test_jury_pages import csrf_of, signed_in

from tests.helpers.platform import RunningPlatform
from tests.helpers.signin import link_in, mail_files
from tests.helpers.signin import mail_to as signin_mail_to

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
            if lang == "en":  # the header leads the coordinator to the competition's pages
                home = await coordinator.get(HOME)
                assert '<a href="/ambassadors/staff" aria-current="page">Ambassadors</a>' in (
                    home.text
                )
    async with signed_in(platform, "juror") as juror:
        for path in paths:
            assert (await juror.get(path)).status_code == 403, path
    async with signed_in(platform, "coordinator") as coordinator:
        assert (await coordinator.get(f"{HOME}/editions/{uuid.uuid4()}")).status_code == 404
        assert (await coordinator.get(f"{HOME}/nominations/{uuid.uuid4()}")).status_code == 404


async def test_the_coordinators_forms_call_the_api_commands_and_explain_refusals(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    base = f"{HOME}/editions/{edition['id']}"
    nomination = await accepted_nomination(platform, edition["id"])
    other = await accepted_nomination(platform, edition["id"])
    async with signed_in(platform, "coordinator", lang="pl") as coordinator:
        page = await coordinator.get(f"{base}/edit")
        csrf = csrf_of(page)
        # Edit: a closing time the spring clock change skips is not a time in Kraków.
        form = {
            "_csrf_token": csrf,
            "nominations_close_at": "2027-03-28 02:30",
            "titles": "4",
            "title": "Ambasadorzy Wielokulturowości 2026",
            "description": "Zgłoś osobę, która buduje otwarty Kraków.",
            "title__en": "x",
            "c0_key": "impact",
            "c0_name": "Impact on the community",
            "c0_weight": "2",
            "c1_key": "engagement",
            "c1_name": "Long-term engagement",
            "c1_weight": "1",
        }
        resp = await coordinator.post(f"{base}/edit", data=form)
        assert resp.status_code == 400
        assert "Wpisz datę i godzinę zamknięcia zgłoszeń (czas krakowski)." in resp.text
        assert 'value="4"' in resp.text  # what was typed is kept
        assert 'id="title__en-error"' in resp.text  # a title too short, on its field
        form |= {"title__en": "", "nominations_close_at": "2027-03-28 12:30"}
        resp = await coordinator.post(f"{base}/edit", data=form)
        assert resp.status_code == 303
        got = (await platform.client.get(f"/api/ambassadors/editions/{edition['id']}")).json()
        assert got["titles"] == 4 and got["nominations_close_at"].startswith("2027-03-28T10:30")
        assert list(got["texts"]) == ["pl"]
        # The public pages show the edition's own words, the Polish ones for other languages.
        for lang in ("pl", "uk"):
            public = await platform.client.get(
                f"/ambassadors/editions/{edition['id']}/nominate?lang={lang}"
            )
            assert "Zgłoś osobę, która buduje otwarty Kraków." in public.text

        # Close nominations, then try to close again: the reason is said in Polish.
        resp = await coordinator.post(f"{base}/nominations/close", data={"_csrf_token": csrf})
        assert resp.status_code == 303
        resp = await coordinator.post(f"{base}/nominations/close", data={"_csrf_token": csrf})
        assert resp.status_code == 409
        assert "Zgłoszenia nie są otwarte: zgłoszenia zamknięto" in resp.text
        # Reopen too late (after the jury deadline): said on the field.
        resp = await coordinator.post(
            f"{base}/nominations/open", data={"_csrf_token": csrf, "open_until": "2099-01-01 12:00"}
        )
        assert resp.status_code == 400
        assert 'id="open_until-error"' in resp.text
        assert "Zgłoszenia muszą się zamknąć najpóźniej w terminie jury" in resp.text

        # A juror appointed, then removed only once confirmed.
        resp = await coordinator.post(
            f"{base}/jury",
            data={
                "_csrf_token": csrf,
                "name": "Anna Juror",
                "email": "not an address",
                "language": "pl",
            },
        )
        assert resp.status_code == 400 and 'id="email-error"' in resp.text
        email = f"anna-{uuid.uuid4().hex[:6]}@example.org"
        resp = await coordinator.post(
            f"{base}/jury",
            data={"_csrf_token": csrf, "name": "Anna Juror", "email": email, "language": "en"},
        )
        assert resp.status_code == 303
        progress = (
            await platform.client.get(
                f"/api/ambassadors/editions/{edition['id']}/jury",
                headers=platform.auth("coordinator"),
            )
        ).json()["items"]
        juror_id = progress[0]["juror_id"]
        assert progress[0]["subject"].startswith("person:")
        resp = await coordinator.post(f"{base}/jury/{juror_id}/remove", data={"_csrf_token": csrf})
        assert resp.status_code == 400 and "Zaznacz pole, aby potwierdzić" in resp.text
        resp = await coordinator.post(
            f"{base}/jury/{juror_id}/remove", data={"_csrf_token": csrf, "confirm": "yes"}
        )
        assert resp.status_code == 303
        progress = (
            await platform.client.get(
                f"/api/ambassadors/editions/{edition['id']}/jury",
                headers=platform.auth("coordinator"),
            )
        ).json()["items"]
        assert progress == []

        # Withdraw a candidacy, only once confirmed.
        path = f"{HOME}/nominations/{nomination['id']}/withdraw"
        resp = await coordinator.post(path, data={"_csrf_token": csrf})
        assert resp.status_code == 400
        resp = await coordinator.post(path, data={"_csrf_token": csrf, "confirm": "yes"})
        assert resp.status_code == 303
        listed = (
            await platform.client.get(
                f"/api/ambassadors/editions/{edition['id']}/nominations",
                headers=platform.auth("coordinator"),
            )
        ).json()["items"]
        assert {n["id"]: n["status"] for n in listed}[nomination["id"]] == "withdrawn"

        # Results: published once confirmed; a meeting with the Mayor then recorded.
        resp = await coordinator.post(
            f"{base}/results/publish", data={"_csrf_token": csrf, "laureates": other["id"]}
        )
        assert resp.status_code == 400 and "nie można" in resp.text.lower()
        resp = await coordinator.post(
            f"{base}/results/publish",
            data={"_csrf_token": csrf, "laureates": other["id"], "confirm": "yes"},
        )
        assert resp.status_code == 303
        resp = await coordinator.post(
            f"{base}/results/publish",
            data={"_csrf_token": csrf, "laureates": other["id"], "confirm": "yes"},
        )
        assert resp.status_code == 409
        assert "wyniki ogłoszono już" in resp.text
        resp = await coordinator.post(
            f"{base}/mayor-meetings",
            data={"_csrf_token": csrf, "held_on": "2027-05-12", "place": "Pałac Wielopolskich"},
        )
        assert resp.status_code == 400 and 'id="present-error"' in resp.text
        assert 'value="Pałac Wielopolskich"' in resp.text
        resp = await coordinator.post(
            f"{base}/mayor-meetings",
            data={
                "_csrf_token": csrf,
                "held_on": "2027-05-12",
                "place": "Pałac Wielopolskich",
                "present": other["id"],
            },
        )
        assert resp.status_code == 303
        results = (
            await platform.client.get(f"/api/ambassadors/editions/{edition['id']}/results")
        ).json()
        assert results["mayor_meetings"][0]["ambassadors_present"] == [other["id"]]


async def test_a_jurors_address_asks_for_a_link_on_the_sign_in_form_and_lands_on_the_jury_page(
    platform: RunningPlatform,
) -> None:
    """`people=` is wired: the kit's e-mail sign-in finds the juror through this service."""
    edition = await new_edition(platform)
    email = f"juror-{uuid.uuid4().hex[:8]}@example.org"
    resp = await platform.client.post(
        f"/api/ambassadors/editions/{edition['id']}/jury",
        json={"name": "Anna Juror", "email": email, "language": "uk"},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 201, resp.text
    before = mail_files(platform)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as browser:
        page = await browser.get("/auth/sign-in")
        answer = await browser.post(
            "/auth/sign-in", data={"_csrf_token": csrf_of(page), "email": email.upper()}
        )
        assert answer.status_code == 200
        message = await signin_mail_to(platform, email, since=before)
        assert message["Content-Language"] == "uk"  # the juror's language
        link = link_in(message)
        assert link.endswith("next=%2Fambassadors%2Fjury")
        page = await browser.get(link.removeprefix(platform.settings.public_url))
        token = re.search(r'name="token" value="([^"]+)"', page.text)
        assert token
        form = {"_csrf_token": csrf_of(page), "token": token.group(1), "next": "/ambassadors/jury"}
        signed_in = await browser.post("/auth/link", data=form)
        assert signed_in.headers["location"] == "/ambassadors/jury"
        jury_page = await browser.get("/ambassadors/jury")
        assert jury_page.status_code == 200
        assert f'id="edition-{edition["id"]}"' in jury_page.text
