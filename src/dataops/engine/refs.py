"""Artifact refs on tasks, bundles and template task definitions: the engine's snapshots of
artifact records for fast display, shown with current values.

A ref is `{artifactId, type, title, storageUri, status}`, always written by the engine: a ref a
client sends is rewritten from the record it names (its other keys dropped), and one naming no
artifact is refused. Attaching writes refs too; responses refresh every ref from the artifact
records (one batched read per response), so a client never sees a stale status. Proof
decisions never read refs' snapshot values (engine/proof.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dataops.model import messages
from dataops.model.errors import NotFound
from dataops.model.values import is_nonblank, is_object
from dataops.store.base import Item, Store

SNAPSHOT_FIELDS = ("type", "title", "storageUri", "status")


def snapshot(artifact: Mapping[str, Any]) -> dict[str, Any]:
    ref: dict[str, Any] = {"artifactId": artifact["id"]}
    for name in SNAPSHOT_FIELDS:
        if name in artifact:
            ref[name] = artifact[name]
    return ref


def rewritten(store: Store, refs: Any, *, keep_dangling: bool = False) -> Any:
    """A client's refs as the engine stores them: each entry is the snapshot of the artifact it
    names, once per artifact, in the client's order. An entry naming no artifact is refused
    (404), or with `keep_dangling` kept as it is (refs an import brought from elsewhere, copied
    into new tasks). Anything but a list of refs is returned untouched for validation to judge."""
    if not isinstance(refs, list) or not all(
        is_object(ref) and is_nonblank(ref.get("artifactId")) for ref in refs
    ):
        return refs
    current = store.get_many("artifacts", sorted({ref["artifactId"] for ref in refs}))
    written: dict[str, dict[str, Any]] = {}
    for ref in refs:
        artifact_id = ref["artifactId"]
        if artifact_id in written:
            continue
        artifact = current.get(artifact_id)
        if artifact is None and not keep_dangling:
            raise NotFound(messages.ARTIFACT_NOT_FOUND)
        written[artifact_id] = snapshot(artifact) if artifact is not None else dict(ref)
    return list(written.values())


def with_ref(refs: Any, ref: Mapping[str, Any]) -> list[Any]:
    """The refs with any entry for the same artifact replaced by `ref`, appended last."""
    kept = [
        existing
        for existing in (refs if isinstance(refs, list) else [])
        if not (is_object(existing) and existing.get("artifactId") == ref["artifactId"])
    ]
    return [*kept, dict(ref)]


def without_ref(refs: Any, artifact_id: str) -> list[Any]:
    return [
        existing
        for existing in (refs if isinstance(refs, list) else [])
        if not (is_object(existing) and existing.get("artifactId") == artifact_id)
    ]


def present(store: Store, records: Sequence[Item]) -> list[Item]:
    """Copies of task or bundle records whose artifact refs show the artifacts' current values."""
    wanted = {
        ref["artifactId"]
        for record in records
        for ref in (record.get("artifactRefs") or [])
        if is_object(ref) and is_nonblank(ref.get("artifactId"))
    }
    if not wanted:
        return list(records)
    current = store.get_many("artifacts", sorted(wanted))
    shown = []
    for record in records:
        refs = record.get("artifactRefs")
        if isinstance(refs, list) and refs:
            fresh = [
                {**ref, **snapshot(current[ref["artifactId"]])}
                if is_object(ref) and ref.get("artifactId") in current
                else ref
                for ref in refs
            ]
            shown.append(Item({**record, "artifactRefs": fresh}, record.version))
        else:
            shown.append(record)
    return shown
