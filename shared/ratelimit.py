"""Rate limits on the anonymous doors: public forms and APIs, token look-ups, the SMTP intake.

The counts live in Redis, so a limit holds across every web process. Counting is done by the
`limits` package: fixed windows, one atomic Lua INCR+EXPIRE per rule and window, a window
starting with the first request it counts. Litestar's own RateLimitMiddleware was not used: it
reads, changes and writes a history under a lock of one process only (two processes may both let
the same request through), knows one rate and no key but the client, and a Redis error in it
fails the request.

Rules, each a `limits` string such as "10/minute;100/day" (settings `rate_limit_<rule>`):

- ``questions``: per client address, Dialogue Bench questions (web form and API);
- ``forms``: per client address, the other public forms (nominations, council applications,
  members' agenda proposals);
- ``mail_address``: per e-mail address typed into an anonymous form that makes us write to it;
- ``token_failures``: per client address, wrong tokens (question tracking, nomination acceptance
  and withdrawal, council invitations, sign-in links); only failures count;
- ``smtp_sender`` and ``smtp_peer``: the Bench's SMTP intake, per envelope sender and per
  connecting address.

A client address is the TCP peer, or — when the peer is one of `trusted_proxies` — the last
address in X-Forwarded-For that is not a trusted proxy; IPv6 addresses count per /64. Keys hold
a keyed hash of the address or e-mail, never the address itself.

Redis down or slow must delay nothing: a limiter that gets no answer within `TIMEOUT` lets the
request through, logs a warning and leaves Redis alone for `PAUSE_AFTER_FAILURE` seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException

from shared import addresses
from shared.config import RATE_LIMIT_DEFAULTS, Settings

log = logging.getLogger("openkrakow.ratelimit")

RULES = tuple(RATE_LIMIT_DEFAULTS)
KEY_PREFIX = "okr:ratelimit"
TIMEOUT = 0.5  # seconds Redis may take to answer before the request goes through unlimited
PAUSE_AFTER_FAILURE = 5.0  # seconds Redis is left alone after it failed to answer

# Route option of a rate-limited route: document_problems (shared/app.py) declares its 429.
LIMITED: dict[str, Any] = {"rate_limited": True}

SMTP_REFUSAL = "451 4.7.1 too many messages from {what}; please try again later"


class RateLimited(HTTPException):
    """429: a limit is used up; `retry_after` seconds until the next request may succeed."""

    status_code = 429

    def __init__(self, retry_after: int, detail: str, reason: str = "client") -> None:
        super().__init__(detail=detail, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after
        self.reason = reason  # "client" (this client's requests) or "address" (mail to it)

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, at least one (for pages)."""
        return max(1, math.ceil(self.retry_after / 60))


def parse_rule(name: str, text: str) -> list[RateLimitItem]:
    """The windows of a rule, e.g. "10/minute;100/day"; a clear error naming the variable."""
    try:
        return parse_many(text)
    except ValueError:
        raise ValueError(
            f"RATE_LIMIT_{name.upper()}={text!r} is not a rate limit like '10/minute;100/day'"
        ) from None


def _network(name: str, text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not an address or a network") from None


def address_key(address: str) -> str:
    """The part of a client address that is counted: IPv4 as it is, IPv6 by its /64."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return address.strip()[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class RateLimiter:
    """Counts requests per rule and subject in Redis; fails open when Redis does not answer."""

    def __init__(
        self,
        redis_url: str | None,
        rules: Mapping[str, str],
        *,
        trusted_proxies: Iterable[str] = (),
        salt: bytes = b"",
    ) -> None:
        self.rules = {name: parse_rule(name, text) for name, text in rules.items()}
        self.trusted = [_network("TRUSTED_PROXIES", p) for p in trusted_proxies]
        self.salt = salt
        self._paused_until = 0.0
        self._redis: aioredis.Redis | None = None
        self._limiter: FixedWindowRateLimiter | None = None
        if redis_url and self.rules:
            self._redis = aioredis.from_url(
                redis_url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
            )
            storage = RedisStorage(
                "async+redis://",
                implementation="redispy",
                key_prefix=KEY_PREFIX,
                connection_pool=self._redis.connection_pool,  # type: ignore[arg-type]
            )
            self._limiter = FixedWindowRateLimiter(storage)

    @classmethod
    def from_settings(cls, settings: Settings, salt: bytes = b"") -> RateLimiter:
        """The limiter the settings describe (no rules at all when RATE_LIMITS=off)."""
        rules = {r: getattr(settings, f"rate_limit_{r}") for r in RULES}
        return cls(
            settings.redis_url,
            rules if settings.rate_limits else {},
            trusted_proxies=settings.trusted_proxies,
            salt=salt,
        )

    @property
    def active(self) -> bool:
        """True when requests are counted (rules given, Redis known)."""
        return self._limiter is not None

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

    # -- counting ------------------------------------------------------------------------------

    async def hit(self, rule: str, subject: str) -> int | None:
        """Count one request of `subject` under `rule`: None if allowed, else seconds to wait."""
        return await self._run(rule, subject, count=True)

    async def exceeded(self, rule: str, subject: str) -> int | None:
        """Seconds to wait when `subject` has used `rule` up (nothing is counted); else None."""
        return await self._run(rule, subject, count=False)

    async def _run(self, rule: str, subject: str, *, count: bool) -> int | None:
        items = self.rules.get(rule)
        if not items or self._limiter is None or time.monotonic() < self._paused_until:
            return None
        key = self._key(subject)
        try:
            async with asyncio.timeout(2 * TIMEOUT):
                for item in items:
                    if count:
                        allowed = await self._limiter.hit(item, rule, key)
                    else:
                        allowed = await self._limiter.test(item, rule, key)
                    if not allowed:
                        return await self._retry_after(item, rule, key)
        except Exception as exc:  # noqa: BLE001 - fail open: a limit must never lose a request
            if time.monotonic() >= self._paused_until:
                log.warning(
                    "rate limits not applied for %.0f s: Redis did not answer (%r)",
                    PAUSE_AFTER_FAILURE,
                    exc,
                )
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
        return None

    async def _retry_after(self, item: RateLimitItem, rule: str, key: str) -> int:
        # The window ends when its counter expires; PTTL is exact where TTL would round.
        assert self._redis is not None
        millis = await self._redis.pttl(f"{KEY_PREFIX}:{item.key_for(rule, key)}")
        return max(1, math.ceil(millis / 1000)) if millis > 0 else item.get_expiry()

    def _key(self, subject: str) -> str:
        return hmac.new(self.salt, subject.encode(), hashlib.sha256).hexdigest()[:32]

    # -- who is asking -------------------------------------------------------------------------

    def client_of(self, scope: Any) -> str:
        """The counted address of a request's client (see the module's docstring)."""
        client = scope.get("client")
        peer = str(client[0]) if client else ""
        if self.trusted and self._is_trusted(peer):
            forwarded = ",".join(
                v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"x-forwarded-for"
            )
            for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
                peer = hop
                if not self._is_trusted(hop):
                    break
        return address_key(peer)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip().strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    # -- what handlers call --------------------------------------------------------------------

    async def check_client(self, request: Any, rule: str) -> None:
        """Count a request of this client under `rule`; RateLimited (429) once it is used up."""
        wait = await self.hit(rule, self.client_of(request.scope))
        if wait is not None:
            raise RateLimited(wait, f"too many requests from your address; retry in {wait} s")

    async def check_address(self, address: str | None) -> None:
        """Count a message we are asked to write to `address`; RateLimited once used up.

        Counted under the address's one stored form (shared.addresses), so `Victim@Example.org`
        and `victim@example.org` share a count."""
        if not address:
            return
        key = addresses.normalise_or_none(address) or address.strip().lower()
        wait = await self.hit("mail_address", key)
        if wait is not None:
            raise RateLimited(
                wait, f"too many messages to this e-mail address; retry in {wait} s", "address"
            )

    @asynccontextmanager
    async def token_attempt(
        self, request: Any, counted: bool = True
    ) -> AsyncIterator[TokenAttempt]:
        """Guard a look-up by secret token: 429 after too many failures from this client.

        A 403 or 404 raised inside counts as a failure; `attempt.failed()` counts one otherwise.
        `counted=False` (a signed-in coordinator acting) neither checks nor counts.
        """
        attempt = TokenAttempt(self, self.client_of(request.scope))
        if not counted:
            attempt.counted = True
            yield attempt
            return
        wait = await self.exceeded("token_failures", attempt.client)
        if wait is not None:
            raise RateLimited(wait, f"too many wrong links or codes; retry in {wait} s")
        try:
            yield attempt
        except (PermissionDeniedException, NotFoundException):
            await attempt.failed()
            raise

    def smtp_check(self) -> Callable[[str, str], Awaitable[str | None]]:
        """The Bench intake's sender check: a 451 reply (the sender retries later) or None."""

        async def check(peer: str, sender: str) -> str | None:
            if await self.hit("smtp_peer", address_key(peer)) is not None:
                return SMTP_REFUSAL.format(what="your address")
            if await self.hit("smtp_sender", sender.strip().lower() or "<>") is not None:
                return SMTP_REFUSAL.format(what="this sender")
            return None

        return check


class TokenAttempt:
    """One look-up by token, for counting it as a failure."""

    def __init__(self, limiter: RateLimiter, client: str) -> None:
        self.limiter = limiter
        self.client = client
        self.counted = False

    async def failed(self) -> None:
        """Count this attempt as a wrong token (once)."""
        if not self.counted:
            self.counted = True
            await self.limiter.hit("token_failures", self.client)
