"""Listening ports chosen outside the kernel's ephemeral range (shared/ports.py)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from shared import ports


def test_ephemeral_range_is_read_from_proc_style_file(tmp_path: Path) -> None:
    path = tmp_path / "ip_local_port_range"
    path.write_text("40000\t50000\n")
    assert ports.ephemeral_range(path) == (40000, 50000)


@pytest.mark.parametrize("content", [None, "", "garbage", "50000 40000", "0 70000", "1 2 3"])
def test_ephemeral_range_falls_back_to_linux_default(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "ip_local_port_range"
    if content is not None:
        path.write_text(content)
    assert ports.ephemeral_range(path) == ports.EPHEMERAL_FALLBACK == (32768, 60999)


def test_listen_range_is_below_the_ephemeral_range() -> None:
    assert ports.listen_port_range((32768, 60999)) == (ports.LISTEN_PORT_FLOOR, 32767)


def test_listen_range_goes_above_when_nothing_is_left_below() -> None:
    assert ports.listen_port_range((10000, 50000)) == (50001, 65535)


def test_listen_range_uses_low_ports_when_only_they_are_left() -> None:
    assert ports.listen_port_range((12000, 65000)) == (1024, 11999)


def test_listen_range_is_everything_when_the_ephemeral_range_is() -> None:
    assert ports.listen_port_range((1024, 65535)) == (1024, 65535)


def test_free_ports_are_outside_the_ephemeral_range_distinct_and_bindable() -> None:
    first, _ = ports.ephemeral_range()
    low, high = ports.listen_port_range()
    chosen = [ports.free_port() for _ in range(50)]
    assert len(set(chosen)) == 50  # handed out once each, though none is bound yet
    assert all(low <= p <= high and p < first for p in chosen)
    for port in chosen[:5]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_free_port_skips_ports_in_use_excluded_and_recent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ports, "listen_port_range", lambda: (20000, 20003))
    monkeypatch.setattr(ports, "_recent", type(ports._recent)([20003], maxlen=8))
    monkeypatch.setattr(ports, "port_is_free", lambda port, host="127.0.0.1": port != 20000)
    assert ports.free_port(exclude={20001}) == 20002
    with pytest.raises(OSError, match="no free port"):
        ports.free_port(exclude={20001})  # 20002 was handed out just now


def test_bound_socket_holds_a_port_outside_the_ephemeral_range() -> None:
    first, _ = ports.ephemeral_range()
    with ports.bound_socket() as sock:
        port = sock.getsockname()[1]
        assert port < first
        sock.listen()
        assert not ports.port_is_free(port)
