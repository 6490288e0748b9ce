"""The HTTP API of incident reports: `public` (anyone reports) and `team` (the response team
and the coordinator read, triage and refer; the coordinator keeps the team)."""

from __future__ import annotations

from services.incidents.api import public, team

route_handlers = [
    public.report,
    team.list_reports,
    team.get_report,
    team.triage,
    team.list_team,
    team.add_member,
]
