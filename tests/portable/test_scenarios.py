"""Product scenarios 5 and 6 (product.md): a complete export that points only at what it
contains and carries no binary or secret, and legacy file records that export migration-safe
URIs."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from dataops.engine import users
from dataops.engine.context import Engine
from dataops.model import jsonvalue
from dataops.model.secrets import holds_secret
from dataops.portable.export import ExportOptions, write_export
from dataops.portable.validate import validate_export
from tests.portable.builder import read_jsonl
from tests.support.multipart import body, field, file_part, headers

RECORDING = b"RIFF\x00\x00WAVEfmt " + bytes(range(256)) * 64
T0 = "2026-11-28T09:00:00.000Z"


def upload(client: TestClient, task_id: str, content: bytes, filename: str) -> dict[str, Any]:
    parts = [field("taskId", task_id), file_part(content, filename, "audio/wav")]
    response = client.post("/api/files", content=body(parts), headers=headers())
    assert response.status_code == 201, response.text
    file: dict[str, Any] = response.json()["file"]
    return file


def test_scenario_5_a_complete_export_points_only_at_exported_records(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    ada = users.add_user(engine, email="ada@example.com", name="Ada", password="correct horse")
    bundle = client.post(
        "/api/bundles", json={"title": "Episode 12", "anchorDate": "2026-12-10"}
    ).json()["bundle"]
    record = client.post(
        "/api/tasks",
        json={"description": "Record the episode", "date": "2026-12-10", "bundleId": bundle["id"]},
    ).json()
    prep = client.post(
        "/api/tasks",
        json={
            "description": "Review the guest prep document",
            "date": "2026-12-08",
            "bundleId": bundle["id"],
            "proofRequirement": {"type": "artifact", "label": "Prep doc"},
        },
    ).json()
    recording = upload(client, record["id"], RECORDING, "episode-12.wav")
    as_ada = {"x-user-id": ada["id"]}
    registered = client.post(
        "/api/artifacts",
        json={
            "type": "recording",
            "title": "Episode 12 raw recording",
            "storageUri": recording["storageUri"],
            "checksum": recording["checksum"],
            "sizeBytes": recording["sizeBytes"],
            "dataClass": "private",
            "sourceType": "manual-upload",
            "taskId": record["id"],
            "bundleId": bundle["id"],
            "fileId": recording["id"],
        },
        headers=as_ada,
    )
    assert registered.status_code == 201, registered.text
    recording_artifact = registered.json()["artifact"]
    approved = client.post(f"/api/artifacts/{recording_artifact['id']}/approve", headers=as_ada)
    assert approved.status_code == 200, approved.text
    draft = client.post(
        "/api/artifacts",
        json={
            "type": "podcast-doc",
            "title": "Guest prep (draft)",
            "status": "needs-review",
            "storageUri": "https://docs.google.com/document/d/1AbC",
            "sourceType": "assistant-output",
            "assistantJobId": "heru-run-2026-11-28-0912",
            "metadata": {"model": "podcast-assistant", "promptTokens": 5120},
        },
        headers={"x-user-id": "service:podcast-assistant"},
    ).json()["artifact"]
    attached = client.post(f"/api/artifacts/{draft['id']}/attach", json={"taskId": prep["id"]})
    assert attached.status_code == 200, attached.text
    waiting = client.put(
        f"/api/tasks/{record['id']}",
        json={
            "status": "waiting",
            "waitingFor": "Grace",
            "followUpAt": "2026-11-28T08:00:00.000Z",
        },
    )
    assert waiting.status_code == 200, waiting.text
    follow_ups = client.get("/api/notifications").json()["notifications"]  # raises the follow-up
    assert [n["type"] for n in follow_ups] == ["follow-up-due"]

    summary = write_export(engine, tmp_path / "export", ExportOptions(generated_at=T0))

    export = tmp_path / "export"
    manifest = jsonvalue.loads((export / "manifest.json").read_bytes())
    assert manifest["entity_files"]["artifacts"] == "artifacts.jsonl"
    for entity, filename in manifest["entity_files"].items():
        content = (export / filename).read_bytes()
        assert manifest["entity_counts"][entity] == content.count(b"\n")
        assert manifest["checksums"][filename] == "sha256:" + hashlib.sha256(content).hexdigest()
    assert summary.entity_counts["artifacts"] == 2
    exported = {name: read_jsonl(export / f"{name}.jsonl") for name in manifest["entity_files"]}
    ids = {
        name: {record[f"{name.removesuffix('s')}_id"] for record in records}
        for name, records in exported.items()
        if name not in ("audit_events", "recurring_configs")
    }
    for artifact in exported["artifacts"]:
        assert artifact.get("task_id", record["id"]) in ids["tasks"]
        assert artifact.get("bundle_id", bundle["id"]) in ids["bundles"]
        assert artifact.get("file_id", recording["id"]) in ids["files"]
    prep_artifact = next(a for a in exported["artifacts"] if a["artifact_id"] == draft["id"])
    assert prep_artifact["assistant_job_id"] == "heru-run-2026-11-28-0912"  # opaque
    assert {a["file_id"] for a in exported["artifacts"] if "file_id" in a} == {recording["id"]}
    # No binary, no secret.
    everything = b"".join(path.read_bytes() for path in export.glob("*.jsonl"))
    assert RECORDING[:64] not in everything
    assert b"password" not in everything.lower() and b"scrypt$" not in everything
    for records in exported.values():
        for line in records:
            for value in _strings(line):
                assert len(value) <= 65_536
                assert not holds_secret(value)
    assert prep_artifact["task_id"] == prep["id"] and prep_artifact["status"] == "needs-review"
    report = validate_export(export)
    assert (report.valid, report.errors) == (True, [])
    assert report.entity_counts == summary.entity_counts
    # The assistant is a service identity, not a user account, and a known actor: its artifact
    # and the audit event of its registration name it without a warning.
    assert report.warnings == []


def test_scenario_6_legacy_files_export_migration_safe_uris(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    task = client.post("/api/tasks", json={"description": "Pay the venue", "date": "2025-03-01"})
    task_id = task.json()["id"]
    for file_id, storage_path in (
        ("legacy-1", f"{task_id}/invoice.pdf"),
        ("legacy-2", f"{task_id}\\scans\\receipt.png"),
    ):
        engine.store.create(
            "files",
            {
                "id": file_id,
                "taskId": task_id,
                "filename": storage_path.replace("\\", "/").rsplit("/", 1)[-1],
                "category": "invoice",
                "storagePath": storage_path,
                "createdAt": "2025-03-01T10:00:00.000Z",
            },
        )

    write_export(engine, tmp_path / "export")

    files = read_jsonl(tmp_path / "export" / "files.jsonl")
    assert [(f["file_id"], f["storage_uri"], f["storage_provider"]) for f in files] == [
        ("legacy-1", f"local-dev://{task_id}/invoice.pdf", "local-dev"),
        ("legacy-2", f"local-dev://{task_id}/scans/receipt.png", "local-dev"),
    ]
    assert all("storage_path" not in f and "storagePath" not in f for f in files)
    report = validate_export(tmp_path / "export")
    assert report.valid
    assert report.errors == []


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []
