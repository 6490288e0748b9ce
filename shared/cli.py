"""The `openkrakow` command: run the platform, its parts, and the operator's tools."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import uuid
from collections.abc import Coroutine, Sequence
from typing import Any

from shared.config import Settings, load_settings
from shared.logs import configure_logging

log = logging.getLogger("openkrakow")


async def _with_servers(settings: Settings) -> tuple[Settings, object | None]:
    """Start embedded servers for whichever URLs are unset; return settings pointing at them."""
    if not settings.embedded:
        return settings, None
    from shared.embedded import EmbeddedServers

    servers = EmbeddedServers(
        settings.data_dir / "servers",
        want_postgres=settings.database_url is None,
        want_nats=settings.nats_url is None,
        want_redis=settings.redis_url is None,
    )
    await servers.start()
    import msgspec

    settings = msgspec.structs.replace(
        settings,
        database_url=settings.database_url or servers.database_url,
        nats_url=settings.nats_url or servers.nats_url,
        redis_url=settings.redis_url or servers.redis_url,
    )
    return settings, servers


async def serve(host: str, port: int, parts: frozenset[str], only: Sequence[str] | None) -> None:
    """Run the chosen parts (and the web app when 'web' is among them) until SIGINT/SIGTERM."""
    import uvicorn

    from services.registry import all_services
    from shared.app import build_app
    from shared.runtime import Runtime

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    settings, servers = await _with_servers(settings)
    services = [s for s in all_services() if only is None or s.name in only]
    runtime = Runtime(settings, services)
    try:
        await runtime.connect()
        await runtime.start_parts(parts - {"web"})
        server = None
        if "web" in parts:
            app = build_app(runtime, services)
            config = uvicorn.Config(
                app, host=host, port=port, log_level="warning", lifespan="on", proxy_headers=False
            )
            server = uvicorn.Server(config)
            server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
            serving = asyncio.create_task(server.serve())
            log.info(
                "Open Kraków platform on http://%s:%d (parts: %s)",
                host,
                port,
                ", ".join(sorted(parts)),
            )
        await stop.wait()
        log.info("stopping")
        if server is not None:
            server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(serving, timeout=10)
    finally:
        await runtime.close()
        if servers is not None:
            await servers.stop()  # type: ignore[attr-defined]


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a long-lived part on uvloop where it is installed (the default asyncio loop otherwise)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - e.g. Windows
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def _token(args: argparse.Namespace) -> int:
    from shared.auth import Authenticator

    auth = Authenticator.from_settings(load_settings())
    org = uuid.UUID(args.org) if args.org else None
    print(auth.access_token(args.subject, args.role, org=org, ttl=args.ttl))
    return 0


def _login_link(args: argparse.Namespace) -> int:
    from shared.auth import Authenticator

    settings = load_settings()
    auth = Authenticator.from_settings(settings)
    org = uuid.UUID(args.org) if args.org else None
    token = auth.login_link_token(args.subject, args.role, org=org)
    print(f"{settings.public_url}/auth/link?token={token}")
    return 0


def _indicators(args: argparse.Namespace) -> int:
    from services.indicators.rebuild import rebuild_command

    return _run(rebuild_command())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = argparse.ArgumentParser(
        prog="openkrakow", description="Open Kraków Participation Platform"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run", help="the whole platform in one process (embedded servers by default)"
    )
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))

    srv = sub.add_parser("serve", help="one service's web API and consumers")
    srv.add_argument("service", choices=["participation", "grants", "ambassadors", "indicators"])
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8000)
    srv.add_argument(
        "--parts",
        default="web,consumers,background",
        help="comma-separated parts to run: web, consumers, background (default: all three)",
    )

    sub.add_parser("worker", help="the arq worker (mail, reminders, escalations)")
    sub.add_parser("relay", help="the outbox relays of every schema (one active, others stand by)")

    tok = sub.add_parser("token", help="print an API token the local platform accepts")
    tok.add_argument("--role", required=True)
    tok.add_argument("--subject", required=True)
    tok.add_argument("--org")
    tok.add_argument("--ttl", type=int, default=3600)

    link = sub.add_parser("login-link", help="print a one-time sign-in URL for the pages")
    link.add_argument("--role", required=True)
    link.add_argument("--subject", required=True)
    link.add_argument("--org")

    ind = sub.add_parser("indicators", help="indicator tools")
    ind.add_argument("action", choices=["rebuild"])

    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            _run(
                serve(
                    args.host,
                    args.port,
                    frozenset({"web", "relay", "consumers", "worker", "background"}),
                    None,
                )
            )
        elif args.command == "serve":
            parts = frozenset(p.strip() for p in args.parts.split(",") if p.strip())
            if not parts or parts - {"web", "consumers", "background"}:
                parser.error(
                    f"--parts: choose among web, consumers, background (got {args.parts!r})"
                )
            _run(serve(args.host, args.port, parts, [args.service]))
        elif args.command == "worker":
            _run(serve("", 0, frozenset({"worker"}), None))
        elif args.command == "relay":
            _run(serve("", 0, frozenset({"relay"}), None))
        elif args.command == "token":
            return _token(args)
        elif args.command == "login-link":
            return _login_link(args)
        elif args.command == "indicators":
            return _indicators(args)
    except ValueError as exc:
        print(f"openkrakow: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
