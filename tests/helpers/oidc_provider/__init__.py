"""The certified OpenID Provider (`oidc-provider` from package.json) as a process for tests.

`OidcProvider` writes a configuration (keys, clients, users) and runs `provider.mjs` with Node
on a loopback port chosen before start, so the platform can be configured with the issuer
before the provider knows the platform's redirect URI. `rotate_keys()` restarts it signing with
a new key (the old one still published, as during a real rotation). Without Node or the npm
package the tests skip, and under CI=true they fail: `make test` installs what they need.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey

from tests.helpers.server import free_port

REPO_ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("provider.mjs")
PACKAGE = REPO_ROOT / "node_modules" / "oidc-provider" / "package.json"

API_RESOURCE = "https://api.openkrakow.test"

# Secrets with what breaks naive encodings: `+` (a space once form-decoded), `%`, `:`, `/`, `=`.
BASIC_CLIENT = "openkrakow-web"
BASIC_SECRET = "s3+cr/et:%41&=?~ x"
POST_CLIENT = "openkrakow-post"
POST_SECRET = "p+st/%2B:secret="

# `rolesAt`: where the provider hands out the nested `realm_access.roles` claim.
USERS: dict[str, dict[str, Any]] = {
    "anna": {"name": "Anna Nowak", "roles": ["coordinator"], "rolesAt": "id_token"},
    "bogdan": {"name": "Bogdan Kowal", "roles": ["responder"], "rolesAt": "userinfo"},
    "celina": {"name": "Celina Brak", "roles": [], "rolesAt": "none"},
}


def need_node() -> str:
    """The `node` executable, or skip (fail under CI=true) saying what is missing."""
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not PACKAGE.exists():
        missing = f"oidc-provider not found at {PACKAGE.parent}: run `npm ci` at the repo root"
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{missing} (CI=true: the real OIDC provider tests must run)")
        pytest.skip(missing)
    assert node is not None
    return node


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@dataclass
class OidcProvider:
    """One `node provider.mjs` process; start it after `redirect_base` is known."""

    workdir: Path
    port: int = field(default_factory=free_port)
    keys: list[RSAKey] = field(default_factory=lambda: [new_key("k1")])
    redirect_base: str = ""
    proc: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / "oidc-provider.log"

    def config(self) -> dict[str, Any]:
        client = {
            "redirect_uris": [f"{self.redirect_base}/auth/oidc/callback"],
            "post_logout_redirect_uris": [f"{self.redirect_base}/"],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        }
        return {
            "issuer": self.issuer,
            "port": self.port,
            "keys": [k.as_dict(private=True) for k in self.keys],
            "apiResource": API_RESOURCE,
            # The platform under test leaves OIDC_AUDIENCE unset: the API audience is the client
            # id, the case in which an ID token and an access token share an audience.
            "apiAudience": BASIC_CLIENT,
            "users": USERS,
            "clients": [
                {
                    **client,
                    "client_id": BASIC_CLIENT,
                    "client_secret": BASIC_SECRET,
                    "token_endpoint_auth_method": "client_secret_basic",
                },
                {
                    **client,
                    "client_id": POST_CLIENT,
                    "client_secret": POST_SECRET,
                    "token_endpoint_auth_method": "client_secret_post",
                },
            ],
        }

    def _spawn(self) -> subprocess.Popen[bytes]:
        node = need_node()
        self.workdir.mkdir(parents=True, exist_ok=True)
        path = self.workdir / "oidc-provider.json"
        path.write_text(json.dumps(self.config()))
        with self.log.open("ab") as out:
            return subprocess.Popen(
                [node, str(SCRIPT), str(path)],
                cwd=REPO_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def start(self) -> None:
        """Run the provider; returns once its discovery document answers."""
        self.proc = self._spawn()
        async with httpx.AsyncClient(timeout=2) as client:
            for _ in range(600):
                if self.proc.poll() is not None:
                    raise AssertionError(f"oidc-provider exited: {self.log.read_text()[-3000:]}")
                try:
                    resp = await client.get(f"{self.issuer}/.well-known/openid-configuration")
                    if resp.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"oidc-provider did not start: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    async def rotate_keys(self) -> RSAKey:
        """Restart signing with a new key; the old one stays in the JWKS. Returns the new key."""
        key = new_key(f"k{len(self.keys) + 1}")
        self.keys = [key, *self.keys]
        self.stop()
        await self.start()
        return key
