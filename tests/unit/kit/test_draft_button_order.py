"""In every form that offers machine drafts, saving comes first: the first submit button of a
form is what Enter in one of its fields presses, and Enter must never ask for drafts instead."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DRAFT = "forms.draft_button("
FORM_START = re.compile(r"forms\.form\(|<form\b")
SUBMIT = re.compile(r'forms\.submit\(|type="submit"')


def templates_with_drafts() -> list[Path]:
    return [
        p
        for p in sorted((ROOT / "services").rglob("templates/**/*.html"))
        if DRAFT in p.read_text(encoding="utf-8")
    ]


def test_every_form_offering_drafts_has_its_save_button_first() -> None:
    found = templates_with_drafts()
    assert len(found) >= 8, found  # grants, council, Bench, ambassadors, observatory
    wrong = []
    for path in found:
        text = path.read_text(encoding="utf-8")
        for draft in re.finditer(re.escape(DRAFT), text):
            starts = [m.end() for m in FORM_START.finditer(text, 0, draft.start())]
            if not starts:
                continue  # a macro of its own (the form is around its call)
            if not SUBMIT.search(text, starts[-1], draft.start()):
                line = text.count("\n", 0, draft.start()) + 1
                wrong.append(f"{path.relative_to(ROOT)}:{line}")
    assert not wrong, f"the drafts button comes before saving in: {wrong}"
