"""PUBLIC_URL, when not set, follows where the web app listens (PORT, --host/--port)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services import cli
from shared.config import load_settings


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("PUBLIC_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENKRAKOW_DATA", str(tmp_path))
    monkeypatch.setenv("OPENKRAKOW_SECRET_KEY", "x" * 48)
    return monkeypatch


def test_the_default_follows_port_and_the_listening_address(env: pytest.MonkeyPatch) -> None:
    assert load_settings().public_url == "http://127.0.0.1:8000"
    env.setenv("PORT", "8100")
    assert load_settings().public_url == "http://127.0.0.1:8100"
    assert load_settings(port=8200).public_url == "http://127.0.0.1:8200"
    assert load_settings(host="0.0.0.0", port=8300).public_url == "http://127.0.0.1:8300"
    assert load_settings(host="::1", port=8300).public_url == "http://[::1]:8300"
    assert load_settings(host="krakow.local", port=80).public_url == "http://krakow.local:80"


def test_an_explicit_public_url_wins(env: pytest.MonkeyPatch) -> None:
    env.setenv("PORT", "8100")
    env.setenv("PUBLIC_URL", "https://otwarty.krakow.pl/")
    assert load_settings(port=8200).public_url == "https://otwarty.krakow.pl"


def test_a_bad_port_is_refused_with_its_name(env: pytest.MonkeyPatch) -> None:
    env.setenv("PORT", "eighty")
    with pytest.raises(ValueError, match="PORT"):
        load_settings()


def test_login_link_points_at_port(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("PORT", "8100")
    assert cli.main(["login-link", "--role", "coordinator", "--subject", "c1"]) == 0
    assert capsys.readouterr().out.startswith("http://127.0.0.1:8100/auth/link?token=")


@pytest.mark.parametrize(
    ("argv", "port"),
    [(["run"], 8100), (["run", "--port", "8200"], 8200), (["serve", "grants"], 8100)],
)
def test_run_listens_on_port_and_its_links_follow(
    env: pytest.MonkeyPatch, argv: list[str], port: int
) -> None:
    """`openkrakow run` with PORT=8100 listens there, and its settings' links point there."""
    env.setenv("PORT", "8100")
    seen: dict[str, Any] = {}

    async def fake_serve(host: str, port: int, *_: Any) -> None:
        seen.update(port=port, public_url=cli.settings_for(host, port).public_url)

    env.setattr(cli, "serve", fake_serve)
    assert cli.main(argv) == 0
    assert seen == {"port": port, "public_url": f"http://127.0.0.1:{port}"}


def test_the_worker_and_relay_links_follow_port(env: pytest.MonkeyPatch) -> None:
    env.setenv("PORT", "8100")
    assert cli.settings_for("", 0).public_url == "http://127.0.0.1:8100"
