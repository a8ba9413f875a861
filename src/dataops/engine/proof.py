"""Gathers the evidence the proof gate judges: the task's file records and the artifacts that
count for it (attached to the task, attached to its bundle, or named by either's refs).

Proof decisions read artifact records, never ref snapshots: a ref counts only when the record
it names exists and is approved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataops.engine.context import Engine
from dataops.model import proof
from dataops.model.artifacts import ArtifactStatus
from dataops.model.proof import Evidence, Requirement
from dataops.model.values import is_nonblank, is_object
from dataops.store.base import Item

_NEVER_PROOF = {ArtifactStatus.ARCHIVED.value, ArtifactStatus.SUPERSEDED.value}


def _ref_ids(record: Mapping[str, Any] | None) -> list[str]:
    refs = record.get("artifactRefs") if record else None
    if not isinstance(refs, list):
        return []
    return [
        ref["artifactId"] for ref in refs if is_object(ref) and is_nonblank(ref.get("artifactId"))
    ]


def counting_artifacts(engine: Engine, task: Mapping[str, Any], task_id: str | None) -> list[Item]:
    """Every artifact record that would count for this task if approved."""
    store = engine.store
    found: dict[str, Item] = {}
    if task_id:
        for item in store.query("artifacts", "GSI-Task", task_id).items:
            found[item["id"]] = item
    bundle: Item | None = None
    bundle_id = task.get("bundleId")
    if is_nonblank(bundle_id):
        for item in store.query("artifacts", "GSI-Bundle", bundle_id).items:
            found[item["id"]] = item
        bundle = store.get("bundles", bundle_id)
    ref_ids = [ref for ref in _ref_ids(task) + _ref_ids(bundle) if ref not in found]
    found.update(store.get_many("artifacts", ref_ids))
    return list(found.values())


def gather_evidence(engine: Engine, task: Mapping[str, Any], task_id: str | None) -> Evidence:
    files: dict[str, Item] = {}
    if task_id and proof.needs_files(task):
        files = {
            item["id"]: item
            for item in engine.store.query("files", "GSI-TaskCreated", task_id).items
        }
    approved: list[str] = []
    records: dict[str, Item] = {}
    unapproved: dict[str, list[str]] = {}
    if proof.needs_artifacts(task):
        for artifact in counting_artifacts(engine, task, task_id):
            status = artifact.get("status")
            if status == ArtifactStatus.APPROVED:
                approved.append(artifact["id"])
                records[artifact["id"]] = artifact
            elif isinstance(status, str) and status not in _NEVER_PROOF:
                unapproved.setdefault(status, []).append(artifact["id"])
    return Evidence(
        file_ids=tuple(files),
        approved_artifact_ids=tuple(sorted(approved)),
        unapproved_artifacts={status: tuple(ids) for status, ids in unapproved.items()},
        file_records=files,
        artifact_records=records,
    )


def requirements(engine: Engine, task: Mapping[str, Any], task_id: str | None) -> list[Requirement]:
    return proof.requirements(task, gather_evidence(engine, task, task_id))
