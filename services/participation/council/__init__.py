"""Council on Equal Treatment: open call, members, meetings, minutes, resolutions."""

from services.participation.council import (
    api_meetings,
    api_members,
    api_minutes,
    pages,
    privacy,
    staff_pages,
)
from services.participation.council import (
    jobs as council_jobs,
)
from shared.privacy import PrivacyHooks

route_handlers = [
    *api_members.route_handlers,
    *api_meetings.route_handlers,
    *api_minutes.route_handlers,
    *pages.route_handlers,
    *staff_pages.route_handlers,
]
consumers: list = []
jobs = [*council_jobs.jobs]
cron_jobs = [*council_jobs.cron_jobs]
background: list = []
privacy_hooks = PrivacyHooks(export=privacy.export, erase=privacy.erase)
