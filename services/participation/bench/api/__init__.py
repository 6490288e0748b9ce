"""The Bench's JSON API by audience: `public.py` (editions, asking, tracking: residents and
anyone), `staff.py` (coordinator and responders), `archive.py` (the public archive of
answers, and its staff routes). Handlers parse input, call one command or
query, and say its answer."""

from services.participation.bench.api import archive, public, staff

route_handlers = [*public.route_handlers, *staff.route_handlers, *archive.route_handlers]
