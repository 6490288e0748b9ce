"""The Council's refusal codes: each one translated into pl, en and uk with the placeholders it
carries, and every code the service raises is registered."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from services.participation.council import domain
from services.participation.council.pages import catalogs
from shared.refusals import WORDING
from shared.web.i18n import LANGUAGES

COUNCIL = Path(domain.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# A refusal code: council.<subject>.<reason> (idempotency scopes and mail purposes have two parts).
CODE = re.compile(r"^council\.[a-z_]+\.[a-z_]+$")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", sorted(domain.REFUSALS))
def test_every_council_refusal_is_translated_with_the_same_placeholders(
    code: str, lang: str
) -> None:
    msgid = domain.REFUSALS[code].page
    translated = catalogs.translation(lang, msgid)
    assert isinstance(translated, str) and translated.strip(), f"no {lang} text for {code}"
    assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(msgid)), (code, lang)


@pytest.mark.parametrize("code", sorted(domain.REFUSALS))
def test_the_page_text_names_only_what_the_refusal_carries(code: str) -> None:
    page, api = domain.REFUSALS[code].page, domain.REFUSALS[code].api or ""
    assert set(PLACEHOLDER.findall(page)) <= set(PLACEHOLDER.findall(api)), code


def _literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


@pytest.mark.parametrize(
    "path", sorted(COUNCIL.rglob("*.py")), ids=lambda p: str(p.relative_to(COUNCIL))
)
def test_every_code_the_council_raises_is_registered(path: Path) -> None:
    used = {s for s in _literals(path) if CODE.match(s)}
    assert used - set(WORDING) == set()
