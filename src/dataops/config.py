"""Settings read from the environment once at start-up, validated, and passed down.

A bad value raises ConfigError with one line that names the variable; the CLI prints it and
exits non-zero, so a misconfigured engine never starts half-way.
"""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dataops.model.actors import ReviewPolicy
from dataops.model.values import parse_digits
from dataops.store.schema import TABLES, TRANSACTIONS


class ConfigError(Exception):
    """One line that says which variable is wrong and what is accepted."""


class Environment(StrEnum):
    LOCAL = "local"
    TEST = "test"
    PRODUCTION = "production"


class AuthMode(StrEnum):
    SESSION = "session"
    PORTAL = "portal"
    NONE = "none"


@dataclass(frozen=True)
class StoreLocation:
    """`sqlite` with a path (or `:memory:`), or `dynamodb`."""

    kind: str
    path: str = ""

    @property
    def is_file(self) -> bool:
        """A SQLite database file (not `:memory:`): it exists or not, and can be reopened."""
        return self.kind == "sqlite" and self.path != ":memory:"

    def file(self) -> Path:
        """The database file, absolute (relative paths are read from the working folder)."""
        return Path(self.path).absolute()

    def describe(self) -> str:
        """Where the store is, as people should read it: the absolute path of a file."""
        if self.is_file:
            return str(self.file())
        return f"{self.kind}:///{self.path}" if self.path else f"{self.kind}://"


@dataclass(frozen=True)
class BlobLocation:
    """`local-dev` with a directory, or `s3` with a bucket and an optional key prefix."""

    kind: str
    path: str = ""
    bucket: str = ""
    prefix: str = ""


E = TypeVar("E", bound=StrEnum)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_MAX_UPLOAD_BYTES = 104_857_600
DEFAULT_SESSION_TTL_SECONDS = 2_592_000
# The portal secret is the only thing between the internet and any identity: 256 bits at least.
MIN_PORTAL_SECRET_BYTES = 32


@dataclass(frozen=True)
class Settings:
    env: Environment = Environment.LOCAL
    store: StoreLocation = StoreLocation("sqlite", "var/dataops.db")
    blobs: BlobLocation = BlobLocation("local-dev", path="var/blobs")
    auth_mode: AuthMode = AuthMode.SESSION
    portal_secret: str = ""
    portal_secret_name: str = ""
    auto_create_tables: bool = False
    table_names: Mapping[str, str] = field(default_factory=dict)
    export_output_dir: str = ""
    stack_name: str = ""
    region: str = ""
    git_sha: str = ""
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    session_ttl_seconds: int = DEFAULT_SESSION_TTL_SECONDS
    dynamodb_endpoint: str = ""
    # Proxies whose `X-Forwarded-For` names the client (session mode behind a reverse proxy).
    trusted_proxies: tuple[Network, ...] = ()
    # The portal's origin as browsers see it (`https://dataops.example.org`); empty: the
    # address it serves. Cookie-authenticated writes must come from this origin (CSRF).
    public_url: str = ""
    # Where a portal served alone (`dataops portal`) reaches the engine over HTTP.
    engine_url: str = ""
    # Who may approve whose artifacts, waive proof, delete workflows (model/actors.py).
    review_policy: ReviewPolicy = ReviewPolicy.OPEN
    # The team's day (`DATAOPS_TIMEZONE`): which calendar day "today" is for the home lanes,
    # overdue tasks, follow-ups and the cron runner. Timestamps stay UTC.
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    @property
    def local_storage_allowed(self) -> bool:
        """Local disk holds binaries only for development and tests (storage policy)."""
        return self.env in (Environment.LOCAL, Environment.TEST)

    @property
    def may_create_tables(self) -> bool:
        """Tables belong to the deployment in production: the engine creates missing ones only
        locally, in tests, or when told to (`DATAOPS_AUTO_CREATE_TABLES=true`)."""
        return self.local_storage_allowed or self.auto_create_tables

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env_vars = os.environ if environ is None else environ
        return _read_settings(env_vars)


@dataclass(frozen=True)
class PortalSettings:
    """What a portal served apart from its engine reads: the portal's AWS Lambda function keeps
    no data, so it reads no store, blob or table variables (nor would they mean anything)."""

    portal_secret: str = ""
    portal_secret_name: str = ""
    public_url: str = ""
    trusted_proxies: tuple[Network, ...] = ()
    # The engine's Lambda function (name or ARN) that the portal invokes.
    engine_function: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PortalSettings:
        env_vars = os.environ if environ is None else environ
        return _read_portal_settings(env_vars)


def _choice(environ: Mapping[str, str], name: str, enum: type[E], default: E) -> E:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ConfigError(f"{name}={raw!r} is not one of: {allowed}") from None


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    value = parse_digits(raw)
    if value is None or value <= 0:
        raise ConfigError(f"{name}={raw!r} must be a positive whole number")
    return value


def _flag(environ: Mapping[str, str], name: str) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise ConfigError(f"{name}={raw!r} must be true or false")


def check_portal_secret(secret: str, source: str) -> str:
    """A portal secret shorter than MIN_PORTAL_SECRET_BYTES stops start-up; `source` names
    where it came from."""
    if len(secret.encode()) < MIN_PORTAL_SECRET_BYTES:
        raise ConfigError(
            f"{source} must be at least {MIN_PORTAL_SECRET_BYTES} bytes "
            "(e.g. the output of: openssl rand -hex 32)"
        )
    return secret


def parse_trusted_proxies(raw: str) -> tuple[Network, ...]:
    """Comma-separated addresses or networks (`10.0.0.1, 10.1.0.0/16, ::1`)."""
    proxies: list[Network] = []
    for part in (piece.strip() for piece in raw.split(",")):
        if not part:
            continue
        try:
            proxies.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(
                f"DATAOPS_TRUSTED_PROXIES: {part!r} is not an IP address or network"
            ) from None
    return tuple(proxies)


def parse_origin(raw: str, name: str) -> str:
    """`scheme://host[:port]` of an http(s) URL with no path, lower-cased, default port
    dropped: the form browsers send in `Origin`."""
    parsed = urllib.parse.urlsplit(raw.strip())
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if (
        parsed.scheme not in ("http", "https")
        or not parsed.hostname
        or parsed.username is not None
        or parsed.path not in ("", "/")
        or parsed.query
        or parsed.fragment
        or port == -1
    ):
        raise ConfigError(
            f"{name}={raw!r} must be an http(s) address with no path, "
            "e.g. https://dataops.example.org"
        )
    host = parsed.hostname
    if ":" in host:
        host = f"[{host}]"
    default_port = 443 if parsed.scheme == "https" else 80
    return f"{parsed.scheme}://{host}" + (f":{port}" if port not in (None, default_port) else "")


def parse_timezone(raw: str) -> ZoneInfo:
    """An IANA time zone name (`Europe/Berlin`, `America/New_York`, `UTC`)."""
    name = raw.strip()
    if not name:
        return ZoneInfo("UTC")
    try:
        # Names only: a path (`../etc`) or a file name is not a zone, whatever the disk holds.
        if name.startswith(("/", ".")) or ".." in name or "\\" in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"DATAOPS_TIMEZONE={raw!r} is not an IANA time zone name, "
            "e.g. UTC, Europe/Berlin or America/New_York"
        ) from None


def parse_store(raw: str) -> StoreLocation:
    """`sqlite:///var/x.db` is relative (`var/x.db`), `sqlite:////srv/x.db` absolute."""
    raw = raw.strip()
    if raw.startswith("sqlite:///"):
        path = raw.removeprefix("sqlite:///")
        if not path:
            raise ConfigError(f"DATAOPS_STORE={raw!r} needs a path, e.g. sqlite:///var/dataops.db")
        return StoreLocation("sqlite", path)
    if raw.startswith("dynamodb:"):
        if raw.rstrip("/") != "dynamodb:":
            raise ConfigError(
                f"DATAOPS_STORE={raw!r}: write dynamodb:// (table names come from "
                "DATAOPS_<TABLE>_TABLE, the endpoint from AWS_ENDPOINT_URL_DYNAMODB)"
            )
        return StoreLocation("dynamodb")
    raise ConfigError(
        f"DATAOPS_STORE={raw!r} must be sqlite:///<path>, sqlite:///:memory: or dynamodb://"
    )


def parse_blobs(raw: str) -> BlobLocation:
    raw = raw.strip()
    if raw.startswith("local-dev:///"):
        path = raw.removeprefix("local-dev:///")
        if not path:
            raise ConfigError(f"DATAOPS_BLOBS={raw!r} needs a directory")
        return BlobLocation("local-dev", path=path)
    if raw.startswith("s3://"):
        bucket, _, prefix = raw.removeprefix("s3://").partition("/")
        if not bucket:
            raise ConfigError(
                f"DATAOPS_BLOBS={raw!r} needs a bucket name: s3://<bucket>[/<prefix>]"
            )
        return BlobLocation("s3", bucket=bucket, prefix=prefix.strip("/"))
    raise ConfigError(
        f"DATAOPS_BLOBS={raw!r} must be local-dev:///<dir> or s3://<bucket>[/<prefix>]"
    )


def _read_settings(environ: Mapping[str, str]) -> Settings:
    env = _choice(environ, "DATAOPS_ENV", Environment, Environment.LOCAL)
    auth_mode = _choice(environ, "DATAOPS_AUTH_MODE", AuthMode, AuthMode.SESSION)
    store = parse_store(environ.get("DATAOPS_STORE", "") or "sqlite:///var/dataops.db")
    blobs = parse_blobs(environ.get("DATAOPS_BLOBS", "") or "local-dev:///var/blobs")
    portal_secret = environ.get("WORK_ENGINE_PORTAL_SECRET", "")
    portal_secret_name = environ.get("WORK_ENGINE_PORTAL_SECRET_NAME", "").strip()

    if auth_mode is AuthMode.NONE and env is not Environment.TEST:
        raise ConfigError("DATAOPS_AUTH_MODE=none is allowed only with DATAOPS_ENV=test")
    if auth_mode is AuthMode.PORTAL and not (portal_secret or portal_secret_name):
        raise ConfigError(
            "DATAOPS_AUTH_MODE=portal needs WORK_ENGINE_PORTAL_SECRET "
            "or WORK_ENGINE_PORTAL_SECRET_NAME"
        )
    if auth_mode is AuthMode.PORTAL and portal_secret:
        check_portal_secret(portal_secret, "WORK_ENGINE_PORTAL_SECRET")
    in_lambda = bool(environ.get("AWS_LAMBDA_FUNCTION_NAME"))
    if env is Environment.PRODUCTION and store.kind == "sqlite" and in_lambda:
        raise ConfigError(
            "DATAOPS_STORE=sqlite is refused in production on AWS Lambda: local disk is not "
            "durable there; use dynamodb://"
        )

    table_names = {
        table.name: environ.get(table.env_var, "").strip() or table.default_table_name
        for table in (*TABLES.values(), TRANSACTIONS)
    }
    region = (environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "").strip()
    if store.kind == "dynamodb" and not region:
        raise ConfigError("DATAOPS_STORE=dynamodb:// needs AWS_REGION (or AWS_DEFAULT_REGION)")
    return Settings(
        env=env,
        store=store,
        blobs=blobs,
        auth_mode=auth_mode,
        portal_secret=portal_secret,
        portal_secret_name=portal_secret_name,
        auto_create_tables=_flag(environ, "DATAOPS_AUTO_CREATE_TABLES"),
        table_names=table_names,
        export_output_dir=environ.get("EXPORT_OUTPUT_DIR", "").strip(),
        stack_name=environ.get("AWS_STACK_NAME", "").strip(),
        region=region,
        git_sha=(environ.get("APP_GIT_SHA") or environ.get("GITHUB_SHA") or "").strip(),
        max_upload_bytes=_positive_int(
            environ, "DATAOPS_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES
        ),
        session_ttl_seconds=_positive_int(
            environ, "DATAOPS_SESSION_TTL_SECONDS", DEFAULT_SESSION_TTL_SECONDS
        ),
        # boto3 reads AWS_ENDPOINT_URL_DYNAMODB itself; DYNAMODB_ENDPOINT is the name local
        # emulators document.
        dynamodb_endpoint=(
            environ.get("AWS_ENDPOINT_URL_DYNAMODB") or environ.get("DYNAMODB_ENDPOINT") or ""
        ).strip(),
        trusted_proxies=parse_trusted_proxies(environ.get("DATAOPS_TRUSTED_PROXIES", "")),
        public_url=_origin(environ, "DATAOPS_PUBLIC_URL"),
        engine_url=_origin(environ, "DATAOPS_ENGINE_URL"),
        review_policy=_choice(environ, "DATAOPS_REVIEW_POLICY", ReviewPolicy, ReviewPolicy.OPEN),
        timezone=parse_timezone(environ.get("DATAOPS_TIMEZONE", "")),
    )


def _read_portal_settings(environ: Mapping[str, str]) -> PortalSettings:
    portal_secret = environ.get("WORK_ENGINE_PORTAL_SECRET", "")
    portal_secret_name = environ.get("WORK_ENGINE_PORTAL_SECRET_NAME", "").strip()
    if not (portal_secret or portal_secret_name):
        raise ConfigError(
            "the portal needs WORK_ENGINE_PORTAL_SECRET or WORK_ENGINE_PORTAL_SECRET_NAME"
        )
    if portal_secret:
        check_portal_secret(portal_secret, "WORK_ENGINE_PORTAL_SECRET")
    return PortalSettings(
        portal_secret=portal_secret,
        portal_secret_name=portal_secret_name,
        public_url=_origin(environ, "DATAOPS_PUBLIC_URL"),
        trusted_proxies=parse_trusted_proxies(environ.get("DATAOPS_TRUSTED_PROXIES", "")),
        engine_function=environ.get("DATAOPS_ENGINE_FUNCTION", "").strip(),
    )


def _origin(environ: Mapping[str, str], name: str) -> str:
    raw = environ.get(name, "").strip()
    return parse_origin(raw, name) if raw else ""
