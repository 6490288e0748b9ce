"""The `openkrakow` command: run the platform, its parts, and the operator's tools."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import getpass
import json
import logging
import signal
import sys
import uuid
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from shared.config import Settings, listen_port, load_settings
from shared.logs import configure_logging
from shared.versions import UnsupportedServer

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


def running_embedded_urls(data_dir: Path) -> tuple[str, str, str] | None:
    """URLs of the embedded servers of an `openkrakow run` using this data folder, if it runs."""
    from shared.embedded import DATABASE_NAME, PG_SUPERUSER

    servers = data_dir / "servers"
    lock = servers / "embedded.lock"
    if not lock.exists():
        return None
    with lock.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            ports = json.loads((servers / "ports.json").read_text())
            return (
                f"postgresql://{PG_SUPERUSER}@127.0.0.1:{ports['postgres']}/{DATABASE_NAME}",
                f"nats://127.0.0.1:{ports['nats']}",
                f"redis://127.0.0.1:{ports['redis']}/0",
            )
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None


async def tool_servers(settings: Settings) -> tuple[Settings, object | None]:
    """Servers for an operator tool: a running platform's embedded ones, else started here."""
    if settings.embedded and (urls := running_embedded_urls(settings.data_dir)):
        import msgspec

        settings = msgspec.structs.replace(
            settings,
            database_url=settings.database_url or urls[0],
            nats_url=settings.nats_url or urls[1],
            redis_url=settings.redis_url or urls[2],
        )
        return settings, None
    return await _with_servers(settings)


def settings_for(host: str, port: int) -> Settings:
    """The settings of a process listening on host:port (the worker and relay listen nowhere:
    their links follow `PORT`), so that links in mail point where the pages are."""
    return load_settings(host=host or None, port=port or None)


async def serve(host: str, port: int, parts: frozenset[str], only: Sequence[str] | None) -> None:
    """Run the chosen parts (and the web app when 'web' is among them) until SIGINT/SIGTERM."""
    import uvicorn

    from services.registry import all_services
    from shared.app import build_app
    from shared.runtime import Runtime

    settings = settings_for(host, port)
    configure_logging(settings.log_level, settings.log_format)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    settings, servers = await _with_servers(settings)
    services = [s for s in all_services() if only is None or s.name in only]
    # The privacy part reaches every schema through each service's own hooks, so a process
    # serving it opens every service's pool; only the chosen services' routes and parts run.
    privacy = any(s.name == "privacy" for s in services)
    runtime = Runtime(settings, all_services() if privacy else services)
    try:
        await runtime.connect()
        await runtime.start_parts(parts - {"web"}, only)
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


async def privacy_command(action: str, email: str, subject: str | None) -> int:
    """`openkrakow privacy export|erase`: the whole request in this process; JSON on stdout."""
    import msgspec

    from services.registry import all_services
    from shared.privacy import Person, normalise_email
    from shared.privacy import coordinator as co
    from shared.runtime import Runtime

    try:
        person = Person(email=normalise_email(email), subject=subject or None)
    except ValueError:
        print(f"openkrakow privacy: {email!r} is not an e-mail address", file=sys.stderr)
        return 2
    settings, servers = await tool_servers(load_settings())
    runtime = Runtime(settings, all_services())
    by = f"cli:{getpass.getuser()}"
    try:
        await runtime.connect(pool_size=2)
        if action == "export":
            document: object = await co.export(runtime, person, by=by)
            failed: list[str] = []
        else:
            async with runtime.pool(co.SCHEMA).acquire() as conn, conn.transaction():
                view, _ = await co.request_erasure(conn, runtime, person, by=by)
            document, failed = await co.process(runtime, view.id)
            if failed:
                await co.enqueue(runtime, view.id, defer_by=co.RETRY_DELAYS[0])
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(document), indent=2).decode())
        sys.stdout.write("\n")
        if failed:
            print(
                f"openkrakow privacy: not finished in {', '.join(failed)}; the worker retries it",
                file=sys.stderr,
            )
            return 1
        return 0
    finally:
        await runtime.close()
        if servers is not None:
            await servers.stop()  # type: ignore[attr-defined]


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
    run.add_argument("--port", type=int, default=None, help="default: PORT, else 8000")

    srv = sub.add_parser("serve", help="one service's web API and consumers")
    srv.add_argument(
        "service", choices=["participation", "grants", "ambassadors", "indicators", "privacy"]
    )
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=None, help="default: PORT, else 8000")
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

    priv = sub.add_parser(
        "privacy", help="a person's data on request: export it (GDPR art. 15) or erase it (art. 17)"
    )
    priv.add_argument("action", choices=["export", "erase"])
    priv.add_argument("--email", required=True, help="the person's e-mail address")
    priv.add_argument("--subject", help="their subject id, when they sign in to the platform")

    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            _run(
                serve(
                    args.host,
                    args.port if args.port is not None else listen_port(),
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
            port = args.port if args.port is not None else listen_port()
            _run(serve(args.host, port, parts, [args.service]))
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
        elif args.command == "privacy":
            return asyncio.run(privacy_command(args.action, args.email, args.subject))
    except (ValueError, UnsupportedServer) as exc:
        print(f"openkrakow: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
