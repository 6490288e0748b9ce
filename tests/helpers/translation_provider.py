"""A tiny LibreTranslate-compatible translation provider for tests (`TRANSLATION_URL`).

A real HTTP server on a free loopback port answering `POST /translate` with
`{"translatedText": ...}`: by default `[<target>] <text>`, so a test can tell a machine draft
from what staff typed. It keeps every request it got (`requests`).

    async with translation_provider() as provider:
        settings = test_settings(..., translation_url=provider.url)
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.helpers.server import serve_app


def tagged(text: str, source: str, target: str) -> str:
    return f"[{target}] {text}"


@dataclass
class Provider:
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)


def _app(provider: Provider, translate: Callable[[str, str, str], str]) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] != "POST" or scope["path"] != "/translate":
            status, answer = 404, {"error": "not found"}
        else:
            try:
                asked = json.loads(body)
                provider.requests.append(asked)
                text = translate(asked["q"], asked["source"], asked["target"])
                status, answer = 200, {"translatedText": text}
            except (ValueError, KeyError, TypeError):
                status, answer = 400, {"error": "bad request"}
        payload = json.dumps(answer).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(payload)),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app


@asynccontextmanager
async def translation_provider(
    translate: Callable[[str, str, str], str] = tagged,
) -> AsyncIterator[Provider]:
    """Serve the provider until the block ends; `translate(text, source, target)` answers."""
    provider = Provider()
    async with serve_app(_app(provider, translate)) as base_url:
        provider.url = base_url
        yield provider
