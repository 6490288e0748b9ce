"""Open data: the programme's datasets as CSV and JSON under CC BY 4.0, described in DCAT-AP.

A service lists what it publishes in `ServiceSpec.datasets`; each `Dataset` names its columns
(name, meaning, type) and reads its rows from the same read models as the public pages, on the
service's own pool in a read-only transaction (a column named in `Dataset.links` may hold a
path on this platform, written out on `PUBLIC_URL`). The kit serves

- `GET /open-data` — the catalogue as a page (pl/en/uk, no JavaScript): every dataset with its
  description, its columns and its downloads;
- `GET /open-data/catalog.jsonld` — the same catalogue in DCAT-AP (JSON-LD);
- `GET /open-data/{id}.csv` and `GET /open-data/{id}.json` — the data (UTF-8, header row of the
  column names; JSON `{dataset, license, columns, items}`).

Nothing personal goes into a dataset: every column of every dataset is listed, with where it
comes from and why it names nobody, in `docs/personal-data.md` ("Open data"), and a test fails
on a column that is not. The catalogue lists the datasets of the services this process serves
(in a split deployment, route `/open-data` to a process serving all of them, or to each).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException, ServiceUnavailableException

from shared.runtime import Runtime, ServiceSpec
from shared.web.forms import N_
from shared.web.i18n import LANGUAGES
from shared.web.templates import kit_pages

log = logging.getLogger("openkrakow.open_data")

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_NAME = "CC BY 4.0"
PUBLISHER = "Gmina Miejska Kraków"
DATATYPES = frozenset({"string", "integer", "decimal", "boolean", "date", "dateTime"})
THEME_BASE = "http://publications.europa.eu/resource/authority/data-theme/"
FILE_TYPE_BASE = "http://publications.europa.eu/resource/authority/file-type/"
FORMATS = {
    "csv": (
        "text/csv; charset=utf-8",
        "CSV",
        "https://www.iana.org/assignments/media-types/text/csv",
    ),
    "json": (
        "application/json",
        "JSON",
        "https://www.iana.org/assignments/media-types/application/json",
    ),
}

DATATYPE_NAMES = {
    "string": N_("text"),
    "integer": N_("whole number"),
    "decimal": N_("decimal number"),
    "boolean": N_("yes or no (true/false)"),
    "date": N_("date (YYYY-MM-DD)"),
    "dateTime": N_("date and time, UTC (ISO 8601)"),
}

CATALOG_TITLE = N_("Open data of the Open Kraków programme")
CATALOG_DESCRIPTION = N_(
    "Questions answered at the Intercultural Dialogue Bench, small grants awarded, the Council "
    "on Equal Treatment's resolutions and attendance, the Ambassadors of Multiculturalism and "
    "the programme's indicators. No personal data."
)

Rows = Callable[[asyncpg.Connection], Awaitable[Sequence[Mapping[str, Any]]]]


@dataclass(frozen=True)
class Column:
    """One column of a dataset: its name in the files, its meaning (msgid) and its type."""

    name: str
    title: str
    datatype: str = "string"

    def __post_init__(self) -> None:
        if self.datatype not in DATATYPES:
            raise ValueError(f"column {self.name}: unknown datatype {self.datatype!r}")


@dataclass(frozen=True)
class Dataset:
    """A dataset a service publishes (see the module's docstring)."""

    id: str
    title: str  # msgid
    description: str  # msgid
    catalogs: Any  # the service's shared.web.i18n.Catalogs, translating title, description, columns
    columns: Sequence[Column]
    rows: Rows
    keywords: Sequence[str] = ()
    theme: str = "SOCI"  # EU data theme (SOCI: population and society; GOVE: government)
    spatial: str = "Kraków"
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Columns whose value may be a path on this platform ("/observatory/…"): written out as an
    # absolute address on PUBLIC_URL (a dataset's rows see only their connection).
    links: Sequence[str] = ()

    def title_in(self, lang: str) -> str:
        return self.catalogs.gettext(lang, self.title)

    def description_in(self, lang: str) -> str:
        return self.catalogs.gettext(lang, self.description)


def datasets_of(runtime: Runtime) -> list[tuple[ServiceSpec, Dataset]]:
    """Every dataset of the services this process serves, in the order they list them."""
    return [
        (spec, dataset)
        for spec in runtime.services
        for dataset in spec.datasets
        if spec.schema in runtime.pools
    ]


def _find(runtime: Runtime, dataset_id: str) -> tuple[ServiceSpec, Dataset]:
    for spec, dataset in datasets_of(runtime):
        if dataset.id == dataset_id:
            return spec, dataset
    raise NotFoundException(f"no dataset {dataset_id!r}")


async def read_rows(runtime: Runtime, spec: ServiceSpec, dataset: Dataset) -> list[dict[str, Any]]:
    """The dataset's rows, exactly its columns, on the service's pool (read-only)."""
    names = [c.name for c in dataset.columns]
    try:
        async with runtime.pool(spec.schema).acquire() as conn, conn.transaction(readonly=True):
            rows = await dataset.rows(conn)
    except (OSError, asyncpg.PostgresError) as exc:
        log.warning("dataset %s could not be read: %s", dataset.id, exc.__class__.__name__)
        raise ServiceUnavailableException(
            "the dataset cannot be read now; try again later"
        ) from exc
    out = [{name: row.get(name) for name in names} for row in rows]
    base = runtime.settings.public_url
    for row in out:
        for name in dataset.links:
            value = row.get(name)
            if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
                row[name] = base + value
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def to_csv(dataset: Dataset, rows: Sequence[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = [c.name for c in dataset.columns]
    writer.writerow(names)
    for row in rows:
        writer.writerow(
            [
                ("true" if v else "false")
                if isinstance(v := _plain(row.get(n)), bool)
                else ("" if v is None else v)
                for n in names
            ]
        )
    return out.getvalue()


def _base(runtime: Runtime) -> str:
    return f"{runtime.settings.public_url}/open-data"


def _texts(msgid: str, catalogs: Any) -> list[dict[str, str]]:
    return [{"@language": lang, "@value": catalogs.gettext(lang, msgid)} for lang in LANGUAGES]


def catalog(runtime: Runtime) -> dict[str, Any]:
    """The catalogue in DCAT-AP (JSON-LD)."""
    base = _base(runtime)
    publisher = {"@type": "foaf:Agent", "foaf:name": PUBLISHER}
    entries = []
    for _spec, dataset in datasets_of(runtime):
        distributions = [
            {
                "@id": f"{base}/{dataset.id}.{ext}",
                "@type": "dcat:Distribution",
                "dct:title": f"{dataset.id}.{ext}",
                "dcat:accessURL": {"@id": f"{base}#{dataset.id}"},
                "dcat:downloadURL": {"@id": f"{base}/{dataset.id}.{ext}"},
                "dct:format": {"@id": f"{FILE_TYPE_BASE}{label}"},
                "dcat:mediaType": {"@id": iana},
                "dct:license": {"@id": LICENSE},
            }
            for ext, (_media, label, iana) in FORMATS.items()
        ]
        entries.append(
            {
                "@id": f"{base}#{dataset.id}",
                "@type": "dcat:Dataset",
                "dct:identifier": dataset.id,
                "dct:title": _texts(dataset.title, dataset.catalogs),
                "dct:description": _texts(dataset.description, dataset.catalogs),
                "dcat:keyword": list(dataset.keywords),
                "dcat:theme": {"@id": f"{THEME_BASE}{dataset.theme}"},
                "dct:spatial": dataset.spatial,
                "dct:publisher": publisher,
                "dct:license": {"@id": LICENSE},
                "dct:accessRights": {
                    "@id": "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
                },
                "dcat:landingPage": {"@id": f"{base}#{dataset.id}"},
                "dcat:distribution": distributions,
            }
        )
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@id": f"{base}/catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": _texts(CATALOG_TITLE, kit_pages.catalogs),
        "dct:description": _texts(CATALOG_DESCRIPTION, kit_pages.catalogs),
        "dct:publisher": publisher,
        "dct:license": {"@id": LICENSE},
        "dct:language": [
            {"@id": f"http://publications.europa.eu/resource/authority/language/{code}"}
            for code in ("POL", "ENG", "UKR")
        ],
        "foaf:homepage": {"@id": base},
        "dcat:dataset": entries,
    }


DOWNLOAD_HEADERS = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}


@get("/open-data", include_in_schema=False, security=[{}])
async def open_data_page(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """The catalogue as a page: each dataset, its columns and its downloads."""
    return kit_pages.render(
        request,
        "open_data.html",
        datasets=[dataset for _spec, dataset in datasets_of(runtime)],
        datatype_names=DATATYPE_NAMES,
        license=LICENSE,
        license_name=LICENSE_NAME,
    )


@get("/open-data/catalog.jsonld", include_in_schema=False, security=[{}])
async def open_data_catalog(runtime: Runtime) -> Response[dict[str, Any]]:
    """The catalogue in DCAT-AP (JSON-LD)."""
    return Response(catalog(runtime), media_type="application/ld+json", headers=DOWNLOAD_HEADERS)


@get("/open-data/{filename:str}", include_in_schema=False, security=[{}])
async def open_data_file(filename: str, runtime: Runtime) -> Response[Any]:
    """A dataset as CSV or JSON."""
    dataset_id, _, ext = filename.rpartition(".")
    if ext not in FORMATS or not dataset_id:
        raise NotFoundException("ask for <dataset>.csv or <dataset>.json")
    spec, dataset = _find(runtime, dataset_id)
    rows = await read_rows(runtime, spec, dataset)
    media, _label, _iana = FORMATS[ext]
    headers = {
        **DOWNLOAD_HEADERS,
        "Content-Disposition": f'attachment; filename="{dataset.id}.{ext}"',
        "Link": f'<{LICENSE}>; rel="license"',
    }
    if ext == "csv":
        return Response(to_csv(dataset, rows), media_type=media, headers=headers)
    body = {
        "dataset": dataset.id,
        "license": LICENSE,
        "columns": [{"name": c.name, "datatype": c.datatype} for c in dataset.columns],
        "items": [{k: _plain(v) for k, v in row.items()} for row in rows],
    }
    return Response(body, media_type=media, headers=headers)


open_data_routes: list[Any] = [open_data_page, open_data_catalog, open_data_file]

__all__ = ["Column", "Dataset", "catalog", "datasets_of", "open_data_routes", "read_rows"]
