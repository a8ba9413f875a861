"""`POST /api/cron/export` (docs/api.md#scheduled-work-and-exports): a portable export into a new timestamped
subdirectory of EXPORT_OUTPUT_DIR."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.blobs.s3 import S3BlobStore
from dataops.model import jsonvalue
from dataops.portable.mapping import ENTITIES
from dataops.portable.validate import validate_export
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.moto_server import S3Emulator


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    return tmp_path / "exports"


@pytest.fixture
def export_client(tmp_path: Path, exports: Path) -> TestClient:
    engine = make_engine(make_settings(tmp_path, EXPORT_OUTPUT_DIR=str(exports)), FakeClock())
    return client_for(engine)


def test_cron_export_writes_a_timestamped_export(export_client: TestClient, exports: Path) -> None:
    export_client.post("/api/tasks", json={"description": "Book the guest", "date": "2026-12-01"})

    response = export_client.post("/api/cron/export")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["output_dir", "schema_version", "entity_counts", "generated_at"]
    assert body["schema_version"] == "dataops.execution.v1"
    assert body["generated_at"] == "2026-11-28T09:00:00.002Z"
    assert body["output_dir"] == str(exports / "dataops-20261128T090000.002Z")
    assert body["entity_counts"] == {
        "users": 0,
        "tasks": 1,
        "bundles": 0,
        "templates": 0,
        "recurring_configs": 0,
        "files": 0,
        "artifacts": 0,
        "notifications": 0,
        "audit_events": 0,
    }
    manifest = jsonvalue.loads((Path(body["output_dir"]) / "manifest.json").read_bytes())
    assert manifest["generated_at"] == body["generated_at"]
    assert validate_export(body["output_dir"]).valid


def test_each_run_gets_its_own_directory(export_client: TestClient, exports: Path) -> None:
    first = export_client.post("/api/cron/export").json()["output_dir"]
    second = export_client.post("/api/cron/export").json()["output_dir"]

    assert first != second
    assert sorted(os.listdir(exports)) == sorted([Path(first).name, Path(second).name])


def test_without_export_output_dir(client: TestClient) -> None:
    response = client.post("/api/cron/export")

    assert response.status_code == 400
    assert response.json() == {"error": "EXPORT_OUTPUT_DIR is not configured"}


def test_an_s3_output_dir_gets_the_export_uploaded_manifest_last(
    tmp_path: Path, s3: S3Emulator
) -> None:
    engine = make_engine(
        make_settings(tmp_path, EXPORT_OUTPUT_DIR=f"s3://{s3.bucket}/exports/"), FakeClock()
    )
    client = client_for(engine)
    client.post("/api/tasks", json={"description": "Book the guest", "date": "2026-12-01"})
    sent: list[str] = []
    s3_put = S3BlobStore.put

    def recording_put(self: S3BlobStore, key: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(key)
        return s3_put(self, key, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(S3BlobStore, "put", recording_put)
        first = client.post("/api/cron/export")
        second = client.post("/api/cron/export")

    assert first.status_code == 200, first.text
    summary = first.json()
    folder = summary["output_dir"].removeprefix(f"s3://{s3.bucket}/")
    assert folder.startswith("exports/dataops-2026")
    assert summary["entity_counts"]["tasks"] == 1
    assert second.json()["output_dir"] != summary["output_dir"]
    keys = s3.keys(folder + "/")
    assert sorted(key.rpartition("/")[2] for key in keys) == sorted(
        ["manifest.json", *(entity.filename for entity in ENTITIES)]
    )
    assert sent[: len(ENTITIES) + 1][-1].endswith("/manifest.json")
    assert all(not key.endswith("manifest.json") for key in sent[: len(ENTITIES)])
    manifest = jsonvalue.loads(s3.body(f"{folder}/manifest.json"))
    assert manifest["entity_counts"] == summary["entity_counts"]
    local = tmp_path / "downloaded"
    local.mkdir()
    for key in keys:
        (local / key.rpartition("/")[2]).write_bytes(s3.body(key))
    assert validate_export(local).valid


def test_an_s3_output_dir_without_a_bucket_is_refused(tmp_path: Path) -> None:
    engine = make_engine(make_settings(tmp_path, EXPORT_OUTPUT_DIR="s3:///nightly"))

    response = client_for(engine).post("/api/cron/export")

    assert response.status_code == 400
    assert response.json() == {
        "error": "EXPORT_OUTPUT_DIR must name a bucket: s3://<bucket>[/<prefix>]"
    }


def test_unwritable_output_dir(tmp_path: Path) -> None:
    (tmp_path / "occupied").write_text("a file, not a directory")
    engine = make_engine(make_settings(tmp_path, EXPORT_OUTPUT_DIR=str(tmp_path / "occupied")))

    response = client_for(engine).post("/api/cron/export")

    assert response.status_code == 400
    assert response.json()["error"].startswith(
        f"Export could not be written to {tmp_path / 'occupied'}/dataops-"
    )


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_other_methods_are_not_allowed(export_client: TestClient, method: str) -> None:
    response = export_client.request(method, "/api/cron/export")

    assert response.status_code == 405
    assert response.json() == {"error": "Method not allowed"}


@pytest.mark.parametrize("path", ["/api/cron/export/", "/api/cron/exports", "/api/cron/export/now"])
def test_other_cron_paths_are_not_found(export_client: TestClient, path: str) -> None:
    response = export_client.post(path)

    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


def test_needs_authentication_in_session_mode(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        DATAOPS_AUTH_MODE="session",
        EXPORT_OUTPUT_DIR=str(tmp_path / "exports"),
    )

    response = client_for(make_engine(settings)).post("/api/cron/export")

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}
    assert not (tmp_path / "exports").exists()
