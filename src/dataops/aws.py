"""AWS Lambda entry points (infra/template.yaml, docs/deployment.md):

* `portal_handler`: a Function URL event (payload format 2.0, cookies apart, binary bodies in
  base64) through the portal's ASGI application, answered in the Function URL's format;
* `LambdaInvokeTransport`: how the portal's broker reaches the engine on AWS (an
  `EngineTransport`): the request as one JSON payload, invoked synchronously;
* `engine_handler`: that payload through the engine's ASGI application, the answer as a payload;
* `scheduled_handler`: the hourly cron run (for the team's day) and the daily export to the
  bucket, from EventBridge.

Lambda carries at most 6 MB each way of an invoke, and a body that is not text travels in base64
(a third larger). So the transport refuses a request body that cannot fit (413: large files go
straight to S3 through direct upload sessions), downloads of stored binaries are redirects to
presigned S3 URLs already, and an answer too large for the payload is put into the bucket and
answered by a redirect to a presigned URL of it (`engine/answers/`, expired by the bucket's
lifecycle after a day).

Each handler imports what it needs on its first call only (the portal never loads the engine, the
store or FastAPI) and keeps its application for the life of the container: cold starts are
measured in docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import urllib.parse
import uuid
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from starlette.types import ASGIApp, Receive, Scope, Send

    from dataops.engine.context import Engine

log = logging.getLogger("dataops.aws")

# A synchronous invoke carries at most 6 MB (6,291,456 bytes) of request and of answer. Headers,
# path and the JSON around the body take at most this much of it (the engine refuses larger
# headers anyway).
LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024
ENVELOPE_RESERVE = 64 * 1024
# The largest request body that fits in an invoke once base64-encoded: 4,669,440 bytes.
MAX_REQUEST_BODY = (LAMBDA_PAYLOAD_LIMIT - ENVELOPE_RESERVE) // 4 * 3
ENGINE_REQUEST = "dataops.engine-request/1"
ENGINE_RESPONSE = "dataops.engine-response/1"
# Presigned URLs of answers too large for a payload live this long (seconds).
SPILLED_ANSWER_SECONDS = 300
SPILLED_ANSWERS = "answers"
# Waiting for the engine: a little longer than the engine function's own timeout (30 s).
ENGINE_READ_TIMEOUT = 32

_TEXT_TYPES = (
    "text/",
    "application/json",
    "+json",
    "application/xml",
    "+xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
)

T = TypeVar("T")


# --- bodies and an ASGI call ---------------------------------------------------------------------


def is_text(content_type: str | None) -> bool:
    """Bodies of these types travel as text when they are UTF-8; every other body in base64."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return bool(kind) and any(marker in kind for marker in _TEXT_TYPES)


def encode_body(body: bytes, content_type: str | None) -> tuple[str, bool]:
    """(text, is_base64) of a body for a JSON payload."""
    if is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def decode_body(text: Any, is_base64: Any) -> bytes:
    """The bytes of a payload's body; ValueError for anything but a string (base64 or text)."""
    if text is None:
        return b""
    if not isinstance(text, str):
        raise ValueError("body must be a string")
    if is_base64 is True:
        return base64.b64decode(text.encode("ascii"), validate=True)
    return text.encode("utf-8")


def header_value(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


@dataclass(frozen=True)
class Answer:
    """A whole HTTP answer of an ASGI application."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    @property
    def content_type(self) -> str | None:
        return header_value(self.headers, b"content-type")


async def call_asgi(app: ASGIApp, scope: Scope, body: bytes) -> Answer:
    """One request with a whole body through `app`; the whole answer. The client stays
    connected until the answer is complete, then leaves (as a Lambda caller does)."""
    answered = asyncio.Event()
    sent = False
    start: dict[str, Any] | None = None
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = dict(message)
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                answered.set()

    try:
        await app(scope, receive, send)
    finally:
        answered.set()
    if start is None:
        raise RuntimeError("the application sent no answer")
    headers = [(bytes(key), bytes(value)) for key, value in start.get("headers", [])]
    return Answer(int(start["status"]), headers, b"".join(chunks))


_loops = threading.local()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on this thread's event loop, kept between invocations like the clients and
    connection pools made on it (a Lambda container calls its handler on one thread)."""
    loop: asyncio.AbstractEventLoop | None = getattr(_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = _loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coroutine)


# --- the engine's payload: what the broker sends and what it gets back ---------------------------


@dataclass(frozen=True)
class EngineRequest:
    """The broker's request to the engine, as it crosses the invoke."""

    method: str
    path: str
    raw_path: str
    query: str
    headers: list[tuple[str, str]]
    client: str | None
    body: bytes

    @classmethod
    def from_scope(cls, scope: Scope, body: bytes) -> EngineRequest:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        client = scope.get("client")
        return cls(
            method=scope["method"],
            path=scope["path"],
            raw_path=raw_path.decode("latin-1"),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=[
                (key.decode("latin-1"), value.decode("latin-1")) for key, value in scope["headers"]
            ],
            client=client[0] if client else None,
            body=body,
        )

    def payload(self) -> bytes:
        content_type = next(
            (value for key, value in self.headers if key.lower() == "content-type"), None
        )
        text, is_base64 = encode_body(self.body, content_type)
        return json.dumps(
            {
                "dataops": ENGINE_REQUEST,
                "method": self.method,
                "path": self.path,
                "rawPath": self.raw_path,
                "query": self.query,
                "headers": [list(pair) for pair in self.headers],
                "client": self.client,
                "body": text,
                "isBase64Encoded": is_base64,
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def parse(cls, event: Any) -> EngineRequest:
        """ValueError for anything but a broker's request."""
        if not isinstance(event, dict) or event.get("dataops") != ENGINE_REQUEST:
            raise ValueError("not a request of the portal's broker")
        method, path, raw_path, query = (
            event.get(key) for key in ("method", "path", "rawPath", "query")
        )
        if not all(isinstance(value, str) for value in (method, path, raw_path, query)):
            raise ValueError("method, path, rawPath and query must be strings")
        client = event.get("client")
        if client is not None and not isinstance(client, str):
            raise ValueError("client must be a string")
        return cls(
            method=str(method),
            path=str(path),
            raw_path=str(raw_path),
            query=str(query),
            headers=_pairs(event.get("headers")),
            client=client,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
        )

    def scope(self) -> Scope:
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": self.method,
            "scheme": "http",
            "path": self.path,
            "raw_path": self.raw_path.encode("latin-1"),
            "query_string": self.query.encode("latin-1"),
            "root_path": "",
            "headers": [
                (key.lower().encode("latin-1"), value.encode("latin-1"))
                for key, value in self.headers
            ],
            "client": (self.client, 0) if self.client else None,
            "server": ("engine", 80),
        }


def _pairs(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)
        for pair in value
    ):
        raise ValueError("headers must be a list of [name, value] strings")
    return [(pair[0], pair[1]) for pair in value]


def response_payload(answer: Answer) -> dict[str, Any]:
    text, is_base64 = encode_body(answer.body, answer.content_type)
    return {
        "dataops": ENGINE_RESPONSE,
        "status": answer.status,
        "headers": [
            [key.decode("latin-1"), value.decode("latin-1")] for key, value in answer.headers
        ],
        "body": text,
        "isBase64Encoded": is_base64,
    }


def parse_response(payload: bytes) -> Answer:
    """The engine's answer; ValueError when the payload is not one."""
    event = json.loads(payload)
    if not isinstance(event, dict) or event.get("dataops") != ENGINE_RESPONSE:
        raise ValueError("not an answer of the engine")
    status = event.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise ValueError(f"status {status!r} is no HTTP status")
    headers = [
        (key.lower().encode("latin-1"), value.encode("latin-1"))
        for key, value in _pairs(event.get("headers"))
    ]
    return Answer(status, headers, decode_body(event.get("body"), event.get("isBase64Encoded")))


# --- the portal's side: the broker's transport to the engine function ----------------------------


class LambdaInvokeTransport:
    """The engine function, invoked synchronously with the broker's request (an EngineTransport).

    Bodies are whole on both sides (an invoke does not stream): a request body larger than an
    invoke can carry is refused with 413 before anything reaches the engine.
    """

    def __init__(
        self,
        function_name: str,
        client: LambdaClient | None = None,
        *,
        max_body: int = MAX_REQUEST_BODY,
    ) -> None:
        self.function_name = function_name
        self.max_body = max_body
        self._client = client

    @property
    def client(self) -> LambdaClient:
        if self._client is None:
            import boto3
            from botocore.config import Config

            # No retries: a POST the engine may have carried out must not run twice.
            config = Config(
                retries={"total_max_attempts": 1},
                connect_timeout=3,
                read_timeout=ENGINE_READ_TIMEOUT,
            )
            self._client = boto3.client("lambda", config=config)
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from dataops.portal.transports import MalformedReply

        declared = header_value(scope["headers"], b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before its body was whole
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > self.max_body:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        payload = EngineRequest.from_scope(scope, b"".join(chunks)).payload()
        if len(payload) > LAMBDA_PAYLOAD_LIMIT:
            await self._refuse(send)
            return
        import anyio

        reply = await anyio.to_thread.run_sync(self._invoke, payload)
        try:
            answer = parse_response(reply)
        except (ValueError, UnicodeError) as exc:
            raise MalformedReply(f"the engine's payload is no answer: {exc}") from None
        length = str(len(answer.body)).encode()
        headers = [(key, value) for key, value in answer.headers if key != b"content-length"]
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [*headers, (b"content-length", length)],
            }
        )
        await send({"type": "http.response.body", "body": answer.body, "more_body": False})

    def _invoke(self, payload: bytes) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        from dataops.portal.transports import EngineUnavailable, MalformedReply

        try:
            answer = self.client.invoke(
                FunctionName=self.function_name,
                InvocationType="RequestResponse",
                Payload=payload,
            )
            reply = answer["Payload"].read()
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "")) or type(exc).__name__
            raise EngineUnavailable(f"invoking {self.function_name}: {code}") from None
        except BotoCoreError as exc:
            raise EngineUnavailable(
                f"invoking {self.function_name}: {type(exc).__name__}"
            ) from None
        if answer.get("FunctionError"):
            # The engine crashed or ran out of time: its answer is an error report, not HTTP.
            raise MalformedReply(
                f"the engine function failed ({answer['FunctionError']}): {reply[:300]!r}"
            )
        return bytes(reply)

    async def _refuse(self, send: Send) -> None:
        from dataops.model import messages
        from dataops.portal.broker import send_error

        message = messages.REQUEST_TOO_LARGE_FOR_LAMBDA.format(limit=self.max_body)
        await send_error(send, 413, message)

    async def aclose(self) -> None:
        if self._client is not None:
            self._client.close()


# --- the portal: Function URL events -------------------------------------------------------------

_portal: ASGIApp | None = None


def portal_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """A Function URL request (payload format 2.0) through the portal."""
    app = _portal if _portal is not None else _open_portal(event)
    scope, body = function_url_scope(event)
    return function_url_response(run(call_asgi(app, scope, body)))


def _open_portal(event: Mapping[str, Any]) -> ASGIApp:
    """The portal of this container: settings, the secret (Secrets Manager), the transport. Its
    origin is `DATAOPS_PUBLIC_URL`, else the Function URL's own address."""
    global _portal  # noqa: PLW0603 - one application per Lambda container
    from dataops.config import ConfigError, PortalSettings, check_portal_secret, parse_origin
    from dataops.portal.app import create_portal
    from dataops.portal.config import PortalConfig
    from dataops.secret_store import read_portal_secret

    settings = PortalSettings.from_env()
    if not settings.engine_function:
        raise ConfigError("the portal on AWS Lambda needs DATAOPS_ENGINE_FUNCTION")
    secret = settings.portal_secret or read_portal_secret(settings.portal_secret_name)
    check_portal_secret(secret, "WORK_ENGINE_PORTAL_SECRET")
    origin = settings.public_url or parse_origin(
        "https://" + str(event["requestContext"]["domainName"]), "the Function URL"
    )
    config = PortalConfig(origins=(origin,), trusted_proxies=settings.trusted_proxies)
    _portal = create_portal(LambdaInvokeTransport(settings.engine_function), config, secret)
    return _portal


def function_url_scope(event: Mapping[str, Any]) -> tuple[Scope, bytes]:
    """An ASGI scope and the body of a Function URL event. Function URLs join repeated headers
    with commas and pass cookies apart; the client's address is the connection's, as AWS saw
    it."""
    context = event["requestContext"]
    http = context["http"]
    raw_path = str(event.get("rawPath") or http.get("path") or "/")
    headers = [
        (_wire(str(key).lower()), _wire(str(value)))
        for key, value in (event.get("headers") or {}).items()
        if str(key).lower() != "cookie"
    ]
    cookies = event.get("cookies") or []
    if cookies:
        headers.append((b"cookie", _wire("; ".join(map(str, cookies)))))
    source = http.get("sourceIp")
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": str(http["method"]).upper(),
        "scheme": "https",
        "path": urllib.parse.unquote(raw_path),
        "raw_path": _wire(raw_path),
        "query_string": _wire(str(event.get("rawQueryString") or "")),
        "root_path": "",
        "headers": headers,
        "client": (source, 0) if source else None,
        "server": (str(context.get("domainName", "")), 443),
    }
    body = decode_body(event.get("body"), event.get("isBase64Encoded"))
    return scope, body


def _wire(text: str) -> bytes:
    """Text of an event as the bytes a server would have received (UTF-8; never an error)."""
    return text.encode("utf-8", "replace")


def function_url_response(answer: Answer) -> dict[str, Any]:
    """The Function URL's answer: cookies apart, other repeated headers joined with commas."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for key, value in answer.headers:
        name, text = key.decode("latin-1").lower(), value.decode("latin-1")
        if name == "set-cookie":
            cookies.append(text)
        else:
            headers[name] = f"{headers[name]}, {text}" if name in headers else text
    body, is_base64 = encode_body(answer.body, answer.content_type)
    response: dict[str, Any] = {
        "statusCode": answer.status,
        "headers": headers,
        "body": body,
        "isBase64Encoded": is_base64,
    }
    if cookies:
        response["cookies"] = cookies
    return response


# --- the engine: the broker's invokes ------------------------------------------------------------

_engine: tuple[ASGIApp, Engine] | None = None


def engine_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The broker's request through the engine. Anything but a broker's request raises (the
    invoke then reports a function error, which the portal answers with 502)."""
    request = EngineRequest.parse(event)
    app, engine = _engine if _engine is not None else _open_engine()
    answer = run(call_asgi(app, request.scope(), request.body))
    payload = response_payload(answer)
    if len(json.dumps(payload, separators=(",", ":"))) + ENVELOPE_RESERVE > LAMBDA_PAYLOAD_LIMIT:
        payload = response_payload(spill(engine, answer))
    return payload


def _open_engine() -> tuple[ASGIApp, Engine]:
    global _engine  # noqa: PLW0603 - one application per Lambda container
    from dataops.bootstrap import engine_app
    from dataops.config import Settings

    app = engine_app(Settings.from_env())
    _engine = (app, app.state.engine)
    return _engine


def spill(engine: Engine, answer: Answer) -> Answer:
    """An answer too large for an invoke: put into the bucket and answered by a redirect to a
    presigned URL of it (303, short-lived), or refused where binaries are not in S3."""
    import io

    from dataops.model import messages
    from dataops.model.jsonvalue import dumps

    blobs = engine.blobs
    if blobs is None or not blobs.remote:
        body = dumps({"error": messages.ANSWER_TOO_LARGE_FOR_LAMBDA})
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        return Answer(413, headers, body)
    content_type = answer.content_type or "application/octet-stream"
    key = f"{SPILLED_ANSWERS}/{uuid.uuid4().hex}"
    blobs.put(key, io.BytesIO(answer.body), content_type=content_type)
    filename = "answer.json" if "json" in content_type else "answer"
    disposition = header_value(answer.headers, b"content-disposition")
    if disposition is not None and "filename=" in disposition:
        filename = disposition.split("filename=", 1)[1].split(";", 1)[0].strip('"') or filename
    url = blobs.presigned_get_url(
        key, filename=filename, content_type=content_type, expires_in=SPILLED_ANSWER_SECONDS
    )
    log.info("answer of %d bytes put into the bucket (%s)", len(answer.body), key)
    headers = [
        (b"location", (url or "").encode("latin-1")),
        (b"cache-control", b"no-store"),
        (b"content-length", b"0"),
    ]
    return Answer(303, headers, b"")


# --- scheduled runs ------------------------------------------------------------------------------

# The jobs of the schedules in infra/template.yaml, by the `job` of their event.
SCHEDULED_JOBS: Mapping[str, str] = {"cron": "cron run", "export": "export"}
_scheduled_engine: Engine | None = None


def scheduled_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """`{"job": "cron"}` or `{"job": "export"}`. A failed run leaves an automation-failure
    notification and raises, so that Lambda retries it and then sends it to the dead-letter
    queue."""
    global _scheduled_engine  # noqa: PLW0603 - one engine per Lambda container
    job = event.get("job") if isinstance(event, dict) else None
    if not isinstance(job, str) or job not in SCHEDULED_JOBS:
        raise ValueError(
            f"unknown scheduled job {job!r}: expected one of {', '.join(SCHEDULED_JOBS)}"
        )
    if _scheduled_engine is None:
        from dataops.bootstrap import open_engine
        from dataops.config import Settings

        _scheduled_engine = open_engine(Settings.from_env())
    return run_scheduled(_scheduled_engine, job)


def run_scheduled(engine: Engine, job: str) -> dict[str, Any]:
    """One scheduled job on `engine`: its report, or its failure recorded, then raised."""
    try:
        if job == "cron":
            from dataops.engine import cron

            result = cron.run(engine).as_json()
        else:
            from dataops.portable.export import export_to_configured_dir

            result = export_to_configured_dir(engine).as_json()
    except Exception as exc:
        log.exception("scheduled %s failed", SCHEDULED_JOBS.get(job, job))
        report_failure(engine, job, exc)
        raise
    log.info("scheduled %s: %s", SCHEDULED_JOBS[job], json.dumps(result))
    return {"job": job, **result}


# Room for the rest of the notification's text (notifications hold at most TEXT_MAX).
_REASON_MAX = 1000


def report_failure(engine: Engine, job: str, exc: BaseException) -> None:
    """One automation-failure notification per job and day (Lambda's retries add none); when
    the store cannot take it either, the log and the dead-letter queue still tell."""
    from dataops.engine import notifications, once
    from dataops.model import messages
    from dataops.model.errors import DataOpsError
    from dataops.model.ids import derived_id
    from dataops.model.notifications import NotificationType

    reason = exc.message if isinstance(exc, DataOpsError) else f"{type(exc).__name__}: {exc}"
    if len(reason) > _REASON_MAX:
        reason = reason[: _REASON_MAX - 1] + "…"
    try:
        day = engine.today()
        notice = notifications.record(
            engine,
            notification_id=derived_id(
                NotificationType.AUTOMATION_FAILURE, f"scheduled-{job}", day
            ),
            message=messages.SCHEDULED_RUN_FAILED.format(
                job=SCHEDULED_JOBS.get(job, job), day=day, reason=reason
            ),
            kind=NotificationType.AUTOMATION_FAILURE,
        )
        once.create_absent(engine, "notifications", [notice])
    except Exception:
        log.exception("could not record the failure of the scheduled %s", job)
