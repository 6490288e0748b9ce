"""HTTP API of the small grants (contract routes fixed; the rest designed for officers and NGOs),
by audience: public.py, ngo.py, coordinator.py, evaluator.py.

Handlers parse the request, call one command (services/grants/commands.py) or query
(services/grants/queries.py) and answer; refusals become problem details app-wide
(`shared.http.refused_handler`)."""

from __future__ import annotations

from services.grants.api import coordinator, evaluator, ngo, public

route_handlers = [
    ngo.register_organisation,
    ngo.my_organisation,
    coordinator.create_call,
    coordinator.update_call,
    public.list_calls,
    public.get_call,
    ngo.create_application,
    coordinator.call_applications,
    ngo.my_applications,
    ngo.get_application,
    ngo.edit_application,
    ngo.submit_application,
    ngo.withdraw_application,
    coordinator.add_evaluator,
    coordinator.call_pool,
    coordinator.remove_evaluator,
    coordinator.formal_check,
    evaluator.submit_evaluation,
    evaluator.list_evaluations,
    evaluator.evaluation_queue,
    coordinator.get_ranking,
    coordinator.decide,
    public.published_awards,
    ngo.submit_report,
    coordinator.review_report,
]
