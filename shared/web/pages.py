"""Kit routes for pages (static files) and page-aware error handling."""

from __future__ import annotations

from typing import Any


def kit_route_handlers() -> list[Any]:
    """Routes every process with pages serves."""
    return []


def page_exception_handlers() -> dict[Any, Any]:
    """Exception handlers that answer pages with HTML and the API with problem details."""
    return {}
