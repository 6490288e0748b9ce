"""Browser harness: Debian's Chromium through Playwright (never a downloaded browser) plus axe-core.

On a developer's machine a missing browser skips the browser tests, and a missing axe-core lets
every flow run to its end and then reports the test skipped, naming the accessibility checks it
could not make (never a flow cut short at its first check, never a pass). Under `CI=true` either
one missing is a failure: CI must not go green on tests it did not run.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _missing(reason: str) -> None:
    """A missing tool: a failure in CI, a skip elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


try:
    import playwright.async_api as playwright_api
except ImportError:  # pragma: no cover - the test extras install it
    _missing("playwright is not installed: `make setup` installs the test extras")
    raise

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_PATH = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

NewPage = Callable[..., Awaitable[Any]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in tests/e2e drives the browser; mark it so `-m "not browser"` skips them."""
    e2e_dir = Path(__file__).parent
    for item in items:
        if e2e_dir in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _require_chromium() -> None:
    # Only the distribution's Chromium: a browser download is neither wanted nor possible in CI.
    if not CHROMIUM_PATH.is_file():
        _missing(
            f"Chromium not found at {CHROMIUM_PATH}: install the Debian package 'chromium' "
            "(.ci/run does)"
        )


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """One headless Chromium for the whole session."""
    _require_chromium()
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def new_page(browser: Any) -> AsyncIterator[NewPage]:
    """Factory for pages in fresh contexts: ``await new_page(locale="uk", java_script_enabled=False)``."""
    contexts: list[Any] = []

    async def open_page(locale: str = "pl", **context_options: Any) -> Any:
        context = await browser.new_context(locale=locale, **context_options)
        contexts.append(context)
        page = await context.new_page()
        # Read by assert_accessible: a page without JavaScript is checked on a twin with it.
        page.okr_scripts = context_options.get("java_script_enabled", True)
        return page

    yield open_page
    for context in contexts:
        await context.close()


@pytest.fixture
async def page(new_page: NewPage, request: pytest.FixtureRequest) -> Any:
    """A page in a fresh browser context; locale from ``@pytest.mark.parametrize('locale', ...)``
    via indirect use, or Polish by default."""
    locale = getattr(request, "param", "pl")
    return await new_page(locale=locale)


AXE_MISSING = f"axe-core not found at {AXE_PATH}: run `npm ci` at the repo root (make test does)"

# Accessibility checks the running test could not make (axe-core missing): its flow goes on, and
# the test is reported skipped once the flow has passed.
_unchecked: list[str] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    _unchecked.clear()
    result = yield
    if _unchecked:
        pages = ", ".join(dict.fromkeys(_unchecked))
        pytest.skip(
            f"the flow passed, but {len(_unchecked)} accessibility check(s) were not made "
            f"({pages}): {AXE_MISSING}"
        )
    return result


AXE_TIMEOUT = 60
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.I | re.S)


async def _axe_results(page: Any, source: str) -> dict[str, Any]:
    """axe's results for the page as the person sees it.

    A page whose context has JavaScript off cannot run axe (Chromium 15x runs no timers there,
    and `axe.run` waits on one for ever), so its HTML as shown — the DOM now, without script
    elements — is checked on a twin page with JavaScript on, at the same address (its
    stylesheets load as they did), in a context of its own.
    """
    if getattr(page, "okr_scripts", True):
        target = page
        twin_context = None
    else:
        html = _SCRIPT.sub("", await page.content())
        twin_context = await page.context.browser.new_context(
            java_script_enabled=True, viewport=page.viewport_size
        )
        target = await twin_context.new_page()
        url = page.url

        async def serve_copy(route: Any) -> None:
            await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        await target.route(lambda u: u.split("#")[0] == url.split("#")[0], serve_copy)
        await target.goto(url)
    try:
        if await target.evaluate("typeof axe") == "undefined":
            await target.evaluate(source)
        results: dict[str, Any] = await target.evaluate(
            "async (tags) => await axe.run(document, {runOnly: tags})", WCAG_21_AA_TAGS
        )
        return results
    finally:
        if twin_context is not None:
            await twin_context.close()


@functools.cache
def _axe_source() -> str | None:
    return AXE_PATH.read_text(encoding="utf-8") if AXE_PATH.is_file() else None


async def assert_accessible(page: Any) -> None:
    """Fail listing every serious or critical WCAG 2.1 A/AA violation axe-core finds on page.

    Without axe-core: a failure in CI; elsewhere the check is noted and the flow goes on.
    """
    source = _axe_source()
    if source is None:
        if IN_CI:
            pytest.fail(f"{AXE_MISSING} (CI=true: accessibility checks must run)", pytrace=False)
        _unchecked.append(page.url)
        return
    # Not page.add_script_tag(path=...): it inlines the file into a <script>, which our own
    # CSP (script-src 'self') rightly blocks. Evaluating the source through the DevTools
    # protocol is exempt from CSP, so axe runs against the page exactly as residents get it
    # (bypass_csp=True would also let the page's own inline scripts/styles slip through).
    try:
        results = await asyncio.wait_for(_axe_results(page, source), AXE_TIMEOUT)
    except TimeoutError:
        pytest.fail(f"axe-core did not finish within {AXE_TIMEOUT} s on {page.url}")
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"{len(blocking)} serious/critical accessibility violation(s) on {page.url}:"]
        for violation in blocking:
            targets = ", ".join(
                " ".join(str(t) for t in node["target"]) for node in violation["nodes"]
            )
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']} -> {targets}"
            )
        pytest.fail("\n".join(lines))
