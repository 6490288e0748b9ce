"""The header's areas per role, the current one, and the front page's grants link."""

from __future__ import annotations

from shared.auth import Principal
from shared.web.navigation import areas_for, current_href, grants_page


def _hrefs(*roles: str, served: frozenset[str] | None = None) -> list[str]:
    return [a.href for a in areas_for(Principal(subject="p", roles=roles), served)]


def test_a_person_with_two_roles_gets_the_areas_of_both_once_in_order() -> None:
    assert _hrefs("responder", "council_secretary") == ["/work", "/bench/staff", "/council/staff"]
    assert _hrefs("coordinator", "council_secretary").count("/council/staff") == 1


def test_an_area_this_process_does_not_serve_is_not_linked() -> None:
    assert _hrefs("juror", served=frozenset({"/work"})) == ["/work"]
    assert areas_for(None) == []


def test_the_current_area_is_the_longest_one_the_path_lies_in() -> None:
    hrefs = ["/work", "/grants", "/grants/coordinator", "/bench/staff"]
    assert current_href("/grants/coordinator/calls/1", hrefs) == "/grants/coordinator"
    assert current_href("/grants/applications/1", hrefs) == "/grants"
    assert current_href("/bench/staff", hrefs) == "/bench/staff"
    assert current_href("/bench/staffroom", hrefs) is None
    assert current_href("/", hrefs) is None


def test_small_grants_on_the_front_page_leads_each_role_where_it_may_go() -> None:
    def page(*roles: str) -> str | None:
        return grants_page(Principal(subject="p", roles=roles))

    assert page("coordinator") == "/grants/coordinator"
    assert page("evaluator") == "/grants/evaluate"
    assert page("ngo") == "/grants"
    # Roles with no grants work of their own, and visitors: the public calls and awards.
    assert page("juror") == "/grants/calls" and page("responder") == "/grants/calls"
    assert grants_page(None) == "/grants/calls"
    assert grants_page(None, frozenset({"/work"})) is None
