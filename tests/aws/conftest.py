"""The AWS deployment in one process: the portal handler fed Function URL events, its broker
invoking the engine handler through a stand-in for the Lambda client (the payload goes through
JSON both ways, as it does across an invoke), the engine on a store of the test's own."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from dataops import aws
from dataops.api.app import create_app
from dataops.engine import users
from dataops.engine.context import Engine
from tests.conftest import FakeClock, make_engine, make_settings
from tests.support.identity import PORTAL_SECRET

DOMAIN = "abcdefghij0123456789.lambda-url.eu-west-1.on.aws"
ORIGIN = f"https://{DOMAIN}"
ENGINE_FUNCTION = "dataops-prod-EngineFunction-AbC123"
ADA = {"email": "ada@example.com", "password": "ada's passphrase"}


class FakeLambda:
    """A Lambda client whose `invoke` runs a handler in this process: the payload is parsed from
    the bytes the transport sent and the handler's result serialised, as Lambda does; a handler
    that raises is a function error, as Lambda reports it."""

    def __init__(self, handler: Callable[[dict[str, Any], Any], Any]) -> None:
        self.handler = handler
        self.payloads: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.failure: Exception | None = None
        self.results: list[Any] = []

    def invoke(self, **params: Any) -> dict[str, Any]:
        self.calls.append({key: value for key, value in params.items() if key != "Payload"})
        if self.failure is not None:
            raise self.failure
        event = json.loads(params["Payload"])
        self.payloads.append(event)
        try:
            result = self.handler(event, None)
        except Exception as exc:
            error = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": _stream(error)}
        self.results.append(result)
        return {"StatusCode": 200, "Payload": _stream(result)}

    def close(self) -> None:
        return None


def _stream(value: Any) -> io.BytesIO:
    return io.BytesIO(json.dumps(value).encode())


def url_event(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: Mapping[str, str] | None = None,
    cookies: list[str] | None = None,
    body: bytes | None = None,
    source_ip: str = "203.0.113.7",
) -> dict[str, Any]:
    """A Function URL request as AWS sends it (payload format 2.0)."""
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": DOMAIN, "x-forwarded-proto": "https", **(headers or {})},
        "requestContext": {
            "accountId": "anonymous",
            "apiId": DOMAIN.split(".", maxsplit=1)[0],
            "domainName": DOMAIN,
            "domainPrefix": DOMAIN.split(".", maxsplit=1)[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": "pytest",
            },
            "requestId": "c0ffee",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": 1796029200000,
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if body is not None:
        event["body"] = base64.b64encode(body).decode()
        event["isBase64Encoded"] = True
    return event


def body_of(response: Mapping[str, Any]) -> bytes:
    body = response.get("body") or ""
    return base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()


def json_of(response: Mapping[str, Any]) -> Any:
    return json.loads(body_of(response))


@dataclass
class Deployment:
    """The two functions of the template, wired as on AWS."""

    engine: Engine
    lambda_client: FakeLambda
    cookies: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        """A request of a browser (the portal's origin, the session cookie once signed in)."""
        headers = {"origin": ORIGIN, **options.pop("headers", {})}
        event = url_event(method, path, headers=headers, cookies=self.cookies, **options)
        return aws.portal_handler(event, None)

    def sign_in(self, person: Mapping[str, str] = ADA) -> dict[str, Any]:
        login = json.dumps(dict(person)).encode()
        response = self.request(
            "POST", "/login", body=login, headers={"content-type": "application/json"}
        )
        assert response["statusCode"] == 200, response
        self.cookies = [cookie.split(";", 1)[0] for cookie in response.get("cookies", [])]
        return response


@pytest.fixture
def deployment(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    settings = make_settings(
        tmp_path,
        DATAOPS_AUTH_MODE="portal",
        WORK_ENGINE_PORTAL_SECRET=PORTAL_SECRET,
        DATAOPS_STORE=f"sqlite:///{tmp_path / 'dataops.db'}",
    )
    engine = make_engine(settings, clock)
    users.add_user(
        engine, email=ADA["email"], name="Ada", user_id="ada", password=ADA["password"], role="lead"
    )
    for name in ("DATAOPS_PUBLIC_URL", "WORK_ENGINE_PORTAL_SECRET_NAME", "DATAOPS_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORK_ENGINE_PORTAL_SECRET", PORTAL_SECRET)
    monkeypatch.setenv("DATAOPS_ENGINE_FUNCTION", ENGINE_FUNCTION)
    monkeypatch.setattr(aws, "_engine", (create_app(engine, portal_secret=PORTAL_SECRET), engine))
    monkeypatch.setattr(aws, "_portal", None)
    fake = FakeLambda(aws.engine_handler)
    real_client = boto3.client

    def client(service: str, *args: Any, **kwargs: Any) -> Any:
        return fake if service == "lambda" else real_client(service, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(boto3, "client", client)
    yield Deployment(engine, fake)
    engine.store.close()
