"""The Council's pages (pl/en/uk, no JavaScript), split by audience: `public` (the council,
the application form, the minutes), `member` (a member's invitation by its token) and `staff`
(the secretariat's meetings). Here: the catalogs and the renderer they share.

Each page reads its form, calls one command or query, and says the answer; a refusal
(`shared.refusals.Refused`) is said in the reader's language next to its field.
"""

from __future__ import annotations

from pathlib import Path

from shared.web.i18n import KIT_LOCALE_DIR, Catalogs
from shared.web.templates import PageRenderer

COUNCIL = Path(__file__).parent.parent
catalogs = Catalogs([KIT_LOCALE_DIR, COUNCIL / "locale"])
pages = PageRenderer([COUNCIL / "templates"], catalogs)
