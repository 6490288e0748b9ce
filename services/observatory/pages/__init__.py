"""The Observatory's pages (pl/en/uk, no JavaScript): `public` (the publications, a page each,
the document, the Atom feed) and `staff` (the coordinator adds, changes and withdraws)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from litestar.exceptions import HTTPException

from services.observatory import domain
from services.observatory.i18n import catalogs
from shared.refusals import Refused
from shared.web.forms import warsaw_time
from shared.web.refusals import page_status
from shared.web.templates import PageRenderer

pages = PageRenderer([Path(__file__).parent.parent / "templates"], catalogs)
pages.environment.globals["when"] = warsaw_time
pages.environment.globals["kind_names"] = domain.KINDS
pages.environment.globals["topic_names"] = domain.TOPICS


@contextmanager
def error_page() -> Iterator[None]:
    """A refusal the page does not explain on a form is the kit's error page of its status."""
    try:
        yield
    except Refused as exc:
        raise HTTPException(status_code=page_status(exc)) from exc
