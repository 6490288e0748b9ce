"""Pages of the indicators service: the coordinator's live dashboard and printable report, and
the public programme table with the annual report (no sign-in)."""

from __future__ import annotations

from services.indicators.pages import coordinator, public
from services.indicators.pages.coordinator import catalogs

route_handlers = [*coordinator.route_handlers, *public.route_handlers]

__all__ = ["catalogs", "route_handlers"]
