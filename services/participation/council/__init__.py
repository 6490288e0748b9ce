"""Council on Equal Treatment: open call, members, meetings, minutes, resolutions."""

from services.participation.council import jobs as council_jobs
from services.participation.council import open_data, people, privacy
from services.participation.council.api import member as api_member
from services.participation.council.api import public as api_public
from services.participation.council.api import staff as api_staff
from services.participation.council.pages import member as pages_member
from services.participation.council.pages import my as pages_my
from services.participation.council.pages import public as pages_public
from services.participation.council.pages import staff as pages_staff
from services.participation.council.pages import staff_people as pages_staff_people
from shared.privacy import PrivacyHooks

route_handlers = [
    *api_public.route_handlers,
    *api_staff.route_handlers,
    *api_member.route_handlers,
    *pages_public.route_handlers,
    *pages_member.route_handlers,
    *pages_staff.route_handlers,
    *pages_staff_people.route_handlers,
    *pages_my.route_handlers,
]
consumers: list = []
jobs = [*council_jobs.jobs]
cron_jobs = [*council_jobs.cron_jobs]
background: list = []
privacy_hooks = PrivacyHooks(export=privacy.export, erase=privacy.erase)
people_hooks = people.hooks
datasets = open_data.datasets
