"""The `openkrakow` command: run the platform, its parts, and the operator's tools.

The composition root: the one module (with services/registry.py) that knows every service.
A service's own operator commands (`openkrakow indicators rebuild`) are `Command`s on its
`ServiceSpec`; this module lists them."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import getpass
import logging
import signal
import sys
import uuid
from collections.abc import Sequence

from shared.config import Settings, listen_port, load_settings
from shared.logs import configure_logging
from shared.runtime import ServerUnreachable
from shared.servers import run_loop, tool_servers, with_servers
from shared.versions import UnsupportedServer

log = logging.getLogger("openkrakow")
KEEP_ALIVE_SECONDS = 75


def settings_for(host: str, port: int) -> Settings:
    """The settings of a process listening on host:port (the worker and relay listen nowhere:
    their links follow `PORT`), so that links in mail point where the pages are."""
    return load_settings(host=host or None, port=port or None)


async def serve(
    host: str,
    port: int,
    parts: frozenset[str],
    only: Sequence[str] | None,
    ops: tuple[str, int] | None = None,
) -> None:
    """Run the chosen parts (and the web app when 'web' is among them) until SIGINT/SIGTERM.
    `ops` (host, port), for a process without the web part (relay, worker): /health and
    /metrics alone there (its links in mail still follow `HOST` and `PORT`)."""
    import uvicorn

    from services.registry import all_services
    from shared.app import build_app, build_ops_app
    from shared.runtime import Runtime

    settings = settings_for(host, port)
    configure_logging(settings.log_level, settings.log_format)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    settings, servers = await with_servers(settings)
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
        elif ops is not None:
            app, (host, port) = build_ops_app(runtime), ops
        else:
            app = None
        # Everything made so far lives as long as the process: out of the collector's sight,
        # a full collection no longer walks it (the bench's dashboard page waited 75-244 ms
        # behind such collections: `openkrakow_gc_pause_seconds`).
        gc.collect()
        gc.freeze()
        if app is not None:
            config = uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level="warning",
                lifespan="on",
                proxy_headers=False,
                # Longer than a proxy's idle timeout (nginx and most balancers: 60 s), so the
                # server never closes a kept-alive connection just as a request is sent on it
                # (uvicorn's default, 5 s, gives those requests a 502 or a reset).
                timeout_keep_alive=KEEP_ALIVE_SECONDS,
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


async def addresses_command(action: str) -> int:
    """`openkrakow addresses check|fix`: stored e-mail addresses against shared.addresses."""
    from services.registry import all_services
    from shared import address_audit
    from shared.runtime import Runtime

    settings, servers = await tool_servers(load_settings())
    runtime = Runtime(settings, all_services())
    try:
        await runtime.connect(pool_size=2)
        schemas = sorted({spec.schema for spec in runtime.services if spec.schema})
        reports = await address_audit.audit(
            {schema: runtime.pool(schema) for schema in schemas}, fix=action == "fix"
        )
        print("column\tnormalised\tto_normalise\tunusable\tfixed\tkept")
        for r in reports:
            print(
                f"{r.schema}.{r.table}.{r.column}\t{r.normalised}\t{r.to_normalise}\t"
                f"{r.unusable}\t{r.fixed}\t{r.kept}"
            )
        pending = sum(r.to_normalise - r.fixed for r in reports)
        return 1 if pending or any(r.unusable for r in reports) else 0
    finally:
        await runtime.close()
        if servers is not None:
            await servers.stop()  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    from services.registry import all_services

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
        "service",
        choices=[
            "participation",
            "grants",
            "ambassadors",
            "incidents",
            "observatory",
            "indicators",
            "privacy",
        ],
    )
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=None, help="default: PORT, else 8000")
    srv.add_argument(
        "--parts",
        default="web,consumers,background",
        help="comma-separated parts to run: web, consumers, background (default: all three)",
    )

    ops = {
        "worker": sub.add_parser("worker", help="the arq worker (mail, reminders, escalations)"),
        "relay": sub.add_parser(
            "relay", help="the outbox relays of every schema (one active, others stand by)"
        ),
    }
    for part in ops.values():
        part.add_argument("--host", default="127.0.0.1", help="where --port listens")
        part.add_argument(
            "--port",
            type=int,
            default=None,
            help="serve /health and /metrics (alone) on this port; default: no HTTP",
        )

    tok = sub.add_parser("token", help="print an API token the local platform accepts")
    tok.add_argument("--role", required=True)
    tok.add_argument("--subject", required=True)
    tok.add_argument("--org")
    tok.add_argument("--ttl", type=int, default=3600)

    link = sub.add_parser("login-link", help="print a one-time sign-in URL for the pages")
    link.add_argument("--role", required=True)
    link.add_argument("--subject", required=True)
    link.add_argument("--org")

    commands = {}
    for spec in all_services():
        for command in spec.commands:
            commands[command.name] = command
            command.configure(sub.add_parser(command.name, help=command.help))

    priv = sub.add_parser(
        "privacy", help="a person's data on request: export it (GDPR art. 15) or erase it (art. 17)"
    )
    priv.add_argument("action", choices=["export", "erase"])
    priv.add_argument("--email", required=True, help="the person's e-mail address")
    priv.add_argument("--subject", help="their subject id, when they sign in to the platform")

    addr = sub.add_parser(
        "addresses",
        help="stored e-mail addresses checked as mail reads them: counts per column; "
        "fix rewrites those with another normalised form",
    )
    addr.add_argument("action", choices=["check", "fix"])

    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            run_loop(
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
            run_loop(serve(args.host, port, parts, [args.service]))
        elif args.command in ("worker", "relay"):
            if args.port is not None and not 0 < args.port < 65536:
                parser.error(f"--port: a TCP port from 1 to 65535 (got {args.port})")
            ops = (args.host, args.port) if args.port is not None else None
            run_loop(serve("", 0, frozenset({args.command}), None, ops=ops))
        elif args.command == "token":
            return _token(args)
        elif args.command == "login-link":
            return _login_link(args)
        elif args.command in commands:
            return commands[args.command].run(args)
        elif args.command == "privacy":
            return asyncio.run(privacy_command(args.action, args.email, args.subject))
        elif args.command == "addresses":
            return asyncio.run(addresses_command(args.action))
    except (ValueError, UnsupportedServer) as exc:
        print(f"openkrakow: {exc}", file=sys.stderr)
        return 2
    except ServerUnreachable as exc:
        print(f"openkrakow: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
