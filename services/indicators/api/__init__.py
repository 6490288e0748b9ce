"""HTTP API of the indicators service; its only audience is the programme's coordinator
(`/metrics`, open to anyone, is the kit's: shared/app.py; what it counts, metrics.py)."""

from __future__ import annotations

from services.indicators.api import coordinator, programme

route_handlers = [*coordinator.route_handlers, *programme.route_handlers]
