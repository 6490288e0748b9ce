"""E-mail addresses a mail program reads as something else (issue 15, items 1 and 2).

An address is checked once, in the kit (shared.addresses), as mail will parse it, and stored in
one form. So: every door refuses `a,b@example.org` and the variants that were mailed to
`victim@example.org` with 422 naming the field (a translated message per field on pages); they
cannot slip past the per-address limit nor an erasure; and an address stored before the check
existed never stops a call's decision — its mail is skipped, the decision is made.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from shared import addresses
from tests.conftest import Servers
from tests.helpers.platform import RunningPlatform, client_ip, limited_platform
from tests.helpers.waiting import eventually
from tests.integration.ambassadors import ambassadors_helpers as amb
from tests.integration.bench.bench_helpers import new_edition, question_body
from tests.integration.council import helpers as council
from tests.integration.grants.helpers import (
    new_call,
    new_organisation,
    submitted_application,
    valid_nip,
    wait_until,
)

VARIANTS = [
    "a,b@example.org",
    "a;b@example.org",
    "(1)victim@example.org",
    "x<victim@example.org",
    "victim@example.org>",
    "=?utf-8?q?victim?=@example.org",
    "victim@(c)example.org",
    "Victim <victim@example.org>",
    '"victim"@example.org',
    "victim@[127.0.0.1]",
]
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def test_the_kit_refuses_what_mail_reads_otherwise_and_stores_one_form() -> None:
    for variant in VARIANTS:
        assert not addresses.is_address(variant), variant
    assert addresses.normalise(" Olena.K+bench@Example.ORG ") == "olena.k+bench@example.org"
    # The IDNA domain is stored in its ASCII form: one key whichever way it was typed.
    assert addresses.normalise("jan@Bücher.example") == "jan@xn--bcher-kva.example"
    assert addresses.normalise("jan@xn--bcher-kva.example") == "jan@xn--bcher-kva.example"
    # An office's internal domain and the erased placeholder are addresses too.
    assert addresses.normalise("Sekretariat@Urzad.local") == "sekretariat@urzad.local"
    assert addresses.normalise("erased@erased.invalid") == "erased@erased.invalid"


def _field(resp: httpx.Response) -> set[str]:
    return {e["field"] for e in resp.json().get("errors", [])}


def _refusal(variant: str) -> int:
    """400 for text of no address shape at all (the schema's pattern, like any shape error);
    422 for what has the shape but is read otherwise by mail."""
    return 422 if re.match(addresses.PATTERN, variant) else 400


@pytest.mark.parametrize("variant", VARIANTS)
async def test_every_api_door_refuses_a_bad_address_with_422_naming_the_field(
    platform: RunningPlatform, variant: str
) -> None:
    marker = uuid.uuid4().hex
    edition = (await new_edition(platform))["id"]
    resp = await platform.client.post(
        f"/api/bench/editions/{edition}/questions",
        json=question_body(email=variant, text=f"Pytanie o żłobki {marker}"),
    )
    assert resp.status_code == _refusal(variant), resp.text
    assert _field(resp) == {"email"}
    stored = await platform.runtime.pool("participation").fetchval(
        "select count(*) from bench_questions where text like $1", f"%{marker}%"
    )
    assert stored == 0

    call = await council.open_call(platform)
    resp = await platform.client.post(
        f"/api/council/calls/{call['id']}/applications", json=council.application(email=variant)
    )
    assert resp.status_code == _refusal(variant), resp.text
    assert _field(resp) == {"email"}

    edition = await amb.new_edition(platform)
    resp = await platform.client.post(
        f"/api/ambassadors/editions/{edition['id']}/nominations",
        json=amb.nomination_body(candidate_email=variant),
    )
    assert resp.status_code == _refusal(variant), resp.text
    assert _field(resp) == {"candidate_email"}

    subject = f"ngo-{uuid.uuid4().hex[:8]}"
    resp = await platform.client.post(
        "/api/grants/organisations",
        json={"name": "Fundacja", "nip": valid_nip(), "kind": "ngo", "email": variant},
        headers=platform.auth("ngo", subject=subject),
    )
    assert resp.status_code == _refusal(variant), resp.text
    assert _field(resp) == {"email"}


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("pl", "Wpisz adres e-mail w postaci imie@example.com albo zostaw pole puste."),
        ("en", "Enter an e-mail address like name@example.com, or leave it empty."),
        ("uk", "Введіть адресу у форматі name@example.com або залиште поле порожнім."),
    ],
)
async def test_the_bench_form_explains_a_bad_address_in_the_pages_language(
    platform: RunningPlatform, lang: str, message: str
) -> None:
    edition = (await new_edition(platform))["id"]
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        page = await browser.get(f"/bench/editions/{edition}", params={"lang": lang})
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        resp = await browser.post(
            f"/bench/editions/{edition}/questions",
            params={"lang": lang},
            data={
                "_csrf_token": csrf,
                "text": "Kiedy będą nowe kursy języka polskiego?",
                "topic": "education",
                "language": lang,
                "email": "b,contact@example.org",
                "consent": "yes",
            },
        )
    assert resp.status_code == 400
    assert message in resp.text


async def test_a_stored_bad_address_does_not_stop_a_calls_decision(
    platform: RunningPlatform,
) -> None:
    """An organisation's address stored before addresses were checked (written here straight
    into its table) made the decision answer 500 for every applicant, on every retry."""
    client, coordinator = platform.client, platform.auth("coordinator")
    call_id = await new_call(platform, closes_in=3)
    call = (await client.get(f"/api/grants/calls/{call_id}")).json()
    (bad_org, bad), (good_org, good) = [await new_organisation(platform) for _ in range(2)]
    apps = [
        await submitted_application(platform, call_id, headers, requested=100_000)
        for headers in (bad, good)
    ]
    pool = platform.runtime.pool("grants")
    await pool.execute(
        "update organisations set email = 'b,contact@example.org' where id = $1",
        uuid.UUID(bad_org),
    )
    evaluators = []
    for _ in range(2):
        subject = f"eval-{uuid.uuid4().hex[:8]}"
        resp = await client.post(
            f"/api/grants/calls/{call_id}/evaluators",
            headers=coordinator,
            json={"subject": subject, "name": "Evaluator", "email": f"{subject}@example.org"},
        )
        assert resp.status_code == 201, resp.text
        evaluators.append(platform.auth("evaluator", subject=subject))
    for app_id in apps:
        resp = await client.post(
            f"/api/grants/applications/{app_id}/formal-check",
            headers=coordinator,
            json={"eligible": True},
        )
        assert resp.status_code == 200, resp.text
    criteria = {c["key"]: c["max_points"] for c in call["criteria"]}
    for headers in evaluators:
        for app_id in apps:
            resp = await client.post(
                f"/api/grants/applications/{app_id}/evaluations",
                headers=headers,
                json={"scores": criteria, "comment": "Solid plan."},
            )
            assert resp.status_code == 201, resp.text
    await wait_until(datetime.fromisoformat(call["closes_at"]))
    resp = await client.post(f"/api/grants/calls/{call_id}/decision", headers=coordinator)
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["awarded"]) == 2
    good_address = await pool.fetchval(
        "select email from organisations where id = $1", uuid.UUID(good_org)
    )
    queued = await pool.fetch(
        "select recipient from outgoing_mail where purpose = 'grants.decision' "
        "and recipient = any($1::text[])",
        [good_address, "b,contact@example.org", "b", "contact@example.org"],
    )
    # The other applicant hears of the decision; nothing goes to the unusable address.
    assert [r["recipient"] for r in queued] == [good_address]


async def test_address_variants_share_the_limit_and_the_erasure(
    servers: Servers, tmp_path: Path
) -> None:
    # Its own worker carries out the erasure: run alone, no other platform's worker is there.
    async with limited_platform(
        servers, tmp_path, parts=frozenset({"web", "background", "worker"}), mail_address="2/hour"
    ) as platform:
        edition = (await new_edition(platform))["id"]
        victim = f"victim-{uuid.uuid4().hex[:8]}"
        typed = [f"{victim}@Bücher.example", f"{victim.upper()}@XN--BCHER-KVA.EXAMPLE"]
        headers = {"X-Forwarded-For": client_ip()}
        for address in typed:
            resp = await platform.client.post(
                f"/api/bench/editions/{edition}/questions",
                json=question_body(email=address, name="Ofiara Testowa"),
                headers=headers,
            )
            assert resp.status_code == 201, resp.text
        # The address's limit is used up whichever way it is written, and no variant a mail
        # program would deliver to it gets past.
        for address in [
            f"{victim}@xn--bcher-kva.example",
            f"(1){victim}@xn--bcher-kva.example",
            f"x<{victim}@xn--bcher-kva.example",
            f"{victim}@xn--bcher-kva.example>",
            f"=?utf-8?q?{victim}?=@xn--bcher-kva.example",
            f"{victim}@(c)xn--bcher-kva.example",
        ]:
            resp = await platform.client.post(
                f"/api/bench/editions/{edition}/questions",
                json=question_body(email=address),
                headers={"X-Forwarded-For": client_ip()},
            )
            assert resp.status_code in (422, 429), (address, resp.status_code, resp.text)
            assert resp.status_code == 429 or _field(resp) == {"email"}
        pool = platform.runtime.pool("participation")
        stored = await pool.fetch(
            "select asker_email from bench_questions where asker_name = 'Ofiara Testowa' "
            "and edition_id = $1",
            uuid.UUID(edition),
        )
        assert {r["asker_email"] for r in stored} == {f"{victim}@xn--bcher-kva.example"}

        # An erasure asked for the address as the person writes it finds every question.
        resp = await platform.client.post(
            "/api/privacy/erasures",
            json={"email": f"{victim}@bücher.example"},
            headers=platform.auth("coordinator"),
        )
        assert resp.status_code == 202, resp.text
        request_id = resp.json()["id"]

        async def done() -> bool:
            got = await platform.client.get(
                f"/api/privacy/erasures/{request_id}", headers=platform.auth("coordinator")
            )
            return got.json()["status"] == "completed"

        await eventually(done, timeout=60, interval=0.2, what="the erasure to complete")
        left = await pool.fetchval(
            "select count(*) from bench_questions where asker_name = 'Ofiara Testowa' "
            "or asker_email like $1",
            f"%{victim}%",
        )
        assert left == 0


async def test_addresses_stored_before_the_check_are_found_and_normalised(
    platform: RunningPlatform,
) -> None:
    """`openkrakow addresses check|fix` (shared.address_audit): an address stored in another
    form is rewritten to the one stored form; one mail cannot read is counted and left."""
    from shared import address_audit

    (old_form, _), (unusable, _) = [await new_organisation(platform) for _ in range(2)]
    local = f"olena-{uuid.uuid4().hex[:8]}"
    pool = platform.runtime.pool("grants")
    await pool.execute(
        "update organisations set email = $2 where id = $1",
        uuid.UUID(old_form),
        f"{local}@Bücher.example",
    )
    await pool.execute(
        "update organisations set email = $2 where id = $1",
        uuid.UUID(unusable),
        f"{local},x@example.org",
    )

    def column(reports: list[address_audit.ColumnReport]) -> address_audit.ColumnReport:
        return next(r for r in reports if (r.table, r.column) == ("organisations", "email"))

    checked = column(await address_audit.audit({"grants": pool}))
    assert checked.to_normalise >= 1 and checked.unusable >= 1 and checked.fixed == 0
    assert await pool.fetchval(
        "select email from organisations where id = $1", uuid.UUID(old_form)
    ) == (f"{local}@Bücher.example")

    fixed = column(await address_audit.audit({"grants": pool}, fix=True))
    assert fixed.fixed >= 1
    emails = dict(
        await pool.fetch(
            "select id::text, email from organisations where id = any($1::uuid[])",
            [uuid.UUID(old_form), uuid.UUID(unusable)],
        )
    )
    assert emails == {
        old_form: f"{local}@xn--bcher-kva.example",
        unusable: f"{local},x@example.org",
    }
    assert column(await address_audit.audit({"grants": pool})).to_normalise == 0


async def test_the_council_and_nomination_forms_explain_a_bad_address_in_ukrainian(
    platform: RunningPlatform,
) -> None:
    call = await council.open_call(platform)
    edition = await amb.new_edition(platform)
    async with httpx.AsyncClient(base_url=platform.base_url, cookies={"lang": "uk"}) as browser:
        page = await browser.get(f"/council/calls/{call['id']}/apply")
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        form = {k: str(v) for k, v in council.application(email="b,contact@example.org").items()}
        form["consent"] = "yes"
        applied = await browser.post(
            f"/council/calls/{call['id']}/apply", data={"_csrf_token": csrf, **form}
        )
        page = await browser.get(f"/ambassadors/editions/{edition['id']}/nominate")
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        form = {
            k: str(v)
            for k, v in amb.nomination_body(candidate_email="(1)victim@example.org").items()
        }
        form["consent"] = "yes"
        nominated = await browser.post(
            f"/ambassadors/editions/{edition['id']}/nominate", data={"_csrf_token": csrf, **form}
        )
    assert applied.status_code == 400, applied.text[:500]
    assert "Вкажіть адресу електронної пошти у форматі name@example.org" in applied.text
    assert nominated.status_code == 400, nominated.text[:500]
    assert "Введіть адресу електронної пошти, наприклад name@example.org" in nominated.text
