"""What the grants API routes share: tags, paging, the caller, Idempotency-Key in and out."""

from __future__ import annotations

from typing import Any

from litestar import Request

from shared import idempotency
from shared.auth import current_user
from shared.http import paging

TAGS = ["grants"]
PAGED: Any = {"page": paging}


def who(request: Request[Any, Any, Any]) -> Any:
    user = current_user(request)
    assert user is not None  # guarded
    return user


async def key_of(request: Request[Any, Any, Any], scope: str) -> idempotency.Claimed | None:
    """The caller's Idempotency-Key for the command to claim (None without one); the scopes
    are those the keys were always stored under."""
    return idempotency.requested(request, await request.body(), scope)


created = idempotency.respond  # 201 with the command's answer, or the replayed first answer
