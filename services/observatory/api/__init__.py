"""The Observatory's HTTP API: `public` (anyone: the publications) and `coordinator` (adds one)."""

from __future__ import annotations

from services.observatory.api import coordinator, public

route_handlers = [public.list_publications, coordinator.add_publication]
