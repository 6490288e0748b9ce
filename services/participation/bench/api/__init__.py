"""The Bench's JSON API by audience: `public.py` (editions, asking, tracking: residents and
anyone), `staff.py` (coordinator and responders). Handlers parse input, call one command or
query, and say its answer."""

from services.participation.bench.api import public, staff

route_handlers = [*public.route_handlers, *staff.route_handlers]
