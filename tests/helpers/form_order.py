"""The order of a form's submit buttons: the first one is what Enter in a field presses."""

from __future__ import annotations

import re

FORM = re.compile(r"<form\b.*?</form>", re.S)
SUBMIT = re.compile(r'<button\b[^>]*type="submit"[^>]*>|<input\b[^>]*type="submit"[^>]*>')
DRAFT = 'value="draft"'


def forms_with_a_draft_button(page: str) -> list[list[str]]:
    """The submit buttons (their opening tags, in order) of each form offering machine drafts."""
    found = []
    for form in FORM.findall(page):
        submits = SUBMIT.findall(form)
        if any(DRAFT in s for s in submits):
            found.append(submits)
    return found


def assert_save_comes_first(page: str, forms: int = 1) -> None:
    """At least `forms` forms offer drafts, and in each the first submit button saves."""
    found = forms_with_a_draft_button(page)
    assert len(found) >= forms, f"expected {forms} form(s) with a draft button, found {len(found)}"
    for submits in found:
        assert DRAFT not in submits[0], f"Enter would ask for drafts: {submits}"
