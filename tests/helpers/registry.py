"""How many indicators the registry holds (issues add indicators: tests count the registry's
rows instead of a number written down)."""

from __future__ import annotations

from tests.helpers.platform import RunningPlatform


async def indicator_count(platform: RunningPlatform) -> int:
    """The indicators of the programme table (`indicators.indicators`)."""
    return int(
        await platform.runtime.pool("indicators").fetchval("select count(*) from indicators")
    )
