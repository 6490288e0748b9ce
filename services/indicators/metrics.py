"""Prometheus metrics of the indicators service (served at /metrics by the kit, shared/app.py)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

FRESHNESS = Histogram(
    "openkrakow_indicator_freshness_seconds",
    "Time from an event's commit in its service (its occurred_at) to the indicator change it "
    "causes being committed and visible",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
EVENTS_APPLIED = Counter(
    "openkrakow_indicator_events_applied_total",
    "Events applied to the indicator projection",
    ["type"],
)
INDICATOR_CHANGES = Counter(
    "openkrakow_indicator_changes_total", "Indicator changes announced to live dashboards"
)
STREAM_CLIENTS = Gauge("openkrakow_indicator_stream_clients", "Open Server-Sent Event streams")
REBUILD_EVENTS = Counter("openkrakow_indicator_rebuild_events_total", "Events replayed by rebuilds")
