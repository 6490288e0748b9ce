"""The service's translations (pages), merged over the web kit's."""

from __future__ import annotations

from pathlib import Path

from shared.web.i18n import KIT_LOCALE_DIR, Catalogs

LOCALE_DIR = Path(__file__).parent / "locale"
catalogs = Catalogs([KIT_LOCALE_DIR, LOCALE_DIR])
