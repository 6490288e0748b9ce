"""The competition's pages (pl/en/uk, no JavaScript), split by audience: `public` (the
nomination form, the candidate's decision, withdrawal, results) and `jury` (the jurors' pages).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from litestar.exceptions import HTTPException

from services.ambassadors.i18n import catalogs
from shared.refusals import Refused
from shared.web.forms import warsaw_time
from shared.web.refusals import page_status
from shared.web.templates import PageRenderer

pages = PageRenderer([Path(__file__).parent.parent / "templates"], catalogs)
# Moments as Kraków wall time on every page of the competition.
pages.environment.globals["when"] = warsaw_time


@contextmanager
def error_page() -> Iterator[None]:
    """A refusal the page does not explain on a form is the kit's error page of its status
    (404, 403, 409), in the reader's language."""
    try:
        yield
    except Refused as exc:
        raise HTTPException(status_code=page_status(exc)) from exc
