"""Loopback listening ports that outgoing connections cannot take.

Binding port 0 hands out a port from the kernel's ephemeral range
(``/proc/sys/net/ipv4/ip_local_port_range``, 32768-60999 by default), the same range every
outgoing connection on the machine draws its local port from. A port chosen that way and bound
later by another process (a server started with ``--port N``) can be taken in between by any
outgoing connection. Ports chosen here come from below that range instead (from
``LISTEN_PORT_FLOOR`` up), picked at random and checked free, so only another *listener* picking
the same number in the same instant can collide; callers that bind later still retry on
"address in use" (see ``shared.embedded``), and callers in this process bind at once with
``bound_socket()``.
"""

from __future__ import annotations

import random
import socket
import threading
from collections import deque
from collections.abc import Collection
from pathlib import Path

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Linux's default, used where the file cannot be read (other kernels, a restricted /proc).
EPHEMERAL_FALLBACK = (32768, 60999)
# Below this are the well-known and most registered service ports (PostgreSQL 5432, NATS 4222,
# Redis 6379, the platform's own 8000-8005, ...), which a developer's machine often runs.
LISTEN_PORT_FLOOR = 15000
# A range narrower than this is not worth using on its own.
_MIN_RANGE = 1000
_ATTEMPTS = 200
_random = random.SystemRandom()
# Ports handed out lately by this process and perhaps not bound yet: never handed out twice in a
# row (a caller choosing six ports before starting anything must get six different ones).
_recent: deque[int] = deque(maxlen=1024)
_recent_lock = threading.Lock()


def ephemeral_range(path: Path = EPHEMERAL_RANGE_FILE) -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports, as ``(first, last)``."""
    try:
        first, last = (int(v) for v in path.read_text().split())
    except (OSError, ValueError):
        return EPHEMERAL_FALLBACK
    if not 1 <= first <= last <= 65535:
        return EPHEMERAL_FALLBACK
    return first, last


def listen_port_range(ephemeral: tuple[int, int] | None = None) -> tuple[int, int]:
    """Ports to listen on, as ``(first, last)``: below the ephemeral range, else above it.

    When the ephemeral range leaves no room on either side (an administrator widened it to
    nearly everything), the whole unprivileged range is returned and only the "checked free"
    test and the callers' retries protect against a collision.
    """
    first, last = ephemeral or ephemeral_range()
    if first - 1 - LISTEN_PORT_FLOOR >= _MIN_RANGE:
        return LISTEN_PORT_FLOOR, first - 1
    if 65535 - (last + 1) >= _MIN_RANGE:
        return last + 1, 65535
    if first - 1 - 1024 >= _MIN_RANGE:
        return 1024, first - 1
    return 1024, 65535


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could bind ``host:port`` right now.

    SO_REUSEADDR like the servers themselves, so sockets in TIME_WAIT left by a previous
    instance do not count as "taken" while a listening socket still does.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port(exclude: Collection[int] = (), host: str = "127.0.0.1") -> int:
    """A port on ``host`` outside the ephemeral range that nothing has bound right now.

    Random rather than sequential, so that processes choosing at the same time rarely pick the
    same number. ``exclude`` lists ports already promised to something else; ports this
    process was handed lately are left out as well.
    """
    first, last = listen_port_range()
    for _ in range(_ATTEMPTS):
        port = _random.randint(first, last)
        with _recent_lock:
            if port in exclude or port in _recent or not port_is_free(port, host):
                continue
            _recent.append(port)
        return port
    raise OSError(f"no free port found on {host} in {first}-{last} after {_ATTEMPTS} tries")


def bound_socket(host: str = "127.0.0.1") -> socket.socket:
    """A listening-ready TCP socket bound to a free port outside the ephemeral range.

    For servers in this process (uvicorn's ``serve(sockets=[...])``, asyncio's
    ``start_server(sock=...)``): the port is held from the moment it is chosen, so there is no
    window at all in which something else could take it.
    """
    first, last = listen_port_range()
    for _ in range(_ATTEMPTS):
        # No SO_REUSEADDR: with it two sockets that are bound but not yet listening may share
        # a port on Linux.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((host, _random.randint(first, last)))
        except OSError:
            sock.close()
            continue
        return sock
    raise OSError(f"no free port found on {host} in {first}-{last} after {_ATTEMPTS} tries")
