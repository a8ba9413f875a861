"""Export directories built by hand for validator tests: a small valid export that each test
breaks in exactly one way, with the manifest's checksums and counts computed unless a test
overrides them."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dataops.model import jsonvalue
from dataops.portable.mapping import ENTITIES

T0 = "2026-11-28T09:00:00.000Z"
T1 = "2026-11-28T10:00:00.000Z"

VALID: dict[str, list[dict[str, Any]]] = {
    "users": [{"user_id": "user-ada", "name": "Ada", "email": "ada@example.com", "created_at": T0}],
    "tasks": [
        {
            "task_id": "task-1",
            "description": "Book the guest",
            "date": "2026-12-01",
            "status": "todo",
            "bundle_id": "bundle-1",
            "template_id": "template-1",
            "assignee_id": "user-ada",
            "created_at": T0,
            "updated_at": T0,
        },
        {
            "task_id": "task-2",
            "description": "Review the prep document",
            "date": "2026-12-02",
            "status": "done",
            "bundle_id": "bundle-1",
            "proof_requirement": {"type": "artifact", "label": "Prep doc"},
            "completed_by": "user-ada",
            "completed_at": T1,
            "created_at": T0,
            "updated_at": T1,
        },
        {
            "task_id": "task-3",
            "description": "Upload the invoice",
            "date": "2026-12-03",
            "status": "done",
            "requires_file": True,
            "completed_at": T1,
            "created_at": T0,
            "updated_at": T1,
        },
    ],
    "bundles": [
        {
            "bundle_id": "bundle-1",
            "title": "Episode 12",
            "anchor_date": "2026-12-10",
            "template_id": "template-1",
            "stage": "preparation",
            "status": "active",
            "emoji": "🎙️",
            "created_at": T0,
            "updated_at": T0,
        }
    ],
    "templates": [
        {
            "template_id": "template-1",
            "name": "Podcast episode",
            "type": "podcast",
            "phases": [{"id": "prep", "name": "Preparation", "stage": "preparation"}],
            "task_definitions": [
                {
                    "refId": "book",
                    "description": "Book the guest",
                    "offsetDays": -9,
                    "proofRequirement": {"type": "url"},
                }
            ],
            "created_at": T0,
            "updated_at": T0,
        }
    ],
    "recurring_configs": [
        {
            "recurring_config_id": "recurring-1",
            "description": "Weekly newsletter",
            "cron_expression": "0 9 * * 1",
            "assignee_id": "user-ada",
            "enabled": True,
            "created_at": T0,
            "updated_at": T0,
        }
    ],
    "files": [
        {
            "file_id": "file-1",
            "task_id": "task-3",
            "filename": "invoice.pdf",
            "category": "invoice",
            "storage_uri": "local-dev://3f/invoice",
            "storage_provider": "local-dev",
            "checksum": "sha256:" + "0" * 64,
            "size_bytes": 1024,
            "created_at": T0,
        }
    ],
    "artifacts": [
        {
            "artifact_id": "artifact-1",
            "type": "podcast-doc",
            "title": "Guest prep",
            "status": "approved",
            "storage_provider": "s3",
            "storage_uri": "s3://dataops-binaries/artifacts/prep.pdf",
            "checksum": "sha256:" + "1" * 64,
            "visibility": "internal",
            "data_class": "internal",
            "task_id": "task-2",
            "assistant_job_id": "job-opaque-7",
            "source_type": "assistant-output",
            "created_by": "user-ada",
            "reviewed_by": "user-ada",
            "created_at": T0,
            "updated_at": T1,
            "reviewed_at": T1,
            "metadata": {"model": "podcast-assistant", "tokenCount": 1200},
        }
    ],
    "notifications": [
        {
            "notification_id": "notification-1",
            "notification_type": "follow-up-due",
            "message": "Follow up: Book the guest",
            "task_id": "task-1",
            "due_at": T1,
            "dismissed": False,
            "created_at": T1,
        }
    ],
    "audit_events": [
        {
            "audit_event_id": "event-1",
            "actor_id": "user-ada",
            "entity_type": "task",
            "entity_id": "task-2",
            "action": "task.completed",
            "before": {"status": "todo"},
            "after": {"status": "done"},
            "summary": "Task completed",
            "created_at": T1,
        }
    ],
}


def valid_records() -> dict[str, list[dict[str, Any]]]:
    """A deep copy of VALID, safe to break."""
    return copy.deepcopy(VALID)


def jsonl(records: list[Any]) -> bytes:
    return b"".join(jsonvalue.dumps_sorted(record) + b"\n" for record in records)


def checksum(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def write_export_dir(
    directory: Path,
    records: Mapping[str, list[Any]] | None = None,
    *,
    raw: Mapping[str, bytes] | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> Path:
    """Entity files from `records` (or raw bytes from `raw`), and a manifest whose checksums
    and counts match them; keys of `manifest` replace the computed ones."""
    records = valid_records() if records is None else records
    raw = raw or {}
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    checksums: dict[str, str] = {}
    for entity in ENTITIES:
        content = raw.get(entity.name)
        if content is None:
            content = jsonl(records.get(entity.name, []))
        counts[entity.name] = len(records.get(entity.name, []))
        checksums[entity.filename] = checksum(content)
        (directory / entity.filename).write_bytes(content)
    computed: dict[str, Any] = {
        "schema_version": "dataops.execution.v1",
        "generated_at": T1,
        "source_environment": "test",
        "source_stack": "unknown",
        "source_region": "unknown",
        "app_git_sha": "unknown",
        "export_format_version": 1,
        "entity_files": {entity.name: entity.filename for entity in ENTITIES},
        "entity_counts": counts,
        "checksums": checksums,
        "redactions": ["users.password_hash", "sessions"],
        "omitted_entities": ["sessions", "assistant_jobs"],
    }
    computed.update(manifest or {})
    (directory / "manifest.json").write_bytes(jsonvalue.dumps_indented(computed))
    return directory


def read_manifest(directory: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = jsonvalue.loads((directory / "manifest.json").read_bytes())
    return manifest


def write_manifest(directory: Path, manifest: Mapping[str, Any]) -> None:
    (directory / "manifest.json").write_bytes(jsonvalue.dumps_indented(dict(manifest)))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [jsonvalue.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
