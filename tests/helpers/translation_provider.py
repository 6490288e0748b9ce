"""A tiny LibreTranslate-compatible translation provider for tests (`TRANSLATION_URL`).

It answers `POST /translate` with `{"translatedText": ...}`: a canned translation when the test
gave one for (text, target), else the text marked with the target (`[uk] Tytuł`), so a test can
tell a machine draft from what a person typed. It keeps every request it got (`requests`), can
insist on an API key (`api_key`) and can be told to fail (`failing = True`: 503). Served on
uvicorn, on a free loopback port, in the test's event loop (shared with the platform's):

    async with translation_provider() as provider:
        settings = test_settings(..., translation_url=provider.url)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Request, Response, post

from tests.helpers.server import serve_app


@dataclass
class TranslationProvider:
    url: str = ""
    canned: dict[tuple[str, str], str] = field(default_factory=dict)  # (text, target) → text
    requests: list[dict[str, Any]] = field(default_factory=list)
    api_key: str | None = None
    failing: bool = False

    def translate(self, body: dict[str, Any]) -> Response[Any]:
        self.requests.append(body)
        if self.failing:
            return Response({"error": "the provider is down"}, status_code=503)
        if self.api_key is not None and body.get("api_key") != self.api_key:
            return Response({"error": "Invalid API key"}, status_code=403)
        text, target = str(body.get("q", "")), str(body.get("target", ""))
        if not text or not target:
            return Response({"error": "Invalid request: missing q or target"}, status_code=400)
        translated = self.canned.get((text, target), f"[{target}] {text}")
        return Response({"translatedText": translated}, status_code=200)


def provider_app(provider: TranslationProvider) -> Litestar:
    @post("/translate", status_code=200)
    async def translate(request: Request[Any, Any, Any]) -> Response[Any]:
        try:
            body = await request.json()
        except Exception:  # noqa: BLE001 - LibreTranslate also takes form bodies
            body = dict(await request.form())
        return provider.translate(body if isinstance(body, dict) else {})

    return Litestar([translate], openapi_config=None)


@contextlib.asynccontextmanager
async def translation_provider(**options: Any) -> AsyncIterator[TranslationProvider]:
    """A running provider; `options` set `canned`, `api_key`, `failing`."""
    provider = TranslationProvider(**options)
    async with serve_app(provider_app(provider)) as url:
        provider.url = url
        yield provider
