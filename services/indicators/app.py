"""The indicators service: projections of the event stream, dashboard, annual report."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.indicators import (
    api,
    background,
    changes,
    consumers,
    datasets,
    jobs,
    pages,
    people,
)
from shared.people import PeopleHooks
from shared.runtime import Command, ServiceSpec
from shared.servers import run_loop

HERE = Path(__file__).parent


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["rebuild"], help="rebuild: replay the stream")


def _run(args: argparse.Namespace) -> int:
    from services.indicators.rebuild import rebuild_command  # loaded only for this command

    return int(run_loop(rebuild_command()))


service = ServiceSpec(
    name="indicators",
    schema="indicators",
    migrations=HERE / "migrations",  # rebuild.MIGRATIONS names the same folder
    route_handlers=[*api.route_handlers, *pages.route_handlers],
    consumers=consumers.consumers,
    background=[changes.listen, background.advance_overdue],
    on_start=[consumers.drop_old_consumer],
    commands=[Command("indicators", "indicator tools", _configure, _run)],
    people=PeopleHooks(identities=people.identities, open_work=people.open_work),
    datasets=datasets.datasets,
    jobs=jobs.jobs,
    cron_jobs=jobs.cron_jobs,
)
