"""Gathers the evidence the proof gate judges: the task's file records and the artifacts that
count for it (attached to the task, attached to its bundle, or named by either's refs).

Proof decisions read artifact records, never ref snapshots: a ref counts only when the record
it names exists and is approved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from dataops.engine.context import Engine
from dataops.model import proof
from dataops.model.artifacts import ArtifactStatus
from dataops.model.proof import Evidence, Requirement
from dataops.model.values import is_nonblank, is_object
from dataops.store.base import Item

_NEVER_PROOF = {ArtifactStatus.ARCHIVED.value, ArtifactStatus.SUPERSEDED.value}
# Index reads of one batch that may run at once (each is a network round trip on DynamoDB).
_PARALLEL_READS = 8
K = TypeVar("K")
V = TypeVar("V")


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


def _judged(files: Mapping[str, Item], artifacts: Iterable[Item]) -> Evidence:
    approved: list[str] = []
    records: dict[str, Item] = {}
    unapproved: dict[str, list[str]] = {}
    for artifact in artifacts:
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


def gather_evidence(engine: Engine, task: Mapping[str, Any], task_id: str | None) -> Evidence:
    files: dict[str, Item] = {}
    if task_id and proof.needs_files(task):
        files = {
            item["id"]: item
            for item in engine.store.query("files", "GSI-TaskCreated", task_id).items
        }
    counting = counting_artifacts(engine, task, task_id) if proof.needs_artifacts(task) else []
    return _judged(files, counting)


def _read_all(keys: Iterable[K], read: Callable[[K], V]) -> dict[K, V]:
    """`read` of every key, a few at a time (bounded by the caller's batch, never per table)."""
    wanted = list(dict.fromkeys(keys))
    if len(wanted) <= 1:
        return {key: read(key) for key in wanted}
    with ThreadPoolExecutor(max_workers=min(_PARALLEL_READS, len(wanted))) as pool:
        return dict(zip(wanted, pool.map(read, wanted), strict=True))


def gather_evidence_many(engine: Engine, tasks: Sequence[Mapping[str, Any]]) -> dict[str, Evidence]:
    """Evidence of stored tasks by id, as `gather_evidence` gives it for each, in a number of
    reads that grows with the tasks that need files or artifacts (one index read each) and the
    bundles they share (one read per bundle), never with the size of the tables; refs of all
    of them are read in one batch."""
    store = engine.store
    file_tasks = [task["id"] for task in tasks if proof.needs_files(task)]
    artifact_tasks = [task for task in tasks if proof.needs_artifacts(task)]
    files = _read_all(
        file_tasks, lambda task_id: store.query("files", "GSI-TaskCreated", task_id).items
    )
    by_task = _read_all(
        (task["id"] for task in artifact_tasks),
        lambda task_id: store.query("artifacts", "GSI-Task", task_id).items,
    )
    bundle_ids = [task["bundleId"] for task in artifact_tasks if is_nonblank(task.get("bundleId"))]
    by_bundle = _read_all(
        bundle_ids, lambda bundle_id: store.query("artifacts", "GSI-Bundle", bundle_id).items
    )
    bundles = store.get_many("bundles", list(dict.fromkeys(bundle_ids))) if bundle_ids else {}
    ref_ids = {
        ref
        for task in artifact_tasks
        for ref in _ref_ids(task) + _ref_ids(bundles.get(task.get("bundleId") or ""))
    }
    referenced = store.get_many("artifacts", sorted(ref_ids)) if ref_ids else {}
    evidence: dict[str, Evidence] = {}
    for task in tasks:
        counting: dict[str, Item] = {}
        if proof.needs_artifacts(task):
            bundle_id = task.get("bundleId")
            for item in by_task.get(task["id"], []) + by_bundle.get(bundle_id or "", []):
                counting[item["id"]] = item
            for ref in _ref_ids(task) + _ref_ids(bundles.get(bundle_id or "")):
                if ref in referenced:
                    counting.setdefault(ref, referenced[ref])
        task_files = {item["id"]: item for item in files.get(task["id"], [])}
        evidence[task["id"]] = _judged(task_files, counting.values())
    return evidence


def requirements(engine: Engine, task: Mapping[str, Any], task_id: str | None) -> list[Requirement]:
    return proof.requirements(task, gather_evidence(engine, task, task_id))
