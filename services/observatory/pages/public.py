"""Public pages: `/observatory` (the publications, newest first, searchable in Polish, English
and Ukrainian, filtered by kind, objective and year, 20 a page), a page per publication with
its document, the PDF download and the Atom feed. No sign-in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from litestar import Request, Response, get
from litestar.params import Parameter

from services.observatory import domain, queries
from services.observatory.i18n import catalogs
from services.observatory.pages import error_page, pages
from shared import content
from shared.runtime import Runtime
from shared.web.forms import N_
from shared.web.i18n import negotiate_language

PER_PAGE = 20
FEED_ENTRIES = 50
ATOM = "http://www.w3.org/2005/Atom"
FEED_TITLE = N_("Multiculturalism and Migration Observatory: publications")
FEED_AUTHOR = N_("City of Kraków")
OBJECTIVE = N_("Specific objective %(n)s")


def _number(raw: str, low: int, high: int) -> int | None:
    return int(raw) if raw.isdigit() and low <= int(raw) <= high else None


@get("/observatory", include_in_schema=False, security=[{}])
async def index(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    q: str = Parameter(query="q", default="", max_length=domain.SEARCH_MAX),
    kind: str = Parameter(query="kind", default="", max_length=20),
    objective: str = Parameter(query="objective", default="", max_length=2),
    year: str = Parameter(query="year", default="", max_length=4),
    page: str = Parameter(query="page", default="1", max_length=6),
) -> Response[str]:
    """The publications, newest first: search, filters, pages (a GET form: links keep them)."""
    query = " ".join(q.split())
    chosen_kind = kind if kind in domain.KINDS else None
    chosen_objective = _number(objective, 1, 6)
    chosen_year = _number(year, domain.FIRST_YEAR, 2100)
    number = _number(page, 1, 100_000) or 1
    rows, total = await queries.search(
        runtime,
        query=query,
        kind=chosen_kind,
        objective=chosen_objective,
        year=chosen_year,
        limit=PER_PAGE,
        offset=(number - 1) * PER_PAGE,
    )
    filters = {
        k: v
        for k, v in {
            "q": query,
            "kind": chosen_kind or "",
            "objective": chosen_objective or "",
            "year": chosen_year or "",
        }.items()
        if v
    }
    pages_count = max(1, -(-total // PER_PAGE))

    def page_link(n: int) -> str:
        return "/observatory?" + urlencode({**filters, "page": n})

    lang = negotiate_language(request)
    objective_label = catalogs.gettext(lang, OBJECTIVE)
    return pages.render(
        request,
        "observatory/index.html",
        kind_options=[(k, catalogs.gettext(lang, v)) for k, v in domain.KINDS.items()],
        objective_options=[(str(n), objective_label % {"n": n}) for n in range(1, 7)],
        year_options=[(str(y), str(y)) for y in await queries.years(runtime)],
        publications=rows,
        total=total,
        query=query,
        kind=chosen_kind or "",
        objective=chosen_objective or "",
        year=chosen_year or "",
        searched=bool(filters),
        page=number,
        pages_count=pages_count,
        page_link=page_link,
    )


@get("/observatory/{publication_id:uuid}", include_in_schema=False, security=[{}])
async def publication_page(
    request: Request[Any, Any, Any], publication_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """One publication: kind, day, topic, objective, summary and its document."""
    with error_page():
        row = await queries.publication(runtime, publication_id)
    return pages.render(
        request,
        "observatory/publication.html",
        publication=row,
        document_href=queries.document_url(row, ""),
    )


@get("/observatory/{publication_id:uuid}/document.pdf", include_in_schema=False, security=[{}])
async def document(publication_id: uuid.UUID, runtime: Runtime) -> Response[bytes]:
    """The uploaded PDF of a publication (not of a withdrawn one)."""
    with error_page():
        row = await queries.document(runtime, publication_id)
    return Response(
        content=bytes(row["content"]),
        media_type="application/pdf",
        headers={
            "Content-Disposition": domain.content_disposition(row["filename"]),
            "ETag": f'"{row["sha256"]}"',
            "Cache-Control": "public, max-age=300",
        },
    )


def _text(value: str, translations: Any, lang: str) -> tuple[str, str]:
    shown = content.shown(value, "pl", translations, lang)
    return shown.text, shown.lang


@get("/observatory/feed.atom", include_in_schema=False, security=[{}])
async def feed(request: Request[Any, Any, Any], runtime: Runtime) -> Response[bytes]:
    """The newest 50 publications as an Atom feed in the reader's language (`?lang=`)."""
    lang = negotiate_language(request)
    base = runtime.settings.public_url
    rows, _ = await queries.search(runtime, limit=FEED_ENTRIES)
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": lang})
    ET.SubElement(root, f"{{{ATOM}}}id").text = f"{base}/observatory/feed.atom"
    ET.SubElement(root, f"{{{ATOM}}}title").text = catalogs.gettext(lang, FEED_TITLE)
    newest = max((r["updated_at"] for r in rows), default=datetime(2026, 1, 1, tzinfo=UTC))
    ET.SubElement(root, f"{{{ATOM}}}updated").text = newest.isoformat()
    ET.SubElement(
        root,
        f"{{{ATOM}}}link",
        {"rel": "self", "href": f"{base}/observatory/feed.atom?lang={lang}"},
    )
    ET.SubElement(
        root,
        f"{{{ATOM}}}link",
        {"rel": "alternate", "type": "text/html", "href": f"{base}/observatory?lang={lang}"},
    )
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = catalogs.gettext(lang, FEED_AUTHOR)
    for row in rows:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:uuid:{row['id']}"
        title, title_lang = _text(row["title"], row["title_i18n"], lang)
        ET.SubElement(entry, f"{{{ATOM}}}title", {"xml:lang": title_lang}).text = title
        summary, summary_lang = _text(row["summary"], row["summary_i18n"], lang)
        ET.SubElement(entry, f"{{{ATOM}}}summary", {"xml:lang": summary_lang}).text = summary
        published = datetime.combine(row["published_on"], time(0), UTC)
        ET.SubElement(entry, f"{{{ATOM}}}published").text = published.isoformat()
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = row["updated_at"].isoformat()
        ET.SubElement(
            entry,
            f"{{{ATOM}}}link",
            {
                "rel": "alternate",
                "type": "text/html",
                "href": f"{base}/observatory/{row['id']}?lang={lang}",
            },
        )
        document_href = queries.document_url(row, base)
        if document_href:
            ET.SubElement(
                entry,
                f"{{{ATOM}}}link",
                {"rel": "enclosure", "type": "application/pdf", "href": document_href},
            )
        ET.SubElement(
            entry,
            f"{{{ATOM}}}category",
            {"term": row["kind"], "label": catalogs.gettext(lang, domain.KINDS[row["kind"]])},
        )
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(
        content=body,
        media_type="application/atom+xml; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Content-Language": lang},
    )


route_handlers = [index, feed, publication_page, document]
