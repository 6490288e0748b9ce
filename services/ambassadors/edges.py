"""What the API and the pages of the competition share at their edge: looking a nomination up
by its secret token (wrong tokens count against the client's limit)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from shared.ratelimit import TokenAttempt
from shared.refusals import Kind, Refused


@asynccontextmanager
async def token_attempt(
    runtime: Any, request: Any, counted: bool = True
) -> AsyncIterator[TokenAttempt]:
    """The kit's token guard (429 after too many wrong tokens from this client), counting a
    command's refusal as a wrong token when it is a 403 or a 404, as the kit counts its own."""
    async with runtime.limiter.token_attempt(request, counted=counted) as attempt:
        try:
            yield attempt
        except Refused as exc:
            if exc.kind in (Kind.FORBIDDEN, Kind.NOT_FOUND):
                await attempt.failed()
            raise
