"""Pages of the indicators service; its only audience is the programme's coordinator (the live
dashboard, the annual report)."""

from __future__ import annotations

from services.indicators.pages import coordinator
from services.indicators.pages.coordinator import catalogs

route_handlers = [*coordinator.route_handlers]

__all__ = ["catalogs", "route_handlers"]
