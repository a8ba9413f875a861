"""The `dataops` command: serve the engine, manage users, scheduled work and data safety.

Every command that uses the metadata store names it (its absolute path, on stderr); only the
commands that set a store up (`serve`, `engine`, `setup-local`, `demo`, `users add`, `import`)
may create one, every other command refuses a store that does not exist. A problem with the
configuration or the store ends a command with one line, never a traceback.
"""

from __future__ import annotations

import errno
import getpass
import os
import secrets
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvicorn
from starlette.applications import Starlette

from dataops import prefork
from dataops.bootstrap import (
    engine_app,
    open_engine,
    open_store,
    portal_app,
    serve_app,
    serve_secret,
)
from dataops.config import ConfigError, Environment, Settings, StoreLocation
from dataops.engine import artifact_binaries, cron, service_tokens
from dataops.engine import demo as demo_data
from dataops.engine import users as user_cases
from dataops.engine.context import Engine
from dataops.engine.paging import PageRequest
from dataops.model import jsonvalue, messages
from dataops.model.errors import DataOpsError
from dataops.model.users import Role, role_of
from dataops.store.base import Store


def _group(help_text: str) -> typer.Typer:
    # Plain help (no Rich panels): options read `--json`, not `--json <bool>`.
    return typer.Typer(
        help=help_text, no_args_is_help=True, add_completion=False, rich_markup_mode=None
    )


app = _group("DataOps work engine.")
users_app = _group("Manage user accounts.")
app.add_typer(users_app, name="users")
cron_app = _group("Scheduled work: automatic templates and notifications.")
app.add_typer(cron_app, name="cron")
artifacts_app = _group("Artifacts: register outputs for review.")
app.add_typer(artifacts_app, name="artifacts")
tokens_app = _group("Service tokens: identities for assistants and scripts (actor service:<name>).")
app.add_typer(tokens_app, name="tokens")

T = TypeVar("T")
LOGIN_FILE_NAME = "operator-login.txt"
OPERATOR_EMAIL = "operator@example.com"
# A second person, so the review flow can be tried under DATAOPS_REVIEW_POLICY=separate (what
# `make run` uses): the operator registers, the reviewer approves (or the other way round).
REVIEWER_LOGIN_FILE_NAME = "reviewer-login.txt"
REVIEWER_EMAIL = demo_data.REVIEWER_EMAIL


def settings() -> Settings:
    """Settings from the environment; a bad value ends the command with one clear line."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise usage_error(f"configuration error: {exc}") from None


def usage_error(message: str) -> typer.Exit:
    """One line on stderr and exit 2: the command could not start."""
    typer.echo(f"dataops: {message}", err=True)
    return typer.Exit(2)


def reopenable(config: Settings) -> bool:
    """Whether worker processes can open the store again (an in-memory database cannot)."""
    return config.store.kind != "sqlite" or config.store.is_file


def fail(exc: DataOpsError) -> typer.Exit:
    typer.echo(f"dataops: {exc.message}", err=True)
    return typer.Exit(1)


def store_of(config: Settings, *, create: bool = False) -> Store:
    """The configured store, named on stderr; missing (unless `create`) or unusable: one line."""
    return _named(config, lambda: open_store(config, create=create))


def engine_of(config: Settings, *, create: bool = False) -> Engine:
    """The engine with both stores, named as `store_of` does."""
    return _named(config, lambda: open_engine(config, create=create))


def _named(config: Settings, opener: Callable[[], T]) -> T:
    try:
        opened = opener()
    except ConfigError as exc:
        raise usage_error(str(exc)) from None
    typer.echo(f"Store: {config.store.describe()}", err=True)
    return opened


def close(engine: Engine) -> None:
    engine.store.close()
    engine.hasher.close()
    if engine.blobs is not None:
        engine.blobs.close()


@contextmanager
def opened_engine(*, create: bool = False) -> Iterator[Engine]:
    """The engine of the configured store for one command (named as `store_of` does): a domain
    error ends the command with its message (exit 1); the stores close whatever happens."""
    eng = engine_of(settings(), create=create)
    try:
        yield eng
    except DataOpsError as exc:
        raise fail(exc) from None
    finally:
        close(eng)


def login_file(config: Settings) -> Path | None:
    """Where a local installation keeps its operator login: beside the database file."""
    return config.store.file().parent / LOGIN_FILE_NAME if config.store.is_file else None


def write_private(path: Path, text: str) -> None:
    """A new file only its owner may read (it holds a password)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)


def reviewer_login_file(config: Settings) -> Path | None:
    return config.store.file().parent / REVIEWER_LOGIN_FILE_NAME if config.store.is_file else None


def read_login(config: Settings, reviewer: bool = False) -> tuple[str, str] | None:
    path = reviewer_login_file(config) if reviewer else login_file(config)
    if path is None or not path.is_file():
        return None
    email, _, password = path.read_text().strip().partition(" ")
    return email, password


# uvicorn's default backlog: connections the kernel queues for a busy worker.
LISTEN_BACKLOG = 2048
AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[Any, ...]]


def listen(host: str, port: int, copies: int = 1) -> list[socket.socket]:
    """The listening sockets, bound before anything is printed: a port in use ends the command
    with one line instead of a login URL that belongs to another server.

    With `copies` > 1 (one per worker process) each worker accepts on a socket of its own, all
    bound to the port with SO_REUSEPORT and listening at once, and the kernel spreads new
    connections among them. On one shared socket, whichever worker woke first would accept a
    whole burst (a proxy's kept-alive pool, a load test's clients) while the others idled. The
    sockets stay open in the supervisor, so connections waiting on a dead worker's socket are
    served by its replacement."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError as exc:
        raise usage_error(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    # A first bind without SO_REUSEPORT: a port that anything else holds (even another group
    # of workers, which would otherwise let us join it) is refused.
    sockets = [_bound(found, host, port, shared=False)]
    if copies > 1:
        sockets[0].close()
        sockets = []
        try:
            for _ in range(copies):
                sock = _bound(found, host, port, shared=True)
                sockets.append(sock)
                sock.listen(LISTEN_BACKLOG)
        except BaseException:
            for sock in sockets:
                sock.close()
            raise
    for sock in sockets:
        sock.set_inheritable(True)
    return sockets


def _bound(found: AddressInfo, host: str, port: int, *, shared: bool) -> socket.socket:
    family, kind, proto, _, address = found
    try:
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise usage_error(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise usage_error(
                f"port {port} on {host} is already in use (is another server running?); "
                f"stop it or choose another port: --port {port + 1} (make run PORT={port + 1})"
            ) from None
        raise usage_error(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _serve(
    application: Callable[[Settings, str, int], Starlette],
    host: str,
    port: int,
    *,
    login_page: bool,
    workers: int | None,
    access_log: bool = True,
    uses_store: bool = True,
) -> None:
    """Serve `application` on one port: in this process, or in `workers` processes (each
    builds its own application; `uses_store`: it opens the metadata store)."""
    config = settings()
    count = workers if workers is not None else prefork.default_workers()
    if count > 1 and uses_store and not reopenable(config):
        if workers is not None:
            raise usage_error(
                f"--workers {workers} needs a store every process can open (a SQLite file or "
                "DynamoDB); an in-memory store is served by one process"
            )
        count = 1
    sockets = listen(host, port, copies=count)
    try:
        # Built here whatever the workers: the configuration is checked (and the store created
        # or brought up to date) once, before anything is printed.
        served: Starlette | None = application(config, host, port)
    except ConfigError as exc:
        for sock in sockets:
            sock.close()
        raise usage_error(str(exc)) from None
    if count > 1 and served is not None:
        # Each worker builds its own: no store connection may cross a fork.
        _release(served)
        served = None
    typer.echo(f"Store: {config.store.describe()}", err=True)
    shown_host = f"[{host}]" if ":" in host else host
    if count > 1:
        typer.echo(f"Workers: {count} processes", err=True)
    typer.echo(f"DataOps is running on http://{shown_host}:{port}  (Ctrl-C stops it)")
    login = read_login(config) if config.env is not Environment.PRODUCTION else None
    if login is not None:
        where = f"  at http://{shown_host}:{port}/login" if login_page else ""
        typer.echo(f"Login: {login[0]} / {login[1]}{where}")
        reviewer = read_login(config, reviewer=True)
        if reviewer is not None:
            typer.echo(f"Reviewer login: {reviewer[0]} / {reviewer[1]}")
    if served is not None:
        _run_server(served, sockets[0], access_log)
        return

    def serve_worker(slot: int) -> None:
        for other in sockets[:slot] + sockets[slot + 1 :]:
            other.close()
        try:
            app = application(config, host, port)
        except ConfigError as exc:
            typer.echo(f"dataops: {exc}", err=True)
            raise SystemExit(prefork.STARTUP_FAILED) from None
        _run_server(app, sockets[slot], access_log)

    code = prefork.Supervisor(count, serve_worker).run()
    for sock in sockets:
        sock.close()
    if code:
        raise typer.Exit(code)


def _release(served: Starlette) -> None:
    """Close the stores of an application that will not serve: the engine's own (`dataops
    engine`), or the one behind the portal in this process (`dataops serve`)."""
    state: object = served.state
    if not hasattr(state, "engine") and hasattr(state, "portal"):
        inner = getattr(served.state.portal.broker.transport, "app", None)
        state = getattr(inner, "state", None)
    engine = getattr(state, "engine", None)
    if isinstance(engine, Engine):
        close(engine)


def _run_server(served: Starlette, sock: socket.socket, access_log: bool) -> None:
    # The portal and the engine decide themselves whom to believe about the client's address
    # (DATAOPS_TRUSTED_PROXIES); uvicorn's own reading of X-Forwarded-For stays off.
    server = uvicorn.Server(
        uvicorn.Config(served, log_level="info", proxy_headers=False, access_log=access_log)
    )
    server.run(sockets=[sock])


JobsOption = Annotated[
    int | None,
    typer.Option(min=1, metavar="N", help="Worker processes (default: one per core, max 4)."),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        metavar="N",
        help="Server processes on the one port (default: one per core; 1 for an in-memory store).",
    ),
]
AccessLogOption = Annotated[
    bool,
    typer.Option(
        "--access-log/--no-access-log",
        help="A line per request on stdout (off: a reverse proxy in front logs them).",
    ),
]
HostOption = Annotated[str, typer.Option(metavar="HOST", help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")]


@app.command()
def engine(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: WorkersOption = None,
    access_log: AccessLogOption = True,
) -> None:
    """Serve the engine API alone (/api/*), for deployments that run the portal apart."""
    _serve(
        lambda config, _host, _port: engine_app(config),
        host,
        port,
        login_page=False,
        workers=workers,
        access_log=access_log,
    )


@app.command()
def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: WorkersOption = None,
    access_log: AccessLogOption = True,
) -> None:
    """Serve the product: the portal (login, /work, /work/api) with the engine behind it in
    each process."""
    # One portal secret for every worker: a session's CSRF token is the same whichever
    # process answers.
    secret = serve_secret()
    _serve(
        lambda config, host, port: serve_app(config, host, port, secret=secret),
        host,
        port,
        login_page=True,
        workers=workers,
        access_log=access_log,
    )


@app.command()
def portal(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: WorkersOption = None,
    access_log: AccessLogOption = True,
) -> None:
    """Serve the portal alone, in front of the engine at DATAOPS_ENGINE_URL (shared secret:
    WORK_ENGINE_PORTAL_SECRET)."""
    _serve(
        portal_app,
        host,
        port,
        login_page=True,
        workers=workers,
        access_log=access_log,
        uses_store=False,
    )


def local_only(config: Settings, what: str) -> None:
    if config.env is Environment.PRODUCTION:
        raise usage_error(f"{what} is for local installations only")


@app.command("setup-local")
def setup_local() -> None:
    """First run: an operator account and the demo data. Every run: print the login."""
    config = settings()
    local_only(config, "setup-local")
    saved = login_file(config)
    saved_reviewer = reviewer_login_file(config)
    with opened_engine(create=True) as eng:
        if eng.store.count("users") == 0:
            password = secrets.token_urlsafe(12)
            user_cases.add_user(
                eng, email=OPERATOR_EMAIL, name="Operator", password=password, role=Role.LEAD
            )
            reviewer_password = secrets.token_urlsafe(12)
            demo_data.demo_reviewer(eng, reviewer_password)
            if saved is not None:
                write_private(saved, f"{OPERATOR_EMAIL} {password}\n")
            if saved_reviewer is not None:
                write_private(saved_reviewer, f"{REVIEWER_EMAIL} {reviewer_password}\n")
            demo_data.load_demo(eng)
            report = cron.run(eng)  # so the demo shows what is due, overdue or missing proof
            typer.echo(
                "Demo data loaded: workflows, a podcast episode, tasks and artifacts "
                f"({sum(report.notifications.values())} notifications from a first cron run)."
            )
            typer.echo(f"Login: {OPERATOR_EMAIL} / {password}")
            typer.echo(f"Reviewer login: {REVIEWER_EMAIL} / {reviewer_password}")
        elif (login := read_login(config)) is not None:
            typer.echo(f"Login: {login[0]} / {login[1]}")
            if (reviewer := read_login(config, reviewer=True)) is not None:
                typer.echo(f"Reviewer login: {reviewer[0]} / {reviewer[1]}")
    if saved is not None and saved.is_file():
        typer.echo(f"(kept in {saved}, readable by you only)")


@app.command()
def demo() -> None:
    """Load the demo workflows, episode, tasks and artifacts (idempotent)."""
    local_only(settings(), "demo data")
    with opened_engine(create=True) as eng:
        if demo_data.demo_loaded(eng):
            typer.echo("Demo data is already loaded.")
            return
        demo_data.load_demo(eng)
    typer.echo("Demo data loaded: workflows, a podcast episode, tasks and artifacts.")


UserArgument = Annotated[str, typer.Argument(metavar="EMAIL_OR_ID", help="The user's email or id.")]
PasswordOption = Annotated[
    str | None, typer.Option(metavar="PASSWORD", help="Prompted for on a terminal.")
]


def _user_line(user: dict[str, object]) -> str:
    line = f"{user['id']}  {user['email']}  {user['name']}  {role_of(user).value}"
    return f"{line}  deactivated {user['deactivatedAt']}" if user.get("deactivatedAt") else line


@users_app.command("add")
def users_add(  # noqa: PLR0917 (Typer maps parameters to options)
    email: Annotated[str, typer.Option(metavar="EMAIL", help="Login email (unique).")],
    name: Annotated[str, typer.Option(metavar="NAME", help="Display name.")],
    user_id: Annotated[str | None, typer.Option("--id", metavar="ID", help="Keep this id.")] = None,
    password: PasswordOption = None,
    no_password: Annotated[
        bool,
        typer.Option(
            "--no-password", help="An account that cannot log in (an assignee, for example)."
        ),
    ] = False,
    role: Annotated[
        Role, typer.Option(help="member, or lead (waivers, team administration).")
    ] = Role.MEMBER,
) -> None:
    """Create a user account."""
    if password is not None and no_password:
        raise usage_error("give --password or --no-password, not both")
    if password is None and not no_password:
        if not sys.stdin.isatty():
            raise usage_error(
                "--password is required when not on a terminal "
                "(or --no-password for an account that cannot log in)"
            )
        password = getpass.getpass("Password: ")
        if not password:
            raise usage_error(
                "the password is empty (use --no-password for an account that cannot log in)"
            )
    with opened_engine(create=True) as eng:
        user = user_cases.add_user(
            eng, email=email, name=name, user_id=user_id, password=password, role=role
        )
    typer.echo(_user_line(user))


@users_app.command("list")
def users_list() -> None:
    """List user accounts: id, email, name, role."""
    with opened_engine() as eng:
        for user in user_cases.list_users(eng, PageRequest()).items:
            typer.echo(_user_line(user))


@users_app.command("set-password")
def users_set_password(user: UserArgument, password: PasswordOption = None) -> None:
    """Set or replace a user's password; every session of the user ends."""
    if password is None:
        if not sys.stdin.isatty():
            raise usage_error("--password is required when not on a terminal")
        password = getpass.getpass("New password: ")
    with opened_engine() as eng:
        _, ended = user_cases.set_password(eng, user, password)
    typer.echo(f"Password updated; {ended} session(s) ended.")


@users_app.command("set-role")
def users_set_role(
    user: UserArgument,
    role: Annotated[Role, typer.Argument(help="member or lead.")],
) -> None:
    """Make a user a lead, or a member again."""
    with opened_engine() as eng:
        changed = user_cases.set_role(eng, user, role)
    typer.echo(_user_line(changed))


@users_app.command("revoke-sessions")
def users_revoke_sessions(user: UserArgument) -> None:
    """End every session of a user (a lost laptop, a departure): they must log in again."""
    with opened_engine() as eng:
        found, ended = user_cases.revoke_sessions(eng, user)
    typer.echo(f"{ended} session(s) of {found['email']} ended.")


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Option(help="The service's name: its actor is service:<name>.")],
    expires_in: Annotated[
        int | None, typer.Option("--expires-in", metavar="DAYS", help="Expire after DAYS days.")
    ] = None,
) -> None:
    """Create a service token and print it, once: it is stored only as a digest."""
    with opened_engine() as eng:
        issued = service_tokens.create_token(eng, name, expires_in)
    shown = service_tokens.public(issued.record)
    until = f", expires {shown['expiresAt']}" if "expiresAt" in shown else ", never expires"
    typer.echo(
        f"Service token for {shown['actor']}{until}. It is shown only now: give it to the "
        "service as DATAOPS_SERVICE_TOKEN.",
        err=True,
    )
    typer.echo(issued.token)


@tokens_app.command("list")
def tokens_list() -> None:
    """List service tokens: name, created, expiry, last use (never the tokens)."""
    with opened_engine() as eng:
        records = service_tokens.list_tokens(eng)
        now = eng.now()
    for record in records:
        shown = service_tokens.public(record)
        expires = shown.get("expiresAt")
        state = "never expires" if expires is None else f"expires {expires}"
        if expires is not None and expires <= now:
            state = f"EXPIRED {expires}"
        used = f"  last used {shown['lastUsedAt']}" if shown.get("lastUsedAt") else ""
        typer.echo(
            f"{shown['name']}  {shown['actor']}  created {shown['createdAt']}  {state}{used}"
        )


@tokens_app.command("revoke")
def tokens_revoke(
    name: Annotated[str, typer.Option(help="The service whose token ends now.")],
) -> None:
    """Revoke a service's token: its next request is refused."""
    with opened_engine() as eng:
        service_tokens.revoke_token(eng, name)
    typer.echo(f"Token of service:{name} revoked.")


def cron_text(report: cron.CronReport, today: str, timezone: str) -> list[str]:
    """A cron run as people read it."""
    created = f"{len(report.created)}"
    if report.created:
        created += f" ({', '.join(report.created)})"
    notes = ", ".join(f"{count} {kind}" for kind, count in sorted(report.notifications.items()))
    return [
        f"Cron run for {today} ({timezone})",
        f"  bundles created from automatic templates: {created}; already there: {report.skipped}",
        f"  notifications created: {notes or 'none'}",
        f"  unfinished temporary uploads removed: {report.temporaries_removed}",
    ]


@cron_app.command("run")
def cron_run(
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print {created, skipped, notifications, temporariesRemoved}, as "
            "POST /api/cron/run answers.",
        ),
    ] = False,
) -> None:
    """Run the cron runner once for the team's today (DATAOPS_TIMEZONE): bundles of automatic
    templates, follow-up, overdue and missing-evidence notifications."""
    with opened_engine() as eng:
        report = cron.run(eng)
        today = eng.today()
    if as_json:
        typer.echo(jsonvalue.dumps(report.as_json()).decode())
    else:
        for line in cron_text(report, today, eng.settings.timezone.key):
            typer.echo(line)


@artifacts_app.command("register-output")
def artifacts_register_output(
    path: Annotated[
        Path, typer.Argument(metavar="PATH", help="The output file (e.g. documents/prep.md).")
    ],
    *,
    artifact_type: Annotated[
        str,
        typer.Option("--type", metavar="TYPE", help="Artifact type, e.g. podcast-doc or report."),
    ],
    title: Annotated[
        str, typer.Option(metavar="TITLE", help="What the output is, for the reviewer.")
    ],
    task: Annotated[
        str | None, typer.Option(metavar="TASK_ID", help="The task it is proof for.")
    ] = None,
    bundle: Annotated[
        str | None, typer.Option(metavar="BUNDLE_ID", help="The bundle (workflow run).")
    ] = None,
    description: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Longer description.")
    ] = None,
    assistant_job: Annotated[
        str | None,
        typer.Option("--assistant-job", metavar="ID", help="The assistant run that produced it."),
    ] = None,
    remote: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="Register through this engine's HTTP API (e.g. https://portal.example/work) "
            "as the service of DATAOPS_SERVICE_TOKEN, instead of the configured store.",
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            metavar="ACTOR",
            help="Who produced it (createdBy), e.g. service:podcast-assistant; default: "
            f"{artifact_binaries.DEFAULT_OUTPUT_ACTOR}.",
        ),
    ] = None,
) -> None:
    """Upload an assistant's output to the blob store and register it as an artifact awaiting
    review (sourceType assistant-output, status needs-review)."""
    output = artifact_binaries.AssistantOutput(
        artifact_type,
        title,
        task_id=task,
        bundle_id=bundle,
        description=description,
        assistant_job_id=assistant_job,
    )
    if remote is not None:
        _register_output_remotely(remote, path, output, actor)
        return
    with opened_engine() as eng:
        artifact = artifact_binaries.register_output(
            eng, path, output, actor or artifact_binaries.DEFAULT_OUTPUT_ACTOR
        )
    _print_registered(artifact)


def _register_output_remotely(
    url: str, path: Path, output: artifact_binaries.AssistantOutput, actor: str | None
) -> None:
    from dataops import remote

    try:
        if actor is not None:
            raise remote.RemoteError(messages.REMOTE_ACTOR_FIXED)
        engine_api = remote.RemoteEngine.connect(url, os.environ.get("DATAOPS_SERVICE_TOKEN"))
        artifact = remote.register_output(engine_api, path, output)
    except DataOpsError as exc:
        raise fail(exc) from None
    _print_registered(artifact)


def _print_registered(artifact: dict[str, object]) -> None:
    typer.echo(
        f"{artifact['id']}  {artifact['status']}  {artifact['storageUri']}  {artifact['checksum']}"
    )


@app.command("export")
def export_command(
    directory: Annotated[
        str | None,
        typer.Argument(
            metavar="DIR", help="Where to write it (default exports/dataops-<timestamp>)."
        ),
    ] = None,
    jobs: JobsOption = None,
) -> None:
    """Write a portable export of every entity (manifest.json + one JSONL file per entity)."""
    from dataops.portable import console, export, workers

    config = settings()
    eng = Engine(settings=config, store=store_of(config))  # an export needs no blob store
    try:
        generated_at = eng.now()
        target = directory or export.default_target(generated_at)
        summary, seconds = console.run_export(
            eng,
            target,
            export.ExportOptions(generated_at=generated_at),
            jobs=jobs or workers.default_jobs(),
            open_store=(lambda: open_store(config)) if reopenable(config) else None,
        )
    except DataOpsError as exc:
        raise fail(exc) from None
    finally:
        eng.store.close()
    typer.echo(console.export_summary_line(summary, seconds))


@app.command("validate-export")
def validate_export_command(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="The export directory to check.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print {valid, errors, warnings, entityCounts}.")
    ] = False,
    jobs: JobsOption = None,
) -> None:
    """Check an export against every validation rule; exit 0 valid, 1 invalid, 2 usage."""
    from dataops.portable import console, workers
    from dataops.portable.validate import validate_export

    report = validate_export(directory, jobs=jobs or workers.default_jobs())
    if as_json:
        typer.echo(jsonvalue.dumps(report.as_json()).decode())
    else:
        typer.echo(console.report_text(report, directory))
    raise typer.Exit(0 if report.valid else 1)


@app.command("verify-blobs")
def verify_blobs_command(
    deep: Annotated[
        bool,
        typer.Option("--deep", help="Re-read every S3 object's bytes (local files always are)."),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print {holds, checked, missing, changed, orphaned, problems, receipts, ...}.",
        ),
    ] = False,
) -> None:
    """Check every DataOps-owned binary against its records (size and SHA-256); list missing,
    changed and orphaned objects and the receipts that rely on them. Exit 1 when a record does
    not hold."""
    from dataops.portable import console

    with opened_engine() as eng:
        report = console.run_fixity(eng, deep=deep)
    if as_json:
        typer.echo(jsonvalue.dumps(report.as_json()).decode())
    else:
        typer.echo(console.fixity_text(report))
    raise typer.Exit(0 if report.holds else 1)


@app.command("import")
def import_command(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="The export directory to restore.")
    ],
    *,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what an import would write; write nothing.")
    ] = False,
    upsert: Annotated[
        bool,
        typer.Option("--upsert", help="Merge into a store that already holds other records."),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Dry run: print {valid, errors, warnings, totalRecords, wouldWrite, skipped, "
            "invalid}.",
        ),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            min=1,
            help="Validation worker processes (more: much more memory; faster only with "
            "--upsert or into a store with records).",
        ),
    ] = 1,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Records per store transaction.")
    ] = 500,
) -> None:
    """Restore an export into the store (empty, or --upsert); --dry-run only reports."""
    from dataops.portable import console, restore

    config = settings()
    if dry_run and config.store.is_file and not config.store.file().is_file():
        # Nothing to compare with: the dry run reads an empty store and creates none.
        typer.echo(f"Store: {config.store.describe()} (does not exist yet)", err=True)
        store = open_store(replace(config, store=StoreLocation("sqlite", ":memory:")))
    else:
        store = store_of(config, create=True)
    try:
        if dry_run:
            report = restore.dry_run(store, directory, jobs=jobs, batch_size=batch_size)
            if as_json:
                typer.echo(jsonvalue.dumps(report.as_json()).decode())
            else:
                typer.echo(console.dry_run_text(report, directory))
            raise typer.Exit(0 if report.valid else 1)
        summary, seconds = console.run_import(
            store, directory, upsert=upsert, jobs=jobs, batch_size=batch_size
        )
    except restore.ExportRefused as exc:
        typer.echo(console.report_text(exc.report, directory))
        raise fail(exc) from None
    except DataOpsError as exc:
        raise fail(exc) from None
    finally:
        store.close()
    for line in console.import_summary_lines(summary, seconds):
        typer.echo(line)


@app.command("restore-drill")
def restore_drill_command(
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            metavar="DIR",
            help="Work in DIR (absent or empty) and keep the export, the scratch store and its "
            "export there.",
        ),
    ] = None,
    jobs: JobsOption = None,
) -> None:
    """Rehearse a restore on a scratch copy of the store (which is only read); exit 1 on failure."""
    import shutil
    import tempfile

    from dataops.model import messages
    from dataops.portable import drill, workers

    config = settings()
    if keep is not None and keep.exists() and (not keep.is_dir() or any(keep.iterdir())):
        typer.echo(f"dataops: {messages.DRILL_DIRECTORY_OCCUPIED.format(path=keep)}", err=True)
        raise typer.Exit(1)
    source = Engine(settings=config, store=store_of(config))
    workdir = keep or Path(tempfile.mkdtemp(prefix="dataops-restore-drill-"))
    typer.echo(f"Restore drill of {config.store.describe()} in {workdir}")
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        result = drill.run_drill(
            source,
            workdir,
            jobs=jobs or workers.default_jobs(),
            open_source=(lambda: open_store(config)) if reopenable(config) else None,
            on_step=lambda step: typer.echo(step.line()),
        )
    finally:
        source.store.close()
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    typer.echo(result.summary_line())
    raise typer.Exit(0 if result.passed else 1)


@app.command()
def migrate(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would change; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Bring stored items to the current schema (DynamoDB): index keys this version adds for
    items written before it or by the reference service, and transactions a crash left
    unfinished. Safe to interrupt and run again: done items are only read."""
    config = settings()
    if config.store.kind != "dynamodb":
        typer.echo("SQLite fills index columns when it opens the file: nothing to migrate.")
        return
    from dataops.store.dynamodb import DynamoDBStore

    store = store_of(config)
    assert isinstance(store, DynamoDBStore)
    try:
        migration = store.migrate(dry_run=dry_run)
    except DataOpsError as exc:
        raise fail(exc) from None
    finally:
        store.close()
    if as_json:
        typer.echo(jsonvalue.dumps(migration.as_json()).decode())
        return
    verb = "would change" if dry_run else "changed"
    for table, counts in migration.tables.items():
        typer.echo(f"{table:<18} {counts['scanned']:>9} items read, {counts['changed']:>9} {verb}")
    recovery = migration.recovery
    finished = "to finish" if dry_run else "finished"
    typer.echo(
        f"transactions {finished}: {recovery.rolled_forward} rolled forward, "
        f"{recovery.rolled_back} rolled back; {recovery.in_progress} in progress"
    )


def main() -> None:
    app()
