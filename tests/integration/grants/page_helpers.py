"""Driving the grants pages over HTTP like a browser without JavaScript, and reading the answer."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import httpx

from shared.auth import SESSION_COOKIE, Principal
from tests.helpers.platform import RunningPlatform

_VOID = {"input", "br", "img", "meta", "link", "hr", "area", "base", "col", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()


class Html(HTMLParser):
    """One page: elements by id with their visible text, and the error summary's links."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, Element] = {}
        self.summary: dict[str, str] = {}  # "#field" → message
        self._open: list[Element] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        if "id" in element.attrs:
            self.by_id[element.attrs["id"]] = element
        if tag not in _VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                closed = self._open[i]
                if tag == "a" and any("error-summary__list" in e.classes for e in self._open[:i]):
                    self.summary[closed.attrs.get("href", "")] = " ".join(closed.text.split())
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        # Text only for screen readers ("Error:") is not part of what the elements show.
        if any("visually-hidden" in element.classes for element in self._open):
            return
        for element in self._open:
            element.text += data

    def text(self, element_id: str) -> str:
        """The element's visible text, spaces (no-break ones too) collapsed."""
        return " ".join(self.by_id[element_id].text.split())

    def field_error(self, name: str) -> str:
        """The message next to a field, checked to be tied to the field for assistive tech."""
        described = self.by_id[name].attrs.get("aria-describedby", "").split()
        assert f"{name}-error" in described, f"#{name} is not described by its error"
        return self.text(f"{name}-error")

    def value(self, name: str) -> str:
        element = self.by_id[name]
        return element.text if element.tag == "textarea" else element.attrs.get("value", "")

    def invalid(self) -> set[str]:
        """Ids of the controls marked aria-invalid."""
        return {i for i, e in self.by_id.items() if e.attrs.get("aria-invalid") == "true"}

    def problems(self) -> str:
        """The box above the form about the whole form (a closed call, a late submission)."""
        return self.text("form-problems") if "form-problems" in self.by_id else ""


def spaced(text: str) -> str:
    """Text as `Html.text` gives it: no-break spaces (as in '2 500,00 €') made plain."""
    return " ".join(text.split())


def principal(role: str, org: str | None = None, subject: str | None = None) -> Principal:
    return Principal(
        subject=subject or f"{role}-{uuid.uuid4().hex[:8]}",
        roles=(role,),
        org=uuid.UUID(org) if org else None,
    )


@contextlib.asynccontextmanager
async def browser(
    platform: RunningPlatform, who: Principal, **headers: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A signed-in browser session of `who` (the page session cookie), keeping cookies."""
    assert platform.runtime.auth is not None
    cookie = platform.runtime.auth.session_token(who)
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={SESSION_COOKIE: cookie}, headers=headers, timeout=30
    ) as client:
        yield client


async def post_form(
    client: httpx.AsyncClient,
    path: str,
    data: dict[str, Any],
    *,
    form_page: str | None = None,
    **params: str,
) -> httpx.Response:
    """Open the form's page (with `params`, e.g. lang), then post the fields with its CSRF token."""
    page = await client.get(form_page or path, params=params)
    assert page.status_code == 200, page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token, "the page has no form"
    return await client.post(path, data={"_csrf_token": token.group(1), **data})
