"""The public side of the competition (issue 14), on real servers: `/ambassadors` with the
current edition and past laureates; a laureate's name and short justification shown only with
their agreement, gone again after an erasure; staff texts in the reader's language or the
original marked with its `lang`; open data without names or addresses."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from ambassadors_helpers import (
    accepted_nomination,
    address,
    close_nominations,
    mail_to,
    new_edition,
)
from test_jury_pages import csrf_of, signed_in

from tests.helpers.platform import RunningPlatform, client_ip
from tests.helpers.waiting import eventually

WARSAW = ZoneInfo("Europe/Warsaw")
ROOT = Path(__file__).resolve().parents[3]
PUBLICATION = re.compile(
    r"/ambassadors/laureates/([0-9a-f-]+)/publication\?token=([A-Za-z0-9_\-]+)"
)
JUSTIFICATION = (
    "Prowadzi od 2022 roku sobotnie lekcje polskiego dla ukraińskich dzieci w Nowej Hucie "
    "i organizuje sąsiedzkie pikniki."
)


async def published(
    platform: RunningPlatform, names: list[str], **edition: object
) -> tuple[str, list[dict], list[str]]:
    """An edition whose results are published with `names` as laureates, in order; the
    edition's id, the laureates' nominations and their e-mail addresses."""
    created = await new_edition(platform, titles=len(names), **edition)
    eid = created["id"]
    emails = [address("laureate") for _ in names]
    laureates = [
        await accepted_nomination(
            platform, eid, candidate_name=n, candidate_email=e, justification=JUSTIFICATION
        )
        for n, e in zip(names, emails, strict=True)
    ]
    await close_nominations(platform, eid)
    resp = await platform.client.post(
        f"/api/ambassadors/editions/{eid}/results",
        json={"laureates": [lt["id"] for lt in laureates]},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    return eid, laureates, emails


async def publication_link(platform: RunningPlatform, email: str) -> tuple[str, str]:
    """The nomination id and token of the publication link in the laureate's congratulations."""

    async def congratulated() -> tuple[str, str] | None:
        for message in await mail_to(platform, email, count=1):
            found = PUBLICATION.search(message.get_content())
            if found:
                return found.group(1), found.group(2)
        return None

    return await eventually(congratulated, timeout=15, what="the publication link")


async def decide(
    platform: RunningPlatform, nomination_id: str, token: str, **form: str
) -> httpx.Response:
    url = f"/ambassadors/laureates/{nomination_id}/publication"
    async with httpx.AsyncClient(
        base_url=platform.base_url, headers={"X-Forwarded-For": client_ip()}
    ) as browser:
        page = await browser.get(f"{url}?token={token}&lang=en")
        assert page.status_code == 200, page.text
        return await browser.post(url, data={"_csrf_token": csrf_of(page), "token": token, **form})


async def test_a_laureate_is_named_only_with_their_agreement_and_no_longer_after_erasure(
    platform: RunningPlatform,
) -> None:
    eid, (agrees, silent), (agrees_email, silent_email) = await published(
        platform, ["Olena Kovalenko", "Rahul Mehta"]
    )
    # Before any decision, neither name is public: not on the pages, not in the API.
    for path in ("/ambassadors?lang=en", f"/ambassadors/editions/{eid}/results?lang=en"):
        page = await platform.client.get(path)
        assert page.status_code == 200
        assert "Olena" not in page.text and "Rahul" not in page.text
        assert page.text.count("Laureate (name not published)") >= 2
    api = (await platform.client.get(f"/api/ambassadors/editions/{eid}/results")).json()
    assert [lt["candidate_name"] for lt in api["laureates"]] == [None, None]
    assert all(lt["justification"] is None for lt in api["laureates"])

    nomination_id, token = await publication_link(platform, agrees_email)
    assert nomination_id == agrees["id"]
    congratulations = [
        m.get_content()
        for m in await mail_to(platform, agrees_email, count=2)
        if PUBLICATION.search(m.get_content())
    ]
    assert "Laureat (nazwisko nieopublikowane)" in congratulations[0]  # Polish, as nominated
    page = await platform.client.get(
        f"/ambassadors/laureates/{nomination_id}/publication?token={token}&lang=uk"
    )
    assert page.status_code == 200 and '<html lang="uk">' in page.text
    assert JUSTIFICATION in page.text  # proposed from the nominator's words

    # Unhappy paths: no box ticked, a text too long, a wrong token — nothing is published.
    resp = await decide(
        platform,
        nomination_id,
        token,
        decision="agree",
        public_name="Olena K.",
        public_justification=JUSTIFICATION,
        public_language="pl",
    )
    assert resp.status_code == 400 and "Tick the box" in resp.text
    resp = await decide(
        platform,
        nomination_id,
        token,
        decision="agree",
        consent="yes",
        public_name="Olena K.",
        public_justification="x" * 501,
        public_language="pl",
    )
    assert resp.status_code == 400
    assert "Write the public justification in 20 to 500 characters." in resp.text
    resp = await decide(
        platform,
        nomination_id,
        "wrong-token-123",
        decision="agree",
        consent="yes",
        public_name="Olena K.",
        public_justification=JUSTIFICATION,
        public_language="pl",
    )
    assert resp.status_code == 403
    assert "Olena" not in (await platform.client.get(f"/ambassadors/editions/{eid}/results")).text

    resp = await decide(
        platform,
        nomination_id,
        token,
        decision="agree",
        consent="yes",
        public_name="Olena K.",
        public_justification=JUSTIFICATION,
        public_language="pl",
    )
    assert resp.status_code == 200 and "Thank you" in resp.text
    for path in ("/ambassadors?lang=en", f"/ambassadors/editions/{eid}/results?lang=en"):
        page = (await platform.client.get(path)).text
        assert "Olena K." in page and "lekcje polskiego" in page
        # The justification is in Polish on an English page: marked as such.
        assert 'lang="pl"' in page and "in Polish, not translated yet" in page
        assert "Rahul" not in page  # the other laureate never answered
    api = (await platform.client.get(f"/api/ambassadors/editions/{eid}/results")).json()
    assert [lt["candidate_name"] for lt in api["laureates"]] == ["Olena K.", None]
    assert api["laureates"][0]["justification"] == JUSTIFICATION

    # The coordinator translates the public text; English readers get the translation.
    async with signed_in(platform, "coordinator", lang="en") as coordinator:
        staff = await coordinator.get(f"/ambassadors/staff/laureates/{nomination_id}")
        assert staff.status_code == 200 and "Olena Kovalenko" in staff.text
        form = {
            "_csrf_token": csrf_of(staff),
            "public_justification": JUSTIFICATION,
            "public_justification__en": "Runs Saturday Polish lessons for Ukrainian children.",
            "public_justification__uk": "x" * 501,
        }
        resp = await coordinator.post(f"/ambassadors/staff/laureates/{nomination_id}", data=form)
        assert resp.status_code == 400 and 'id="public_justification__uk-error"' in resp.text
        form["public_justification__uk"] = ""
        resp = await coordinator.post(
            f"/ambassadors/staff/laureates/{nomination_id}", data=form, follow_redirects=False
        )
        assert resp.status_code == 303
    page = (await platform.client.get(f"/ambassadors/editions/{eid}/results?lang=en")).text
    assert "Runs Saturday Polish lessons" in page and "lekcje polskiego" not in page
    page = (await platform.client.get(f"/ambassadors/editions/{eid}/results?lang=uk")).text
    assert "lekcje polskiego" in page and 'lang="pl"' in page  # no Ukrainian version yet

    # The other laureate declines: still unnamed.
    other_id, other_token = await publication_link(platform, silent_email)
    resp = await decide(platform, other_id, other_token, decision="decline")
    assert resp.status_code == 200 and "not published" in resp.text
    assert "Rahul" not in (await platform.client.get(f"/ambassadors/editions/{eid}/results")).text

    # Erasure: the name and the text leave the public page and the API; the link dies.
    resp = await platform.client.post(
        "/api/privacy/erasures",
        json={"email": agrees_email},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 202, resp.text
    request_id = resp.json()["id"]

    async def done() -> bool:
        state = await platform.client.get(
            f"/api/privacy/erasures/{request_id}", headers=platform.auth("coordinator")
        )
        return state.json()["status"] == "completed"

    await eventually(done, timeout=60, interval=0.2, what="the erasure to complete")
    for path in ("/ambassadors?lang=en", f"/ambassadors/editions/{eid}/results?lang=en"):
        page = (await platform.client.get(path)).text
        assert "Olena" not in page and "lekcje polskiego" not in page
        assert "Runs Saturday Polish lessons" not in page
    api = (await platform.client.get(f"/api/ambassadors/editions/{eid}/results")).json()
    assert [lt["candidate_name"] for lt in api["laureates"]] == [None, None]
    resp = await decide(
        platform,
        nomination_id,
        token,
        decision="agree",
        consent="yes",
        public_name="Olena K.",
        public_justification=JUSTIFICATION,
        public_language="pl",
    )
    assert resp.status_code == 403


async def test_the_current_edition_and_staff_texts_show_in_the_readers_language(
    platform: RunningPlatform,
) -> None:
    close = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    edition = await new_edition(
        platform,
        nominations_close_at=close.isoformat(),
        texts={
            "pl": {"title": "Ambasadorzy Wielokulturowości", "description": "Zgłoś sąsiadkę."},
            "uk": {"title": "Амбасадори мультикультурності"},
        },
        criteria=[
            {
                "key": "impact",
                "name": "Wpływ na społeczność",
                "weight": 2,
                "name_i18n": {"en": "Impact on the community"},
            },
        ],
    )
    nominate = f"/ambassadors/editions/{edition['id']}/nominate"
    pages = {
        lang: (await platform.client.get(f"/ambassadors?lang={lang}")).text
        for lang in ("pl", "en", "uk")
    }
    # Polish: the originals, unmarked.
    assert "Ambasadorzy Wielokulturowości" in pages["pl"] and "not translated" not in pages["pl"]
    assert "Wpływ na społeczność" in pages["pl"] and nominate in pages["pl"]
    # Ukrainian: the Ukrainian title; the description and the criterion are the Polish
    # originals, inside lang="pl" with the note in Ukrainian.
    assert "Амбасадори мультикультурності" in pages["uk"]
    assert re.search(r'<span lang="pl">Wpływ na społeczność</span>', pages["uk"])
    assert re.search(r'lang="pl">\s*<p>Zgłoś sąsiadkę.</p>', pages["uk"])
    # English: the criterion's translation, the Polish title marked.
    assert "Impact on the community" in pages["en"]
    assert '<span lang="pl">Ambasadorzy Wielokulturowości</span>' in pages["en"]
    assert "in Polish, not translated yet" in pages["en"]
    # The dates in Kraków time, and the way to nominate.
    local = close.astimezone(WARSAW)
    assert local.strftime("%Y-%m-%d %H:%M") in pages["en"]
    assert "Nominate a candidate for" in pages["en"]
    form = (await platform.client.get(f"{nominate}?lang=en")).text
    assert "Impact on the community" in form and '<span lang="pl">Ambasadorzy' in form

    # The coordinator enters a translation on the edition's form: it replaces the note.
    async with signed_in(platform, "coordinator", lang="pl") as coordinator:
        base = f"/ambassadors/staff/editions/{edition['id']}/edit"
        page = await coordinator.get(base)
        assert 'name="title__en"' in page.text and 'name="c0_name__uk"' in page.text
        assert 'value="Амбасадори мультикультурності"' in page.text  # prefilled
        form = {
            "_csrf_token": csrf_of(page),
            "nominations_close_at": close.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M"),
            "titles": "3",
            "title": "Ambasadorzy Wielokulturowości",
            "title__en": "Ambassadors of Multiculturalism",
            "title__uk": "Амбасадори мультикультурності",
            "description": "Zgłoś sąsiadkę.",
            "description__en": "Nominate your neighbour.",
            "c0_key": "impact",
            "c0_name": "Wpływ na społeczność",
            "c0_name__en": "Impact on the community",
            "c0_name__uk": "Вплив на громаду",
            "c0_weight": "2",
        }
        # Without a translation provider there is no draft button, and asking for drafts
        # only shows the form again: nothing is saved.
        assert 'value="draft"' not in page.text
        resp = await coordinator.post(base, data={**form, "_action": "draft"})
        assert resp.status_code == 200 and 'value="Ambassadors of Multiculturalism"' in resp.text
        unchanged = (await platform.client.get(f"/api/ambassadors/editions/{edition['id']}")).json()
        assert "en" not in unchanged["texts"]
        resp = await coordinator.post(base, data=form, follow_redirects=False)
        assert resp.status_code == 303, resp.text
    en = (await platform.client.get("/ambassadors?lang=en")).text
    assert "Ambassadors of Multiculturalism" in en and "Nominate your neighbour." in en
    uk = (await platform.client.get(f"{nominate}?lang=uk")).text
    assert "Вплив на громаду" in uk
    got = (await platform.client.get(f"/api/ambassadors/editions/{edition['id']}")).json()
    assert got["texts"]["en"] == {
        "title": "Ambassadors of Multiculturalism",
        "description": "Nominate your neighbour.",
    }
    assert got["criteria"][0]["name_i18n"] == {
        "en": "Impact on the community",
        "uk": "Вплив на громаду",
    }


def documented_columns() -> set[tuple[str, str]]:
    text = (ROOT / "docs" / "personal-data.md").read_text()
    section = text[text.index("## Open data") :]
    return {
        (m.group(1), m.group(2))
        for m in re.finditer(r"^\| `([a-z0-9-]+)` \| `([a-z0-9_]+)` \|", section, re.M)
    }


async def test_open_data_names_nobody(platform: RunningPlatform) -> None:
    secret_name = f"Zofia Tajna-{uuid.uuid4().hex[:6]}"
    _, _, (email,) = await published(platform, [secret_name])
    nomination_id, token = await publication_link(platform, email)
    resp = await decide(
        platform,
        nomination_id,
        token,
        decision="agree",
        consent="yes",
        public_name=secret_name,
        public_justification=JUSTIFICATION,
        public_language="pl",
    )
    assert resp.status_code == 200
    assert secret_name in (await platform.client.get("/ambassadors")).text  # public page: yes

    page = await platform.client.get("/open-data?lang=uk")
    assert page.status_code == 200
    assert "Амбасадори мультикультурності Кракова: лауреати" in page.text
    assert secret_name not in page.text

    documented = documented_columns()
    catalog = (await platform.client.get("/open-data/catalog.jsonld")).json()
    ids = {d["dct:identifier"] for d in catalog["dcat:dataset"]}
    assert {"ambassador-laureates", "ambassador-editions"} <= ids
    year = datetime.now(UTC).year
    for dataset in ("ambassador-laureates", "ambassador-editions"):
        body = (await platform.client.get(f"/open-data/{dataset}.json")).json()
        assert body["license"] == "https://creativecommons.org/licenses/by/4.0/"
        for column in body["columns"]:
            assert (dataset, column["name"]) in documented, (dataset, column["name"])
        raw = (await platform.client.get(f"/open-data/{dataset}.csv")).text
        for needle in (secret_name, "Zofia", email, "@", "lekcje", "Jan Nowak"):
            assert needle not in raw, (dataset, needle)
            assert needle not in str(body), (dataset, needle)
        assert body["items"], dataset
    laureates = (await platform.client.get("/open-data/ambassador-laureates.csv")).text
    rows = list(csv.DictReader(io.StringIO(laureates)))
    assert any(r["edition_year"] == str(year) and r["place"] == "1" for r in rows)
    editions = (await platform.client.get("/open-data/ambassador-editions.json")).json()
    mine = [
        i
        for i in editions["items"]
        if i["edition_year"] == year and i["laureates"] == 1 and i["nominations_submitted"] == 1
    ]
    # One nomination is a cell below five people: no group's count is published for it.
    assert mine and mine[-1]["nominations_undisclosed"] is None
    assert all(mine[-1][f"nominations_{g}"] is None for g in ("none", "forced_migrant"))
