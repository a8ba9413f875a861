"""Completion receipts in exports (docs/export-format.md): exported, validated by their declared
shape, restored byte-identical, and a receipt that no longer holds (an artifact archived or
superseded, a file deleted, an artifact missing) is a warning that names the task and the item.
A waived completion is no error, even though its proof is missing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from dataops.engine.context import Engine
from dataops.portable.export import ExportOptions, write_export
from dataops.portable.restore import import_export
from dataops.portable.validate import validate_export
from tests.conftest import FakeClock, make_engine, make_settings
from tests.support.artifacts import make_artifact, make_task
from tests.support.multipart import body, field, file_part, headers

T0 = "2026-11-28T09:00:00.000Z"


def upload(client: TestClient, task_id: str) -> str:
    parts = [field("taskId", task_id), field("category", "invoice"), file_part(b"%PDF invoice")]
    response = client.post("/api/files", content=body(parts), headers=headers())
    assert response.status_code == 201, response.text
    return str(response.json()["file"]["id"])


def approved(client: TestClient, task_id: str, title: str) -> str:
    artifact = make_artifact(client, taskId=task_id, title=title)
    response = client.post(f"/api/artifacts/{artifact['id']}/approve")
    assert response.status_code == 200
    return str(artifact["id"])


def done(client: TestClient, task_id: str, **extra: Any) -> dict[str, Any]:
    response = client.put(f"/api/tasks/{task_id}", json={"status": "done", **extra})
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()
    return task


def rewrite(directory: Path, entity: str, lines: list[str]) -> None:
    """Replace an entity file, keeping the manifest's count and checksum true to it."""
    path = directory / f"{entity}.jsonl"
    path.write_text("".join(f"{line}\n" for line in lines))
    manifest_path = directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["entity_counts"][entity] = len(lines)
    manifest["checksums"][path.name] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))


def tasks_of(directory: Path) -> dict[str, dict[str, Any]]:
    lines = (directory / "tasks.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    return {record["task_id"]: record for record in records}


def test_receipts_round_trip_byte_identical_and_warn_when_they_no_longer_hold(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    gated = {"proofRequirement": {"type": "artifact", "label": "page"}}
    archived_task = make_task(client, description="Archived proof", **gated)
    archived_artifact = approved(client, archived_task["id"], "Page A")
    superseded_task = make_task(client, description="Superseded proof", **gated)
    superseded_artifact = approved(client, superseded_task["id"], "Page B")
    file_task = make_task(client, description="Invoice", requiresFile=True)
    file_id = upload(client, file_task["id"])
    waived_task = make_task(client, description="Waived", **gated)
    for task in (archived_task, superseded_task, file_task):
        done(client, task["id"])
    waived = done(client, waived_task["id"], waiveProof={"reason": "Page retired by the venue"})

    first = write_export(engine, tmp_path / "first", ExportOptions(generated_at=T0))
    report = validate_export(tmp_path / "first")
    assert (report.errors, report.warnings) == ([], [])
    exported = tasks_of(tmp_path / "first")
    assert exported[waived_task["id"]]["completion_proof"] == waived["completionProof"]
    assert exported[waived_task["id"]]["proof_baseline"] == {
        "proofRequirement": {"type": "artifact", "label": "page"}
    }

    restored = make_engine(
        make_settings(tmp_path, DATAOPS_STORE=f"sqlite:///{tmp_path / 'restored.db'}"),
        FakeClock(),
    )
    import_export(restored.store, tmp_path / "first")
    second = write_export(restored, tmp_path / "second", ExportOptions(generated_at=T0))
    assert second.checksums == first.checksums
    for task_id, record in exported.items():
        again = restored.store.get("tasks", task_id)
        assert again is not None
        assert again.get("completionProof") == engine.store.get("tasks", task_id).get(  # type: ignore[union-attr]
            "completionProof"
        )
        assert json.dumps(record.get("completion_proof"), sort_keys=True) == json.dumps(
            again.get("completionProof"), sort_keys=True
        )

    # The proof changes after completion: the receipts no longer hold.
    assert client.put(f"/api/artifacts/{archived_artifact}/archive").status_code == 200
    successor = client.post(
        f"/api/artifacts/{superseded_artifact}/supersede",
        json={"type": "event-page", "title": "Page B v2", "storageUri": "https://lu.ma/b2"},
    )
    assert successor.status_code == 201, successor.text
    assert client.delete(f"/api/files/{file_id}").status_code == 204
    write_export(engine, tmp_path / "later", ExportOptions(generated_at=T0))
    report = validate_export(tmp_path / "later")
    assert report.errors == []
    position = {task_id: index for index, task_id in enumerate(tasks_of(tmp_path / "later"))}

    def ctx(task: dict[str, Any]) -> str:
        return f"tasks[{position[task['id']]}]"

    receipt_warnings = [warning for warning in report.warnings if " (task " in warning]
    archived_id, superseded_id, file_task_id = (
        archived_task["id"],
        superseded_task["id"],
        file_task["id"],
    )
    assert sorted(receipt_warnings) == sorted(
        [
            f"{ctx(archived_task)} (task {archived_id}) was completed with artifact {archived_artifact}, which is now archived",
            f"{ctx(superseded_task)} (task {superseded_id}) was completed with artifact {superseded_artifact}, which is now superseded",
            f"{ctx(file_task)} (task {file_task_id}) was completed with file {file_id}, which has been deleted",
        ]
    )


def test_a_receipt_naming_an_artifact_the_export_lacks_is_a_warning(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    task = make_task(client, proofRequirement={"type": "artifact"})
    artifact_id = approved(client, task["id"], "Page")
    done(client, task["id"])
    write_export(engine, tmp_path / "export", ExportOptions(generated_at=T0))
    lines = (tmp_path / "export" / "artifacts.jsonl").read_text().splitlines()
    rewrite(tmp_path / "export", "artifacts", [line for line in lines if artifact_id not in line])
    report = validate_export(tmp_path / "export")
    task_id = task["id"]
    expected = f"tasks[0] (task {task_id}) was completed with artifact {artifact_id}, which the export does not hold"
    assert expected in report.warnings


def test_a_malformed_receipt_is_an_error(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    task = make_task(client)
    done(client, task["id"])
    write_export(engine, tmp_path / "export", ExportOptions(generated_at=T0))
    record = json.loads((tmp_path / "export" / "tasks.jsonl").read_text())
    record["completion_proof"] = {"requirements": [{"kind": "magic"}]}
    rewrite(tmp_path / "export", "tasks", [json.dumps(record)])
    report = validate_export(tmp_path / "export")
    assert report.errors == [
        "tasks[0].completion_proof missing required string field completedAt",
        "tasks[0].completion_proof.requirements[0] field kind has unknown value: magic",
        "tasks[0].completion_proof.requirements[0] missing required string field source",
        "tasks[0].completion_proof.requirements[0] missing required field satisfied",
    ]
