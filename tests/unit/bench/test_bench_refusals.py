"""The Bench's refusal codes: translated in pl/en/uk, the API's English as before, raised only
by code (no HTTP exception below the web edge)."""

from __future__ import annotations

import ast
import re
import uuid
from pathlib import Path

import pytest

from services.participation.bench import domain
from services.participation.bench.pages.public import catalogs
from shared.refusals import WORDING, Refusal, Status
from shared.web.i18n import LANGUAGES

BENCH = Path(domain.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
BELOW_THE_EDGE = [
    BENCH / "domain.py",
    BENCH / "queries.py",
    *sorted((BENCH / "commands").glob("*.py")),
]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", sorted(domain.REFUSALS))
def test_every_refusal_code_is_translated_with_its_placeholders(code: str, lang: str) -> None:
    msgid = domain.REFUSALS[code].page
    translated = catalogs.translation(lang, msgid)
    assert isinstance(translated, str) and translated.strip(), f"no {lang} text for {code}"
    assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(msgid)), (code, lang)
    api = domain.REFUSALS[code].api or ""
    assert set(PLACEHOLDER.findall(msgid)) <= set(PLACEHOLDER.findall(api)), code


def test_the_api_says_what_it_said_before_the_codes() -> None:
    edition = uuid.UUID("8d1c7a5e-0000-4000-8000-000000000001")
    said = {
        Refusal("bench.edition_not_found", {"edition_id": edition}).english: (
            f"no edition {edition}"
        ),
        Refusal("bench.question_closed", {"status": Status("answered")}).english: (
            "the question is answered"
        ),
        Refusal("bench.answer_language", {"language": "uk"}).english: (
            "answer in the asker's language (uk) or in Polish (pl)"
        ),
        Refusal("bench.only_spaces", {"least": 3}).english: (
            "write at least 3 characters (not only spaces)"
        ),
        Refusal("bench.edition_closed", {"reason": "the edition is held"}).english: (
            "this edition takes no more questions: the edition is held"
        ),
    }
    assert list(said) == list(said.values())


REFUSE = {"invalid": 1, "not_found": 0, "conflict": 0, "forbidden": 0, "Refusal": 0}


def _codes(path: Path) -> set[str]:
    """The codes a module refuses with: `invalid(field, code)`, `conflict(code)`..."""
    codes = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        # Under `make mutation` the module is mutmut's copy: each function also comes as its
        # mutants (`x_f__mutmut_7`, a code changed to "XXbench...XX" among them), which are not
        # the code the Bench runs; `x_f__mutmut_orig` is, and stays.
        if isinstance(node, ast.FunctionDef) and re.search(r"__mutmut_\d+$", node.name):
            node.body = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        name = getattr(call.func, "id", getattr(call.func, "attr", ""))
        at = REFUSE.get(name)
        if at is not None and len(call.args) > at and isinstance(call.args[at], ast.Constant):
            codes.add(call.args[at].value)
    return codes


def test_the_commands_refuse_with_codes() -> None:
    assert {c for path in BELOW_THE_EDGE for c in _codes(path)} >= {
        "bench.edition_closed",
        "bench.answer_language",
        "bench.inbound_not_waiting",
    }


@pytest.mark.parametrize("path", sorted(BENCH.rglob("*.py")), ids=lambda p: p.name)
def test_every_code_the_bench_uses_is_registered(path: Path) -> None:
    assert _codes(path) - set(WORDING) == set()


@pytest.mark.parametrize("path", BELOW_THE_EDGE, ids=lambda p: p.name)
def test_no_http_exception_below_the_web_edge(path: Path) -> None:
    """A refusal written as Conflict("...") would reach the pages in English only."""
    source = path.read_text(encoding="utf-8")
    assert "litestar" not in source
    assert not re.search(r"\b(Conflict|field_error|NotFoundException|HTTPException)\b", source)
