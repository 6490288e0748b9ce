"""Pages of the small grants, by audience: the public reads calls and awards (public.py), NGOs
apply and follow (ngo.py), evaluators score (evaluator.py), the coordinator decides
(coordinator.py).

Every page works without JavaScript; forms post back here and call the same commands as the
API, so the rules are the same whichever door a person comes through. A refused form comes back
with what was typed and a message per field in the page's language
(services/grants/page_errors.py).
"""

from __future__ import annotations

from services.grants.pages import coordinator, evaluator, ngo, ngo_people, public
from services.grants.pages.common import catalogs, pages

__all__ = ["catalogs", "pages", "route_handlers"]

route_handlers = [
    public.public_calls,
    public.public_call,
    ngo.home,
    ngo.organisation_form,
    ngo.organisation_submit,
    ngo.application_form,
    ngo.application_submit,
    ngo.application_page,
    ngo.application_action,
    ngo_people.register_form,
    ngo_people.register_submit,
    ngo_people.join_form,
    ngo_people.join_submit,
    ngo_people.join_request_page,
    ngo_people.join_request_confirm,
    ngo_people.join_requests,
    ngo_people.join_request_decision,
    ngo_people.join_request_decide,
    ngo_people.report_form,
    ngo_people.report_submit,
    evaluator.evaluator_queue,
    evaluator.score_form,
    evaluator.score_submit,
    coordinator.coordinator_home,
    coordinator.coordinator_new_call,
    coordinator.coordinator_call,
    coordinator.coordinator_edit_call,
    coordinator.coordinator_update_call,
    coordinator.coordinator_decide,
    coordinator.formal_check_list,
    coordinator.formal_check_form,
    coordinator.formal_check_submit,
    coordinator.pool_page,
    coordinator.pool_add,
    coordinator.pool_remove,
    coordinator.report_page,
    coordinator.report_review,
]
