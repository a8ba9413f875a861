"""`GET /api/artifacts/:id/download` (docs/api.md#artifacts): a 302 to a presigned URL for S3, the
bytes for local-dev (refused outside local/test), 409 for binaries DataOps does not hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from dataops.engine import artifact_binaries, users
from dataops.engine.context import Engine
from tests.conftest import client_for, make_engine, make_settings
from tests.support.artifacts import make_artifact
from tests.support.identity import login_token
from tests.support.moto_server import S3Emulator

PREP = b"# Guest prep: Ada Lovelace\n\n- analytical engine\n- notes on Menabrea\n"
NOT_STORED = "Artifact binary is not stored by DataOps; open its storageUri"


def output(engine: Engine, tmp_path: Path, name: str = "prep.md", content: bytes = PREP) -> Any:
    path = tmp_path / "documents" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return artifact_binaries.register_output(
        engine, path, artifact_binaries.AssistantOutput("podcast-doc", "Guest prep")
    )


def test_a_local_dev_binary_is_streamed(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    artifact = output(engine, tmp_path)

    response = client.get(f"/api/artifacts/{artifact['id']}/download")

    assert response.status_code == 200
    assert response.content == PREP
    assert response.headers["content-type"] == "text/markdown"
    assert response.headers["content-disposition"] == 'attachment; filename="prep.md"'
    assert response.headers["content-length"] == str(len(PREP))
    assert response.headers["x-content-type-options"] == "nosniff"


def test_an_s3_binary_is_a_redirect_to_a_presigned_url(
    s3_client: TestClient, s3_engine: Engine, s3: S3Emulator, tmp_path: Path
) -> None:
    artifact = output(s3_engine, tmp_path, "Vorbereitung März.md")

    response = s3_client.get(f"/api/artifacts/{artifact['id']}/download", follow_redirects=False)

    assert response.status_code == 302
    assert response.headers["cache-control"] == "no-store"
    fetched = httpx.get(response.headers["location"])
    assert fetched.content == PREP
    assert fetched.headers["content-type"] == "text/markdown"
    assert fetched.headers["content-disposition"] == (
        'attachment; filename="Vorbereitung M_rz.md"; '
        "filename*=UTF-8''Vorbereitung%20M%C3%A4rz.md"
    )


def test_the_declared_content_type_is_used_when_it_is_a_plain_media_type(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    artifact = output(engine, tmp_path, "take.raw")
    record = engine.store.get("artifacts", artifact["id"])
    assert record is not None
    for declared, served in (
        ("audio/L16", "audio/L16"),
        ("text/html\r\nSet-Cookie: x=1", "application/octet-stream"),
        ("text/plain; charset=utf-8", "application/octet-stream"),
    ):
        current = engine.store.get("artifacts", artifact["id"])
        assert current is not None
        engine.store.replace("artifacts", {**current, "contentType": declared}, current.version)
        response = client.get(f"/api/artifacts/{artifact['id']}/download")
        assert response.headers["content-type"] == served


@pytest.mark.parametrize(
    "fields",
    [
        {"storageUri": "https://lu.ma/episode-12"},
        {"storageUri": "https://www.dropbox.com/s/abc/raw.wav"},
        {"storageUri": "https://docs.google.com/document/d/abc"},
        {"storageUri": "https://github.com/org/docs/blob/main/sop.md"},
    ],
)
def test_binaries_of_other_providers_are_not_ours_to_serve(
    client: TestClient, fields: dict[str, str]
) -> None:
    artifact = make_artifact(client, **fields)
    response = client.get(f"/api/artifacts/{artifact['id']}/download")
    assert response.status_code == 409
    assert response.json() == {"error": NOT_STORED}


def test_an_s3_uri_of_another_bucket_is_not_served(s3_client: TestClient, s3: S3Emulator) -> None:
    artifact = make_artifact(
        s3_client,
        type="recording",
        storageUri="s3://someone-elses-bucket/raw.wav",
        checksum="sha256:" + "0" * 64,
    )
    response = s3_client.get(f"/api/artifacts/{artifact['id']}/download", follow_redirects=False)
    assert response.status_code == 409
    assert response.json() == {"error": NOT_STORED}


def test_a_missing_artifact(client: TestClient) -> None:
    response = client.get("/api/artifacts/4b0c7c9e-55b1-4a43-9a43-7c1b8d5c2f10/download")
    assert response.status_code == 404
    assert response.json() == {"error": "Artifact not found"}


def test_a_local_binary_that_is_gone(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    artifact = output(engine, tmp_path)
    key = artifact["storageUri"].removeprefix("local-dev://")
    (tmp_path / "blobs" / key).unlink()

    response = client.get(f"/api/artifacts/{artifact['id']}/download")

    assert response.status_code == 404
    assert response.json() == {"error": "Artifact binary not found"}


def test_local_binaries_are_refused_in_production(tmp_path: Path) -> None:
    """A local-dev record (registered during development) read by a production engine."""
    local = make_engine(make_settings(tmp_path))
    artifact = output(local, tmp_path)
    production = make_engine(
        make_settings(tmp_path, DATAOPS_ENV="production", DATAOPS_AUTH_MODE="session")
    )
    production.store.create("artifacts", dict(artifact))
    users.add_user(production, email="op@example.com", name="Op", password="pw-1234567")
    token = login_token(production, "op@example.com", "pw-1234567")
    client = client_for(production, {"authorization": f"Bearer {token}"})

    response = client.get(f"/api/artifacts/{artifact['id']}/download")

    assert response.status_code == 409
    assert response.json() == {
        "error": "Local filesystem downloads are disabled outside local/test mode"
    }
