"""Sign-in for pages: one-time links, OIDC authorization code with PKCE, sign-out."""

from __future__ import annotations

from typing import Any

auth_routes: list[Any] = []
