"""The Lambda entry points of src/dataops/aws.py: the portal handler fed Function URL events, the
broker's invokes of the engine handler (JSON bodies as text, binary bodies in base64, headers both
ways), the 6 MB payload limit on both sides, and failures of the invoke."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from dataops import aws
from dataops.api.app import create_app
from dataops.engine import users
from dataops.engine.context import Engine
from dataops.portal.broker import Broker, Caller
from tests.aws.conftest import (
    ADA,
    ENGINE_FUNCTION,
    ORIGIN,
    Deployment,
    body_of,
    json_of,
    url_event,
)
from tests.conftest import FakeClock, make_engine, make_settings
from tests.support.identity import PORTAL_SECRET
from tests.support.moto_server import S3Emulator
from tests.support.multipart import body, field, file_part, headers

# Every byte value, so that any text decoding on the way would show.
BINARY = bytes(range(256)) * 64


def broker_payload(
    method: str, path: str, *, actor: str | None = "ada", body: bytes = b"", **headers: str
) -> dict[str, Any]:
    """Exactly what the portal's broker sends the engine function for this request."""
    broker = Broker(aws.LambdaInvokeTransport(ENGINE_FUNCTION), PORTAL_SECRET)
    path, _, query = path.partition("?")
    client_headers = [(key.encode(), value.encode()) for key, value in headers.items()]
    if body:
        client_headers.append((b"content-length", str(len(body)).encode()))
    scope = broker.engine_scope(
        method,
        path,
        Caller(actor=actor, client="203.0.113.7"),
        query_string=query.encode(),
        client_headers=client_headers,
    )
    payload: dict[str, Any] = json.loads(aws.EngineRequest.from_scope(scope, body).payload())
    return payload


def answer_body(payload: dict[str, Any]) -> bytes:
    text = payload["body"]
    return base64.b64decode(text) if payload["isBase64Encoded"] else text.encode()


def headers_of(payload: dict[str, Any]) -> dict[str, str]:
    return {name: value for name, value in payload["headers"]}


# --- the portal handler, end to end through the invoke -------------------------------------------


def test_a_person_signs_in_and_works_through_the_function_url(deployment: Deployment) -> None:
    login = deployment.sign_in()

    assert json_of(login)["user"]["id"] == "ada"
    [cookie] = login["cookies"]
    assert cookie.startswith("dataops_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert login["headers"]["x-csrf-token"]
    assert "set-cookie" not in login["headers"]

    created = deployment.request(
        "POST",
        "/work/api/tasks",
        body=json.dumps({"description": "Book the guest", "date": "2026-12-01"}).encode(),
        headers={"content-type": "application/json"},
    )
    assert created["statusCode"] == 201, created
    task = json_of(created)
    assert created["headers"]["content-type"] == "application/json"
    assert created["headers"]["content-security-policy"].endswith("sandbox")
    listed = deployment.request("GET", "/work/api/tasks", query="date=2026-12-01")
    assert [item["id"] for item in json_of(listed)["tasks"]] == [task["id"]]
    assert task["description"] == "Book the guest"

    # What crossed the invoke: the broker's request, JSON as text, the trusted headers and not
    # one of the browser's cookies or headers.
    calls = deployment.lambda_client.calls
    assert {(call["FunctionName"], call["InvocationType"]) for call in calls} == {
        (ENGINE_FUNCTION, "RequestResponse")
    }
    sent = next(p for p in deployment.lambda_client.payloads if p["path"] == "/api/tasks")
    assert sent["dataops"] == aws.ENGINE_REQUEST
    assert (sent["method"], sent["isBase64Encoded"]) == ("POST", False)
    assert json.loads(sent["body"]) == {"description": "Book the guest", "date": "2026-12-01"}
    forwarded = headers_of(sent)
    assert forwarded["x-portal-secret"] == PORTAL_SECRET
    assert (forwarded["x-user-id"], forwarded["x-portal-client-ip"]) == ("ada", "203.0.113.7")
    assert "cookie" not in forwarded and "origin" not in forwarded
    answered = deployment.lambda_client.results[-1]
    assert (answered["dataops"], answered["status"]) == (aws.ENGINE_RESPONSE, 200)
    assert answered["isBase64Encoded"] is False


def test_a_page_without_a_session_redirects_to_the_login(deployment: Deployment) -> None:
    page = deployment.request("GET", "/work")

    assert page["statusCode"] == 303
    assert page["headers"]["location"] == "/login?next=%2Fwork"
    assert deployment.lambda_client.payloads == []


def test_a_binary_upload_and_its_download_cross_the_invoke_in_base64(
    deployment: Deployment,
) -> None:
    deployment.sign_in()
    task = json_of(
        deployment.request(
            "POST",
            "/work/api/tasks",
            body=json.dumps({"description": "Pay the studio", "date": "2026-12-01"}).encode(),
            headers={"content-type": "application/json"},
        )
    )
    upload = body([field("taskId", task["id"]), file_part(BINARY, "studio.pdf")])

    created = deployment.request("POST", "/work/api/files", body=upload, headers=headers())
    assert created["statusCode"] == 201, body_of(created)
    record = json_of(created)["file"]
    assert record["checksum"] == "sha256:" + hashlib.sha256(BINARY).hexdigest()
    sent = deployment.lambda_client.payloads[-1]
    assert sent["isBase64Encoded"] is True
    assert base64.b64decode(sent["body"]) == upload

    download = deployment.request("GET", f"/work/api/files/{record['id']}/download")
    assert download["statusCode"] == 200
    assert download["isBase64Encoded"] is True
    assert body_of(download) == BINARY
    assert download["headers"]["content-type"] == "application/pdf"
    assert "studio.pdf" in download["headers"]["content-disposition"]
    answered = deployment.lambda_client.results[-1]
    assert answered["isBase64Encoded"] is True
    assert base64.b64decode(answered["body"]) == BINARY
    assert headers_of(answered)["content-length"] == str(len(BINARY))


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-length"])
def test_a_body_too_large_for_an_invoke_is_refused_before_the_engine(
    deployment: Deployment, declared: bool
) -> None:
    deployment.sign_in()
    deployment.lambda_client.payloads.clear()
    upload = body([file_part(b"x" * aws.MAX_REQUEST_BODY, "recording.wav", "audio/wav")])
    sent_headers = headers()
    if declared:
        sent_headers["content-length"] = str(len(upload))

    refused = deployment.request("POST", "/work/api/files", body=upload, headers=sent_headers)

    assert refused["statusCode"] == 413
    assert json_of(refused) == {
        "error": "Request body too large: at most 4669440 bytes pass through the portal on AWS; upload large files straight to S3 with a direct upload session (POST /work/api/artifacts/uploads)"
    }
    assert deployment.lambda_client.payloads == []
    assert deployment.engine.store.count("files") == 0


def test_the_largest_body_that_fits_crosses_the_invoke(deployment: Deployment) -> None:
    limit = aws.MAX_REQUEST_BODY
    request = aws.EngineRequest("POST", "/api/files", "/api/files", "", [], None, b"\xff" * limit)

    assert len(request.payload()) <= aws.LAMBDA_PAYLOAD_LIMIT - aws.ENVELOPE_RESERVE + 200


def test_an_engine_that_cannot_be_invoked_is_503_and_one_that_fails_502(
    deployment: Deployment,
) -> None:
    deployment.sign_in()
    fake = deployment.lambda_client

    fake.failure = ClientError(
        {"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}, "Invoke"
    )
    busy = deployment.request("GET", "/work/api/tasks")
    assert (busy["statusCode"], json_of(busy)) == (
        503,
        {"error": "The engine is unavailable; try again later"},
    )

    fake.failure = None

    def crash(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError("Task timed out after 30.00 seconds")

    fake.handler = crash
    crashed = deployment.request("GET", "/work/api/tasks")
    assert (crashed["statusCode"], json_of(crashed)) == (
        502,
        {"error": "The engine sent a malformed reply"},
    )

    fake.handler = lambda event, context: {"statusCode": 200, "body": "not the engine's format"}
    garbled = deployment.request("GET", "/work/api/tasks")
    assert garbled["statusCode"] == 502


# --- the engine handler with the broker's payload -------------------------------------------------


@pytest.fixture
def engine_alone(deployment: Deployment) -> Engine:
    return deployment.engine


def test_the_engine_handler_answers_the_brokers_json_request(engine_alone: Engine) -> None:
    request = json.dumps({"description": "Edit the episode", "date": "2026-12-03"}).encode()
    payload = broker_payload(
        "POST", "/api/tasks", body=request, **{"content-type": "application/json"}
    )
    assert payload["body"] == request.decode() and payload["isBase64Encoded"] is False

    answer = aws.engine_handler(payload, None)

    assert answer["status"] == 201
    assert answer["isBase64Encoded"] is False
    assert json.loads(answer["body"])["description"] == "Edit the episode"
    assert headers_of(answer)["content-type"] == "application/json"
    # The answer survives the trip through JSON that Lambda makes of it.
    assert json.loads(json.dumps(answer)) == answer

    listed = aws.engine_handler(broker_payload("GET", "/api/tasks?date=2026-12-03"), None)
    assert [task["description"] for task in json.loads(listed["body"])["tasks"]] == [
        "Edit the episode"
    ]


def test_the_engine_handler_checks_the_portal_secret(engine_alone: Engine) -> None:
    payload = broker_payload("GET", "/api/tasks")
    payload["headers"] = [
        [name, "wrong" if name == "x-portal-secret" else value]
        for name, value in payload["headers"]
    ]

    answer = aws.engine_handler(payload, None)

    assert (answer["status"], json.loads(answer["body"])) == (401, {"error": "Unauthorized"})


@pytest.mark.parametrize(
    "event",
    [
        {"job": "cron"},
        {"dataops": aws.ENGINE_REQUEST, "method": "GET"},
        {**{"dataops": aws.ENGINE_REQUEST}, "method": "GET", "path": "/api/tasks"},
        "GET /api/tasks",
    ],
    ids=["scheduled-event", "no-path", "no-headers", "not-an-object"],
)
def test_the_engine_handler_refuses_what_no_broker_sends(engine_alone: Engine, event: Any) -> None:
    with pytest.raises(ValueError):
        aws.engine_handler(event, None)


def test_a_body_that_is_not_base64_is_refused(engine_alone: Engine) -> None:
    payload = broker_payload("POST", "/api/files", body=b"\xff\xfe", **headers())
    payload["body"] = "%%% not base64 %%%"

    with pytest.raises(ValueError):
        aws.engine_handler(payload, None)


# --- answers larger than an invoke, and downloads, with binaries in S3 ----------------------------


@pytest.fixture
def s3_engine_alone(
    tmp_path: Path, s3: S3Emulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    settings = make_settings(
        tmp_path,
        DATAOPS_AUTH_MODE="portal",
        WORK_ENGINE_PORTAL_SECRET=PORTAL_SECRET,
        DATAOPS_BLOBS=f"s3://{s3.bucket}/engine",
    )
    engine = make_engine(settings, clock)
    users.add_user(engine, email="ada@example.com", name="Ada", user_id="ada")
    monkeypatch.setattr(aws, "_engine", (create_app(engine, portal_secret=PORTAL_SECRET), engine))
    yield engine
    engine.store.close()


def new_tasks(count: int) -> None:
    for number in range(count):
        task = json.dumps({"description": f"Task {number:03d} " + "x" * 200, "date": "2026-12-04"})
        created = aws.engine_handler(
            broker_payload(
                "POST", "/api/tasks", body=task.encode(), **{"content-type": "application/json"}
            ),
            None,
        )
        assert created["status"] == 201


def test_an_answer_too_large_for_an_invoke_is_fetched_from_the_bucket(
    s3_engine_alone: Engine, s3: S3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_tasks(12)
    whole = aws.engine_handler(broker_payload("GET", "/api/tasks?date=2026-12-04"), None)
    monkeypatch.setattr(aws, "LAMBDA_PAYLOAD_LIMIT", aws.ENVELOPE_RESERVE + 2_000)

    answer = aws.engine_handler(broker_payload("GET", "/api/tasks?date=2026-12-04"), None)

    assert answer["status"] == 303
    assert answer["body"] == ""
    location = headers_of(answer)["location"]
    assert "X-Amz-Signature=" in location
    assert headers_of(answer)["cache-control"] == "no-store"
    fetched = httpx.get(location)
    assert fetched.content == answer_body(whole)
    assert len(json.loads(fetched.content)["tasks"]) == 12
    stored = s3.keys()
    assert [key.rpartition("/")[0] for key in stored] == ["engine/answers"]


def test_an_answer_too_large_without_a_bucket_is_refused_in_words(
    engine_alone: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws, "LAMBDA_PAYLOAD_LIMIT", aws.ENVELOPE_RESERVE + 100)

    answer = aws.engine_handler(broker_payload("GET", "/api/users"), None)

    assert answer["status"] == 413
    assert json.loads(answer["body"]) == {
        "error": "The answer is larger than AWS Lambda can carry (6 MB); ask for it in pages (limit and cursor)"
    }


def test_a_download_of_a_binary_in_s3_is_a_redirect_not_a_payload(
    s3_engine_alone: Engine,
) -> None:
    new_tasks(1)
    listed = aws.engine_handler(broker_payload("GET", "/api/tasks?date=2026-12-04"), None)
    task_id = json.loads(listed["body"])["tasks"][0]["id"]
    upload = body([field("taskId", task_id), file_part(BINARY, "prep.pdf")])
    created = aws.engine_handler(
        broker_payload("POST", "/api/files", body=upload, **headers()), None
    )
    assert created["status"] == 201, created
    record = json.loads(created["body"])["file"]

    answer = aws.engine_handler(broker_payload("GET", f"/api/files/{record['id']}/download"), None)

    assert answer["status"] == 302
    assert answer["body"] == ""
    assert httpx.get(headers_of(answer)["location"]).content == BINARY


# --- the portal secret from Secrets Manager, on both sides ----------------------------------------


def test_both_functions_take_the_portal_secret_from_secrets_manager(
    tmp_path: Path, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, deployment: Deployment
) -> None:
    import boto3

    from tests.support.moto_server import s3_variables

    for name, value in s3_variables(moto_endpoint).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_endpoint)
    secrets = boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    name = f"dataops-portal-secret-{id(secrets)}"
    secrets.create_secret(Name=name, SecretString="s" * 64)
    monkeypatch.delenv("WORK_ENGINE_PORTAL_SECRET")
    monkeypatch.setenv("WORK_ENGINE_PORTAL_SECRET_NAME", name)
    for variable, value in {
        "DATAOPS_ENV": "test",
        "DATAOPS_AUTH_MODE": "portal",
        "DATAOPS_STORE": f"sqlite:///{tmp_path / 'own.db'}",
        "DATAOPS_BLOBS": f"local-dev:///{tmp_path / 'own-blobs'}",
    }.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setattr(aws, "_engine", None)  # both functions start cold

    health = aws.portal_handler(url_event("GET", "/work/health"), None)

    assert (health["statusCode"], json_of(health)) == (200, {"status": "ok"})
    assert aws._engine is not None
    aws._engine[1].store.close()


def test_the_portal_names_its_function_url_as_its_origin(deployment: Deployment) -> None:
    foreign = deployment.request(
        "POST",
        "/login",
        body=json.dumps(ADA).encode(),
        headers={"content-type": "application/json", "origin": "https://evil.example"},
    )
    assert foreign["statusCode"] == 403
    own = deployment.request(
        "POST",
        "/login",
        body=json.dumps(ADA).encode(),
        headers={"content-type": "application/json", "origin": ORIGIN},
    )
    assert own["statusCode"] == 200


def test_an_event_with_text_no_http_server_would_send_is_still_answered(
    deployment: Deployment,
) -> None:
    event = url_event(
        "GET",
        "/work/caf%C3%A9",
        query="q=caf%C3%A9",
        headers={"x-note": "café \ud800", "accept": "text/html"},
        cookies=["dataops_session=naïve"],
    )

    answer = aws.portal_handler(event, None)

    assert answer["statusCode"] == 303
    assert answer["headers"]["location"].startswith("/login?next=")
