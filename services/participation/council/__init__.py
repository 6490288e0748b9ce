"""Council on Equal Treatment: open call, members, meetings, minutes, resolutions."""

route_handlers: list = []
consumers: list = []
jobs: list = []
cron_jobs: list = []
background: list = []
