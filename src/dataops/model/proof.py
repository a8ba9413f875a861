"""The proof gate: which requirements a task has, which are satisfied, and why not.

One computation serves the completion gate (the first unsatisfied requirement's refusal is the
400 message), `GET /api/tasks/:id/proof` (every requirement with a human reason) and the cron
runner's missing-evidence notifications, so they never disagree. The engine gathers the
evidence (file records of the task, approved artifacts that count for it); this module only
judges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dataops.model import messages
from dataops.model.receipts import RECEIPT_ITEMS_MAX, ProofKind, ProofPath
from dataops.model.tasks import ProofType
from dataops.model.values import is_nonblank, truthy

__all__ = ["Evidence", "ProofKind", "Requirement", "build_receipt", "requirements"]


@dataclass(frozen=True)
class Evidence:
    """What exists for a task beyond its own fields."""

    file_ids: tuple[str, ...] = ()
    approved_artifact_ids: tuple[str, ...] = ()
    # The records behind those ids, when gathered for a receipt ({id: record}).
    file_records: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    artifact_records: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Artifacts that would count once approved, by status: {"needs-review": ["id", ...]}.
    unapproved_artifacts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Requirement:
    kind: ProofKind
    label: str
    satisfied: bool
    reason: str
    refusal: str
    evidence: tuple[str, ...] = ()
    # The task field that asks for it: requiredLinkName, requiresFile or proofRequirement.
    source: str = "proofRequirement"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "label": self.label,
            "satisfied": self.satisfied,
            "reason": self.reason,
            "evidence": list(self.evidence),
        }


def _proof_refusal(proof_type: str, label: str | None) -> str:
    kind = "approved artifact" if proof_type == ProofType.ARTIFACT else proof_type
    suffix = f" '{label}'" if isinstance(label, str) and label else ""
    return messages.DONE_WITHOUT_PROOF.format(kind=kind, label=suffix)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _link(task: Mapping[str, Any]) -> Requirement:
    name = str(task["requiredLinkName"])
    filled = is_nonblank(task.get("link"))
    return Requirement(
        ProofKind.LINK,
        name,
        filled,
        f"The link '{name}' is filled in."
        if filled
        else f"The link '{name}' is not filled in yet.",
        messages.DONE_WITHOUT_LINK.format(name=name),
        source="requiredLinkName",
    )


def _file(label: str, evidence: Evidence, refusal: str, kind: ProofKind) -> Requirement:
    count = len(evidence.file_ids)
    return Requirement(
        kind,
        label,
        count > 0,
        f"{_plural(count, 'file')} uploaded for this task."
        if count
        else "No file has been uploaded for this task yet.",
        refusal,
        evidence.file_ids,
    )


def _field(
    task: Mapping[str, Any], kind: ProofKind, name: str, label: str, what: str
) -> Requirement:
    present = is_nonblank(task.get(name))
    return Requirement(
        kind,
        label or what,
        present,
        f"The task's {what} is filled in." if present else f"The task's {what} is empty.",
        _proof_refusal(kind.value, label or None),
    )


def _artifact(label: str, evidence: Evidence) -> Requirement:
    approved = evidence.approved_artifact_ids
    if approved:
        reason = f"{_plural(len(approved), 'approved artifact')} counts as proof."
        if len(approved) > 1:
            reason = f"{_plural(len(approved), 'approved artifact')} count as proof."
    elif evidence.unapproved_artifacts:
        waiting = ", ".join(
            f"{len(ids)} {status}" for status, ids in sorted(evidence.unapproved_artifacts.items())
        )
        reason = (
            "No approved artifact yet: the artifacts attached to this task or its bundle are "
            f"not approved ({waiting}). Only an approved artifact counts as proof."
        )
    else:
        reason = "No approved artifact is attached to this task or its bundle."
    return Requirement(
        ProofKind.ARTIFACT,
        label or "approved artifact",
        bool(approved),
        reason,
        _proof_refusal(ProofType.ARTIFACT, label or None),
        approved,
    )


def requirements(task: Mapping[str, Any], evidence: Evidence) -> list[Requirement]:
    """The task's requirements in gate order: required link, required file, proofRequirement."""
    found: list[Requirement] = []
    if truthy(task.get("requiredLinkName")):
        found.append(_link(task))
    if task.get("requiresFile") is True:
        required_file = _file("file", evidence, messages.DONE_WITHOUT_FILE, ProofKind.FILE)
        found.append(replace(required_file, source="requiresFile"))
    proof = task.get("proofRequirement")
    if isinstance(proof, Mapping) and proof.get("required") is not False:
        proof_type = proof.get("type")
        label = proof["label"] if isinstance(proof.get("label"), str) else ""
        if proof_type == ProofType.URL:
            found.append(_field(task, ProofKind.URL, "link", label, "link"))
        elif proof_type == ProofType.COMMENT:
            found.append(_field(task, ProofKind.COMMENT, "comment", label, "comment"))
        elif proof_type == ProofType.EXTERNAL_STATUS:
            found.append(
                _field(task, ProofKind.EXTERNAL_STATUS, "externalStatus", label, "external status")
            )
        elif proof_type == ProofType.FILE:
            refusal = _proof_refusal(ProofType.FILE, label or None)
            found.append(_file(label or "file", evidence, refusal, ProofKind.FILE))
        elif proof_type == ProofType.ARTIFACT:
            found.append(_artifact(label, evidence))
    return found


def first_refusal(found: list[Requirement]) -> str | None:
    """The gate's 400 message: the first unsatisfied requirement, or None when complete."""
    for requirement in found:
        if not requirement.satisfied:
            return requirement.refusal
    return None


def needs_files(task: Mapping[str, Any]) -> bool:
    proof = task.get("proofRequirement")
    return task.get("requiresFile") is True or (
        isinstance(proof, Mapping)
        and proof.get("required") is not False
        and proof.get("type") == ProofType.FILE
    )


def needs_artifacts(task: Mapping[str, Any]) -> bool:
    proof = task.get("proofRequirement")
    return (
        isinstance(proof, Mapping)
        and proof.get("required") is not False
        and proof.get("type") == ProofType.ARTIFACT
    )


_VALUE_FIELDS = {
    ProofKind.LINK: "link",
    ProofKind.URL: "link",
    ProofKind.COMMENT: "comment",
    ProofKind.EXTERNAL_STATUS: "externalStatus",
}


def _via(task: Mapping[str, Any], artifact: Mapping[str, Any], task_id: str | None) -> str:
    if task_id and artifact.get("taskId") == task_id:
        return ProofPath.TASK.value
    if is_nonblank(task.get("bundleId")) and artifact.get("bundleId") == task.get("bundleId"):
        return ProofPath.BUNDLE.value
    return ProofPath.REF.value


def _artifact_entry(
    task: Mapping[str, Any], artifact_id: str, evidence: Evidence, task_id: str | None
) -> dict[str, Any]:
    record = evidence.artifact_records.get(artifact_id, {})
    entry: dict[str, Any] = {"artifactId": artifact_id}
    if record:
        entry["via"] = _via(task, record, task_id)
    for name in ("status", "reviewedBy", "reviewedAt", "storageUri", "checksum"):
        value = record.get(name)
        if isinstance(value, str) and value:
            entry[name] = value
    return entry


def _file_entry(file_id: str, evidence: Evidence) -> dict[str, Any]:
    entry: dict[str, Any] = {"fileId": file_id}
    checksum = evidence.file_records.get(file_id, {}).get("checksum")
    if isinstance(checksum, str) and checksum:
        entry["checksum"] = checksum
    return entry


def _receipt_entry(
    task: Mapping[str, Any], requirement: Requirement, evidence: Evidence, task_id: str | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": requirement.kind.value, "source": requirement.source}
    if requirement.label:
        entry["label"] = requirement.label
    entry["satisfied"] = requirement.satisfied
    value_field = _VALUE_FIELDS.get(requirement.kind)
    if value_field is not None:
        value = task.get(value_field)
        if requirement.satisfied and isinstance(value, str):
            entry["value"] = value
        return entry
    ids = list(requirement.evidence)
    if requirement.kind is ProofKind.ARTIFACT:
        entry["artifacts"] = [
            _artifact_entry(task, artifact_id, evidence, task_id)
            for artifact_id in ids[:RECEIPT_ITEMS_MAX]
        ]
    else:
        entry["files"] = [_file_entry(file_id, evidence) for file_id in ids[:RECEIPT_ITEMS_MAX]]
    entry["count"] = len(ids)
    return entry


def build_receipt(
    task: Mapping[str, Any],
    evidence: Evidence,
    *,
    task_id: str | None,
    completed_at: str,
    completed_by: str | None,
    waiver: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The completion receipt (model/receipts.py): what satisfied each requirement now."""
    receipt: dict[str, Any] = {"completedAt": completed_at}
    if completed_by:
        receipt["completedBy"] = completed_by
    receipt["requirements"] = [
        _receipt_entry(task, requirement, evidence, task_id)
        for requirement in requirements(task, evidence)
    ]
    if waiver is not None:
        receipt["waiver"] = dict(waiver)
    return receipt
