"""Who a rate limit counts: the TCP peer, X-Forwarded-For only through trusted proxies, IPv6 /64."""

from __future__ import annotations

from typing import Any

import pytest

from shared.ratelimit import RateLimiter, address_key, parse_rule


def scope(peer: str, *forwarded: str) -> dict[str, Any]:
    return {
        "client": (peer, 40000),
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }


def test_without_trusted_proxies_forwarded_for_is_ignored() -> None:
    limiter = RateLimiter(None, {})
    assert limiter.client_of(scope("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_a_trusted_proxy_names_the_client_and_what_the_client_claims_is_ignored() -> None:
    limiter = RateLimiter(None, {}, trusted_proxies=["10.0.0.0/8", "192.0.2.10"])
    # The client wrote "1.2.3.4" itself; our proxies appended the address they saw.
    request = scope("10.1.2.3", "1.2.3.4, 198.51.100.7, 192.0.2.10")
    assert limiter.client_of(request) == "198.51.100.7"
    # Several headers count as one list, in order.
    assert limiter.client_of(scope("10.1.2.3", "1.2.3.4", "198.51.100.8")) == "198.51.100.8"


def test_a_request_not_from_a_trusted_proxy_counts_its_peer() -> None:
    limiter = RateLimiter(None, {}, trusted_proxies=["10.0.0.0/8"])
    assert limiter.client_of(scope("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_only_trusted_hops_count_as_the_leftmost_one() -> None:
    limiter = RateLimiter(None, {}, trusted_proxies=["10.0.0.0/8"])
    assert limiter.client_of(scope("10.0.0.1", "10.0.0.2")) == "10.0.0.2"
    assert limiter.client_of(scope("10.0.0.1")) == "10.0.0.1"


def test_ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:198.51.100.4") == "198.51.100.4"
    assert address_key("[2001:db8::1]") == "2001:db8::/64"


def test_a_rule_that_is_not_a_rate_limit_names_its_variable() -> None:
    assert [(i.amount, i.get_expiry()) for i in parse_rule("forms", "10/minute;100/day")] == [
        (10, 60),
        (100, 86400),
    ]
    with pytest.raises(ValueError, match="RATE_LIMIT_FORMS='ten a minute'"):
        parse_rule("forms", "ten a minute")


def test_a_trusted_proxy_that_is_not_an_address_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="TRUSTED_PROXIES: 'proxy.local'"):
        RateLimiter(None, {}, trusted_proxies=["10.0.0.0/8", "proxy.local"])


def test_with_no_rules_nothing_is_counted() -> None:
    assert not RateLimiter("redis://127.0.0.1:1/0", {}).active
