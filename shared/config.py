"""Settings read from environment variables; one place lists them all (README mirrors it)."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

# Rate limits (shared/ratelimit.py): "count/period" windows joined by ";", per rule.
RATE_LIMIT_DEFAULTS = {
    "questions": "10/minute;100/day",
    "forms": "10/minute;100/day",
    "mail_address": "10/hour;30/day",
    "token_failures": "10/minute;100/day",
    "smtp_sender": "20/hour",
    "smtp_peer": "100/hour",
}


class Settings(msgspec.Struct, kw_only=True):
    """Everything the platform reads from its environment."""

    data_dir: Path
    database_url: str | None = None
    nats_url: str | None = None
    redis_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = None
    token_issuer: str = "openkrakow-local"
    token_audience: str = "openkrakow"
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_audience: str | None = None
    oidc_roles_claim: str = "roles"
    oidc_client_auth: str = "client_secret_basic"
    smtp_url: str | None = None
    smtp_ca_file: Path | None = None
    outgoing_mail_dir: Path | None = None
    mail_from: str = "Otwarty Kraków <no-reply@openkrakow.local>"
    mail_retry_delays: tuple[int, ...] = (5, 15, 30, 60, 120, 300, 600)
    mail_sweep_seconds: int = 60
    job_timeout_seconds: int = 120
    # /health answers 503 naming a consumer or relay that has not been running this long.
    health_grace_seconds: int = 60
    # How long a starting process waits for PostgreSQL and NATS before it gives up.
    startup_wait_seconds: int = 60
    smtp_intake_host: str = "127.0.0.1"
    smtp_intake_port: int = 2525
    intake_domain: str = "openkrakow.local"
    stream_name: str = "OPENKRAKOW"
    stream_replicas: int = 1
    stream_max_bytes: int = 2 * 1024**3
    log_level: str = "INFO"
    log_format: str = "json"
    rate_limits: bool = True
    rate_limit_questions: str = RATE_LIMIT_DEFAULTS["questions"]
    rate_limit_forms: str = RATE_LIMIT_DEFAULTS["forms"]
    rate_limit_mail_address: str = RATE_LIMIT_DEFAULTS["mail_address"]
    rate_limit_token_failures: str = RATE_LIMIT_DEFAULTS["token_failures"]
    rate_limit_smtp_sender: str = RATE_LIMIT_DEFAULTS["smtp_sender"]
    rate_limit_smtp_peer: str = RATE_LIMIT_DEFAULTS["smtp_peer"]
    trusted_proxies: tuple[str, ...] = ()
    # Coordinators who may sign in by e-mail (a city without an OIDC issuer, or its first
    # coordinator): addresses as stored (shared.addresses.normalise).
    coordinator_emails: tuple[str, ...] = ()
    # An optional machine-translation provider (LibreTranslate-compatible `POST /translate`):
    # staff forms then offer drafts of translations to correct (shared/content.py).
    translation_url: str | None = None
    translation_api_key: str | None = None

    @property
    def embedded(self) -> bool:
        """True when at least one server must be started by the platform itself."""
        return not (self.database_url and self.nats_url and self.redis_url)

    @property
    def mail_dir(self) -> Path:
        """Where outgoing mail is written as .eml files when no SMTP_URL is set."""
        return self.outgoing_mail_dir or self.data_dir / "mail"


def _addresses(name: str) -> tuple[str, ...]:
    """A comma-separated list of e-mail addresses, each as stored; a wrong one stops the start."""
    from shared import addresses

    found = []
    for raw in (_opt(name) or "").split(","):
        if raw.strip():
            try:
                found.append(addresses.normalise(raw))
            except ValueError as exc:
                raise ValueError(f"{name}: {raw.strip()!r} is not an e-mail address") from exc
    return tuple(found)


def _opt(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _switch(name: str, default: bool) -> bool:
    value = (_opt(name) or "").lower()
    if not value:
        return default
    if value in ("on", "true", "yes", "1"):
        return True
    if value in ("off", "false", "no", "0"):
        return False
    raise ValueError(f"{name}={value!r}: use on or off")


def _seconds_list(name: str) -> tuple[int, ...] | None:
    value = _opt(name)
    if value is None:
        return None
    try:
        delays = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise ValueError(
            f"{name} must be whole seconds separated by commas, e.g. 5,15,30"
        ) from None
    if not delays or any(d < 1 for d in delays):
        raise ValueError(f"{name} must list at least one delay, each of 1 second or more")
    return delays


def _positive(name: str, default: int) -> int:
    value = _opt(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a whole number of seconds, 1 or more")
    return int(value)


def _file(name: str) -> Path | None:
    value = _opt(name)
    if value is None:
        return None
    if not Path(value).is_file():
        raise ValueError(f"{name}={value!r}: no such file")
    return Path(value).resolve()


OIDC_CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


def _client_auth(value: str | None) -> str:
    if value is None:
        return "client_secret_basic"
    if value not in OIDC_CLIENT_AUTH_METHODS:
        raise ValueError(f"OIDC_CLIENT_AUTH={value!r}: use {' or '.join(OIDC_CLIENT_AUTH_METHODS)}")
    return value


DEFAULT_PORT = 8000


def listen_port() -> int:
    """The web port when none is given on the command line: `PORT`, else 8000."""
    value = _opt("PORT")
    if value is None:
        return DEFAULT_PORT
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ValueError(f"PORT={value!r}: use a port number between 1 and 65535")
    return int(value)


def default_public_url(host: str | None = None, port: int | None = None) -> str:
    """The address people use when `PUBLIC_URL` is not set: where the web app listens.

    A wildcard or empty host (0.0.0.0, ::) is reached on the loopback address; an IPv6 host
    is written in brackets.
    """
    host = (host or "").strip()
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port if port is not None else listen_port()}"


def load_settings(
    *, host: str | None = None, port: int | None = None, **overrides: object
) -> Settings:
    """Read settings from the environment; keyword overrides win (used by tests and the CLI).

    `host` and `port` are where the web app listens (`openkrakow run --host/--port`); without
    `PUBLIC_URL` the links in mail and `login-link` point there (the port defaults to `PORT`).
    """
    env: dict[str, object] = {
        "data_dir": Path(os.environ.get("OPENKRAKOW_DATA", ".openkrakow")).resolve(),
        "database_url": _opt("DATABASE_URL"),
        "nats_url": _opt("NATS_URL"),
        "redis_url": _opt("REDIS_URL"),
        "public_url": (_opt("PUBLIC_URL") or default_public_url(host, port)).rstrip("/"),
        "secret_key": _opt("OPENKRAKOW_SECRET_KEY"),
        "token_issuer": _opt("TOKEN_ISSUER") or "openkrakow-local",
        "token_audience": _opt("TOKEN_AUDIENCE") or "openkrakow",
        "oidc_issuer": _opt("OIDC_ISSUER"),
        "oidc_client_id": _opt("OIDC_CLIENT_ID"),
        "oidc_client_secret": _opt("OIDC_CLIENT_SECRET"),
        "oidc_audience": _opt("OIDC_AUDIENCE"),
        "oidc_roles_claim": _opt("OIDC_ROLES_CLAIM") or "roles",
        "oidc_client_auth": _client_auth(_opt("OIDC_CLIENT_AUTH")),
        "smtp_url": _opt("SMTP_URL"),
        "smtp_ca_file": _file("SMTP_CA_FILE"),
        "outgoing_mail_dir": Path(p).resolve() if (p := _opt("OUTGOING_MAIL_DIR")) else None,
        "mail_from": _opt("MAIL_FROM") or "Otwarty Kraków <no-reply@openkrakow.local>",
        "mail_retry_delays": _seconds_list("MAIL_RETRY_DELAYS") or (5, 15, 30, 60, 120, 300, 600),
        "mail_sweep_seconds": _positive("MAIL_SWEEP_SECONDS", 60),
        "job_timeout_seconds": _positive("JOB_TIMEOUT_SECONDS", 120),
        "health_grace_seconds": _positive("HEALTH_GRACE_SECONDS", 60),
        "startup_wait_seconds": _positive("STARTUP_WAIT_SECONDS", 60),
        "smtp_intake_host": _opt("SMTP_INTAKE_HOST") or "127.0.0.1",
        "smtp_intake_port": int(_opt("SMTP_INTAKE_PORT") or 2525),
        "intake_domain": _opt("INTAKE_DOMAIN") or "openkrakow.local",
        "stream_name": _opt("NATS_STREAM") or "OPENKRAKOW",
        "stream_replicas": int(_opt("NATS_STREAM_REPLICAS") or 1),
        "stream_max_bytes": int(_opt("NATS_STREAM_MAX_BYTES") or 2 * 1024**3),
        "log_level": (_opt("LOG_LEVEL") or "INFO").upper(),
        "log_format": _opt("LOG_FORMAT") or "json",
        "rate_limits": _switch("RATE_LIMITS", True),
        **{
            f"rate_limit_{rule}": _opt(f"RATE_LIMIT_{rule.upper()}") or default
            for rule, default in RATE_LIMIT_DEFAULTS.items()
        },
        "trusted_proxies": tuple(
            p.strip() for p in (_opt("TRUSTED_PROXIES") or "").split(",") if p.strip()
        ),
        "coordinator_emails": _addresses("COORDINATOR_EMAILS"),
        "translation_url": _opt("TRANSLATION_URL"),
        "translation_api_key": _opt("TRANSLATION_API_KEY"),
    }
    env.update(overrides)
    return Settings(**env)  # type: ignore[arg-type]
