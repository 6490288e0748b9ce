"""Open data (`shared/open_data.py`, issue 14) on the whole platform, real servers: the
`/open-data` page in pl/en/uk lists every dataset; the DCAT-AP catalogue is JSON-LD with a CSV
and a JSON distribution per dataset under CC BY 4.0; every download answers with its declared
columns in order; an unknown dataset is not found; and nothing personal: every column of every
dataset served is listed in docs/personal-data.md ("Open data"), and the addresses and names
of people seeded in every service appear in no download.

The datasets are whatever the services declare (`runtime.services[*].datasets`): a service
adding one is checked without a change here.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.open_data import LICENSE, Column, Dataset, datasets_of
from tests.helpers.platform import RunningPlatform
from tests.integration.ambassadors.ambassadors_helpers import new_edition as new_ambassadors_edition
from tests.integration.bench.bench_helpers import ask
from tests.integration.bench.bench_helpers import new_edition as new_bench_edition
from tests.integration.council.helpers import open_call
from tests.integration.grants.helpers import new_call
from tests.integration.privacy.people import Someone, nominate, on_the_council, with_grants

DOC = Path(__file__).parents[3] / "docs" / "personal-data.md"
LANGS = {"pl": "Otwarte dane", "en": "Open data", "uk": "Відкриті дані"}


def served(platform: RunningPlatform) -> list[Dataset]:
    found = [dataset for _spec, dataset in datasets_of(platform.runtime)]
    assert found, "no service declares a dataset"
    ids = [d.id for d in found]
    assert len(ids) == len(set(ids)), f"two datasets share an id: {ids}"
    return found


# --- docs/personal-data.md, "Open data" -----------------------------------------------------


def documented_columns(text: str) -> dict[tuple[str, str], str]:
    """(dataset, column) → why it names nobody, from the "Open data" section's table."""
    section = text.split("\n## Open data", 1)[1].split("\n## ", 1)[0]
    out: dict[tuple[str, str], str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("dataset", "") or set(cells[0]) <= {"-", ":"}:
            continue
        dataset, column, _source, why = (c.strip("`") for c in cells)
        out[(dataset, column)] = why
    return out


def undocumented(datasets: list[Dataset], documented: dict[tuple[str, str], str]) -> list[str]:
    """Columns served that the document does not list (or lists without a reason)."""
    return [
        f"{d.id}.{c.name}"
        for d in datasets
        for c in d.columns
        if not documented.get((d.id, c.name), "").strip()
    ]


def test_the_check_finds_a_column_the_document_does_not_list() -> None:
    doc = (
        "# x\n\n## Open data\n\n| dataset | column | source | why it names nobody |\n"
        "|---|---|---|---|\n| `d` | `year` | counters | a year |\n| `d` | `n` | counters | |\n"
        "\n## After\n| `d` | `name` | a | b |\n"
    )
    documented = documented_columns(doc)
    assert documented == {("d", "year"): "a year", ("d", "n"): ""}
    dataset = Dataset(
        id="d",
        title="t",
        description="d",
        catalogs=None,
        columns=(Column("year", "y", "integer"), Column("n", "n", "integer"), Column("name", "n")),
        rows=lambda conn: None,  # type: ignore[arg-type,return-value]
    )
    assert undocumented([dataset], documented) == ["d.n", "d.name"]


def test_every_column_of_every_dataset_is_listed_in_the_personal_data_document(
    platform: RunningPlatform,
) -> None:
    datasets = served(platform)
    documented = documented_columns(DOC.read_text(encoding="utf-8"))
    missing = undocumented(datasets, documented)
    assert not missing, (
        "columns served as open data but not listed (with why they name nobody) in "
        f"docs/personal-data.md, 'Open data': {missing}"
    )
    columns = {(d.id, c.name) for d in datasets for c in d.columns}
    stale = sorted(f"{d}.{c}" for d, c in set(documented) - columns)
    assert not stale, f"docs/personal-data.md lists columns no dataset has: {stale}"


# --- The page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(LANGS))
async def test_the_page_lists_every_dataset_in_each_language(
    platform: RunningPlatform, lang: str
) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        page = await anonymous.get("/open-data", params={"lang": lang})
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert f"<h1>{LANGS[lang]}</h1>" in page.text
    assert 'href="/open-data/catalog.jsonld"' in page.text
    assert f'href="{LICENSE}"' in page.text
    for dataset in served(platform):
        assert f'<section class="dataset" id="{dataset.id}"' in page.text, dataset.id
        title = dataset.title_in(lang)
        assert f">{title}</h2>" in html.unescape(page.text), (dataset.id, title)
        description = dataset.description_in(lang)
        assert description in html.unescape(page.text), (dataset.id, description)
        if lang != "en":
            assert title != dataset.title, f"{dataset.id}: title not translated into {lang}"
            assert description != dataset.description, f"{dataset.id}: description in {lang}?"
        for ext in ("csv", "json"):
            assert f'href="/open-data/{dataset.id}.{ext}"' in page.text
        for column in dataset.columns:
            assert f"<code>{column.name}</code>" in page.text


# --- The catalogue ----------------------------------------------------------------------------

KEYWORDS = {"@context", "@id", "@type", "@value", "@language"}


def expand(term: str, context: dict[str, str]) -> str:
    """A compact IRI (`dcat:Dataset`) as the absolute IRI it stands for; absolute IRIs as they
    are; anything else is not JSON-LD this catalogue may use."""
    if re.match(r"^https?://", term):
        return term
    prefix, colon, suffix = term.partition(":")
    assert colon and prefix in context, f"{term!r} is neither an IRI nor a known compact IRI"
    return context[prefix] + suffix


def walk(node: Any, context: dict[str, str], types: dict[str, list[dict]]) -> None:
    """Check every key, @id and @type of the document; collect nodes by expanded type."""
    if isinstance(node, list):
        for item in node:
            walk(item, context, types)
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:
        assert set(node) <= {"@value", "@language"}, node
        assert isinstance(node["@value"], str) and node["@value"], node
        return
    for key, value in node.items():
        if key == "@context":
            continue
        if key == "@id":
            assert isinstance(value, str) and re.match(r"^https?://", value), value
        elif key == "@type":
            for t in value if isinstance(value, list) else [value]:
                types.setdefault(expand(t, context), []).append(node)
        else:
            assert key not in KEYWORDS
            expand(key, context)
            walk(value, context, types)


DCAT = "http://www.w3.org/ns/dcat#"


async def test_the_catalogue_is_dcat_ap_json_ld_with_csv_and_json_under_cc_by(
    platform: RunningPlatform,
) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        answer = await anonymous.get("/open-data/catalog.jsonld")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/ld+json")
    document = json.loads(answer.text)
    context = document["@context"]
    assert context["dcat"] == DCAT
    assert context["dct"] == "http://purl.org/dc/terms/"
    types: dict[str, list[dict]] = {}
    walk(document, context, types)
    (catalog,) = types[DCAT + "Catalog"]
    assert catalog["dct:license"] == {"@id": LICENSE}
    entries = {entry["dct:identifier"]: entry for entry in types[DCAT + "Dataset"]}
    datasets = served(platform)
    assert set(entries) == {d.id for d in datasets}
    assert len(catalog["dcat:dataset"]) == len(datasets)
    base = f"{platform.settings.public_url}/open-data"
    for dataset in datasets:
        entry = entries[dataset.id]
        assert entry["dct:license"] == {"@id": LICENSE}
        assert {t["@language"]: t["@value"] for t in entry["dct:title"]} == {
            lang: dataset.title_in(lang) for lang in LANGS
        }
        formats = {}
        for distribution in entry["dcat:distribution"]:
            assert distribution["@type"] == "dcat:Distribution"
            assert distribution["dct:license"] == {"@id": LICENSE}
            formats[distribution["dct:format"]["@id"].rsplit("/", 1)[1]] = distribution[
                "dcat:downloadURL"
            ]["@id"]
        assert formats == {"CSV": f"{base}/{dataset.id}.csv", "JSON": f"{base}/{dataset.id}.json"}
    assert len(types[DCAT + "Distribution"]) == 2 * len(datasets)


# --- The downloads ----------------------------------------------------------------------------


def of_type(value: Any, datatype: str) -> bool:
    """A JSON value as its column's declared type allows."""
    if datatype == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if datatype == "decimal":
        try:
            Decimal(str(value))
        except InvalidOperation:
            return False
        return not isinstance(value, bool)
    if datatype == "boolean":
        return isinstance(value, bool)
    if datatype == "date":
        return isinstance(value, str) and date.fromisoformat(value).isoformat() == value
    if datatype == "dateTime":
        return isinstance(value, str) and datetime.fromisoformat(value) is not None
    return isinstance(value, str)


async def download(client: httpx.AsyncClient, dataset: Dataset, ext: str) -> httpx.Response:
    answer = await client.get(f"/open-data/{dataset.id}.{ext}")
    assert answer.status_code == 200, (dataset.id, ext, answer.status_code, answer.text[:300])
    assert f'<{LICENSE}>; rel="license"' in answer.headers["link"]
    assert f'filename="{dataset.id}.{ext}"' in answer.headers["content-disposition"]
    return answer


async def test_every_download_has_its_declared_columns_in_order(platform: RunningPlatform) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        for dataset in served(platform):
            names = [c.name for c in dataset.columns]
            as_csv = await download(anonymous, dataset, "csv")
            assert as_csv.headers["content-type"].startswith("text/csv")
            table = list(csv.reader(io.StringIO(as_csv.text)))
            assert table[0] == names, dataset.id
            assert all(len(row) == len(names) for row in table[1:]), dataset.id
            as_json = (await download(anonymous, dataset, "json")).json()
            assert as_json["dataset"] == dataset.id and as_json["license"] == LICENSE
            assert [c["name"] for c in as_json["columns"]] == names
            assert [c["datatype"] for c in as_json["columns"]] == [
                c.datatype for c in dataset.columns
            ]
            for item in as_json["items"]:
                assert list(item) == names, dataset.id
                for column in dataset.columns:
                    value = item[column.name]
                    assert value is None or of_type(value, column.datatype), (
                        dataset.id,
                        column.name,
                        value,
                    )
            assert len(as_json["items"]) == len(table) - 1, dataset.id


async def test_an_unknown_dataset_or_format_is_not_found(platform: RunningPlatform) -> None:
    known = served(platform)[0].id
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        for path in (
            "/open-data/no-such-dataset.csv",
            "/open-data/no-such-dataset.json",
            f"/open-data/{known}.xml",
            f"/open-data/{known}",
            "/open-data/.csv",
            f"/open-data/{known}.csv.json",
        ):
            answer = await anonymous.get(path)
            assert answer.status_code == 404, (path, answer.status_code)


async def test_no_download_holds_the_people_seeded_in_every_service(
    platform: RunningPlatform,
) -> None:
    """A Bench question (answered) with a name and an e-mail address, a council application and
    appointment, organisations' e-mail addresses and phones with their applications, nominations
    naming candidates and nominators — and none of it in any dataset, nor any e-mail address."""
    olena = Someone.new("Olena", "Opendatenko")
    maria = Someone.new("Maria", "Kowalska")
    bench = await new_bench_edition(platform)
    asked = await ask(
        platform,
        bench["id"],
        email=olena.email,
        name=olena.name,
        text=f"Nazywam się {olena.name}, {olena.email}. Gdzie są kursy polskiego?",
        group="forced_migrant",
    )
    answered = await platform.client.post(
        f"/api/bench/questions/{asked['id']}/answer",
        json={"text": f"Szanowna Pani {olena.name}, kursy ruszają we wrześniu.", "language": "pl"},
        headers=platform.auth("coordinator"),
    )
    assert answered.status_code == 200, answered.text
    await on_the_council(platform, olena, (await open_call(platform))["id"])
    grants_call = await new_call(platform)
    await with_grants(platform, olena, grants_call)
    await with_grants(platform, maria, grants_call)
    edition = await new_ambassadors_edition(platform)
    await nominate(platform, edition["id"], nominator=olena, candidate=maria)
    await nominate(platform, edition["id"], nominator=maria, candidate=olena)
    needles = [
        n.lower() for who in (olena, maria) for n in (who.email, who.name, who.last, who.subject)
    ]
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        for dataset in served(platform):
            for ext in ("csv", "json"):
                body = (await download(anonymous, dataset, ext)).text
                text = body if ext == "csv" else json.dumps(json.loads(body), ensure_ascii=False)
                found = [n for n in needles if n in text.lower()]
                assert not found, f"{dataset.id}.{ext} holds {found}"
                addresses = re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)
                assert not addresses, f"{dataset.id}.{ext} holds e-mail addresses: {addresses}"
