"""Export -> import into an empty store -> export gives byte-identical entity files
(docs/export-format.md), for a store filled through the API and after any sequence of API calls;
and what the restored store holds: the same records, actors and timestamps, legacy files that
still download, users without passwords until one is set."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

import tests.portable.test_export_property as sequences
from dataops.engine import users
from dataops.engine.context import Engine
from dataops.model import messages
from dataops.portable.export import ExportOptions, write_export
from dataops.portable.mapping import ENTITIES, Mapper
from dataops.portable.restore import import_export
from dataops.portable.validate import validate_export
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.portable.filled import INVOICE, fill_through_api

T0 = "2026-11-28T09:00:00.000Z"


def restored_engine(root: Path, name: str = "restored") -> Engine:
    return make_engine(
        make_settings(root, DATAOPS_STORE=f"sqlite:///{root / f'{name}.db'}"), FakeClock()
    )


def entity_files(directory: Path) -> dict[str, bytes]:
    return {entity.filename: (directory / entity.filename).read_bytes() for entity in ENTITIES}


def test_export_import_export_gives_identical_entity_files(
    engine: Engine, client: TestClient, clock: FakeClock, tmp_path: Path
) -> None:
    ids = fill_through_api(engine, client, clock)
    first = write_export(engine, tmp_path / "first", ExportOptions(generated_at=T0))
    assert validate_export(tmp_path / "first").errors == []
    assert all(count > 0 for count in first.entity_counts.values()), first.entity_counts
    restored = restored_engine(tmp_path)

    summary = import_export(restored.store, tmp_path / "first")
    second = write_export(restored, tmp_path / "second", ExportOptions(generated_at=T0))

    assert summary.written == first.entity_counts
    assert second.checksums == first.checksums
    assert entity_files(tmp_path / "second") == entity_files(tmp_path / "first")
    # The manifests differ only where the export was made, not in what it holds.
    assert (tmp_path / "second" / "manifest.json").read_bytes() == (
        tmp_path / "first" / "manifest.json"
    ).read_bytes()
    # Every record as exported: each entity's records map to the same export records.
    for entity in ENTITIES:
        mapper = Mapper(entity)
        assert [mapper(item) for item in restored.store.scan(entity.table)] == [
            mapper(item) for item in engine.store.scan(entity.table)
        ]
    prep_doc = restored.store.get("artifacts", ids["artifacts"][0])
    assert prep_doc is not None
    assert prep_doc["createdBy"] == "service:podcast-assistant"
    assert prep_doc["reviewedBy"] == ids["users"][0]
    assert (
        prep_doc["reviewedAt"] == engine.store.get("artifacts", ids["artifacts"][0])["reviewedAt"]
    )
    restored.store.close()


def test_the_restored_store_serves_the_api_like_the_original(
    engine: Engine, client: TestClient, clock: FakeClock, tmp_path: Path
) -> None:
    ids = fill_through_api(engine, client, clock)
    write_export(engine, tmp_path / "export")
    restored = restored_engine(tmp_path)
    import_export(restored.store, tmp_path / "export")
    again = client_for(restored)

    for path in (
        f"/api/tasks/{ids['tasks'][0]}",
        f"/api/tasks/{ids['tasks'][0]}/proof",
        f"/api/bundles/{ids['bundles'][0]}/tasks",
        f"/api/files?taskId={ids['tasks'][2]}",
        f"/api/artifacts?taskId={ids['tasks'][0]}",
        f"/api/audit-events?entityId={ids['artifacts'][0]}",
        "/api/notifications?all=true",
        "/api/templates",
        "/api/recurring",
    ):
        assert again.get(path).json() == client.get(path).json(), path
    # The binary stays where it was (the blob store is not part of an export).
    download = again.get(f"/api/files/{ids['file']}/download")
    assert download.status_code == 200
    assert download.content == INVOICE
    restored.store.close()


def test_imported_users_need_a_password_before_they_can_log_in(
    engine: Engine, client: TestClient, clock: FakeClock, tmp_path: Path
) -> None:
    fill_through_api(engine, client, clock)
    write_export(engine, tmp_path / "export")
    restored = restored_engine(tmp_path)
    import_export(restored.store, tmp_path / "export")
    ada = users.find_by_email(restored, "ada@example.com")
    assert ada is not None and "passwordHash" not in ada

    refused = client_for(restored).post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "correct horse"}
    )
    users.set_password(restored, ada["id"], "correct horse")
    accepted = client_for(restored).post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "correct horse"}
    )

    assert refused.status_code == 401
    assert refused.json() == {"error": messages.INVALID_CREDENTIALS}
    assert accepted.status_code == 200, accepted.text
    restored.store.close()


def test_legacy_file_records_restore_so_that_they_export_the_same_and_still_download(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    task_id = client.post("/api/tasks", json={"description": "Pay", "date": "2025-03-01"}).json()[
        "id"
    ]
    blobs = tmp_path / "blobs"
    (blobs / task_id / "scans").mkdir(parents=True)
    (blobs / task_id / "scans" / "receipt.png").write_bytes(b"\x89PNG legacy")
    engine.store.create(
        "files",
        {
            "id": "legacy-1",
            "taskId": task_id,
            "filename": "receipt.png",
            "category": "invoice",
            "storagePath": f"{task_id}\\scans\\receipt.png",
            "createdAt": "2025-03-01T10:00:00.000Z",
        },
    )
    write_export(engine, tmp_path / "first")
    restored = restored_engine(tmp_path)

    import_export(restored.store, tmp_path / "first")
    write_export(restored, tmp_path / "second")

    assert entity_files(tmp_path / "second") == entity_files(tmp_path / "first")
    record = restored.store.get("files", "legacy-1")
    assert record is not None
    assert (record["storageUri"], record["storageProvider"]) == (
        f"local-dev://{task_id}/scans/receipt.png",
        "local-dev",
    )
    download = client_for(restored).get("/api/files/legacy-1/download")
    assert download.status_code == 200
    assert download.content == b"\x89PNG legacy"
    restored.store.close()


class RoundTrips(sequences.ApiSequences):
    """The export property's API sequences, checked for the round trip instead."""

    def teardown(self) -> None:
        try:
            write_export(self.engine, self.root / "first", ExportOptions(generated_at=T0))
            restored = restored_engine(self.root)
            try:
                import_export(restored.store, self.root / "first")
                write_export(restored, self.root / "second", ExportOptions(generated_at=T0))
            finally:
                restored.store.close()
            assert entity_files(self.root / "second") == entity_files(self.root / "first")
        finally:
            self.engine.store.close()
            self.tmp.cleanup()


RoundTrips.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestApiSequencesRoundTrip = RoundTrips.TestCase
