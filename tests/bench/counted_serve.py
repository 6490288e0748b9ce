"""`openkrakow` with every SQL statement its pools run counted (the bench's dashboard-per-event
part): `python -m tests.bench.counted_serve serve indicators --parts web,background`.

Each pooled connection gets an asyncpg query logger once it is set up; the count is served
with the service's own metrics at /metrics as `openkrakow_bench_sql_statements_total`. Only the
benchmark runs this; the platform itself counts nothing of the kind.
"""

from __future__ import annotations

import sys

import asyncpg
from prometheus_client import Counter

import shared.db

STATEMENTS = Counter(
    "openkrakow_bench_sql_statements", "SQL statements run by this process's pooled connections"
)
_set_up = shared.db._init_connection


async def _counted(conn: asyncpg.Connection) -> None:
    await _set_up(conn)  # its type introspection is not the dashboard's work
    conn.add_query_logger(lambda record: STATEMENTS.inc())


shared.db._init_connection = _counted  # create_pool reads it when each pool is made

if __name__ == "__main__":
    from services.cli import main

    sys.exit(main(sys.argv[1:]))
