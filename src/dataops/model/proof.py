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
from enum import StrEnum
from typing import Any

from dataops.model import messages
from dataops.model.tasks import ProofType
from dataops.model.values import is_nonblank, truthy


class ProofKind(StrEnum):
    LINK = "link"
    FILE = "file"
    URL = "url"
    COMMENT = "comment"
    EXTERNAL_STATUS = "external-status"
    ARTIFACT = "artifact"


@dataclass(frozen=True)
class Evidence:
    """What exists for a task beyond its own fields."""

    file_ids: tuple[str, ...] = ()
    approved_artifact_ids: tuple[str, ...] = ()
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
