"""The HTTP API of the competition, split by audience: `public` (anyone), `coordinator`,
`jury` (jurors; the coordinator also reads the scores)."""

from __future__ import annotations

from services.ambassadors.api import coordinator, jury, public

# In the order the routes have always been listed (the OpenAPI document keeps its order).
route_handlers = [
    coordinator.create_edition,
    public.list_editions,
    public.get_edition,
    public.nominate,
    public.accept_nomination,
    public.withdraw_nomination,
    coordinator.list_nominations,
    coordinator.appoint_juror,
    coordinator.jury_progress,
    jury.my_nominations,
    jury.submit_scores,
    jury.nomination_scores,
    coordinator.ranking,
    coordinator.publish_results,
    public.get_results,
    coordinator.record_mayor_meeting,
    # The coordinator's pages' steps (issue 13), on the API too.
    coordinator.update_edition,
    coordinator.close_nominations,
    coordinator.open_nominations,
    coordinator.remove_juror,
]
