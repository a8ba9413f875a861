"""Completion receipts and waivers: what proved a task done at the moment it became done, declared
once for the API, the export and its validator (docs/data-model.md#completion-receipt).

A receipt lists, for every requirement the gate judged, what satisfied it then: artifacts with
their status, reviewer, review time, storage URI and checksum; files with their checksums; the
link, comment or external status value. A waived completion names its reason, who waived and
what was unmet. Receipts are written by the engine only (never by clients), kept on the task as
`completionProof`, and copied into the completion audit event.

The task also keeps `proofBaseline`, the requirement it was created or instantiated with: a
completion after that requirement was weakened or removed needs an explicit waiver.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from dataops.model.records import (
    LINKS_MAX_ITEMS,
    NAME_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
    Extras,
    Field,
    Kind,
    ObjectShape,
)
from dataops.model.values import is_nonblank, truthy


class ProofKind(StrEnum):
    LINK = "link"
    FILE = "file"
    URL = "url"
    COMMENT = "comment"
    EXTERNAL_STATUS = "external-status"
    ARTIFACT = "artifact"


class RequirementSource(StrEnum):
    """The task field that asks for a requirement."""

    REQUIRED_LINK_NAME = "requiredLinkName"
    REQUIRES_FILE = "requiresFile"
    PROOF_REQUIREMENT = "proofRequirement"


class ProofPath(StrEnum):
    """How an artifact came to count for a task."""

    TASK = "task"  # attached to the task (its taskId)
    BUNDLE = "bundle"  # attached to the task's bundle (its bundleId)
    REF = "ref"  # named by the task's or its bundle's artifactRefs


# The fields of a task that make up its proof requirement.
REQUIREMENT_FIELDS = ("proofRequirement", "requiredLinkName", "requiresFile")
# At most this many artifacts or files are listed per requirement; `count` says how many there
# were, so a longer list is never silently cut (a record stays far below 400 KB).
RECEIPT_ITEMS_MAX = LINKS_MAX_ITEMS
RECEIPT_MAX_BYTES = 160_000
WAIVER_REASON_MAX = 2_000

RECEIPT_ARTIFACT = ObjectShape(
    (
        Field("artifactId", Kind.ID, SHORT_TEXT_MAX, required=True),
        Field("status", Kind.TEXT, NAME_MAX),
        Field("via", Kind.ENUM, values=tuple(ProofPath)),
        Field("reviewedBy", Kind.ID, SHORT_TEXT_MAX),
        Field("reviewedAt", Kind.TIMESTAMP),
        Field("storageUri", Kind.URI, SHORT_TEXT_MAX),
        Field("checksum", Kind.TEXT, SHORT_TEXT_MAX),
    ),
    Extras.SCALARS,
)
RECEIPT_FILE = ObjectShape(
    (
        Field("fileId", Kind.ID, SHORT_TEXT_MAX, required=True),
        Field("checksum", Kind.TEXT, SHORT_TEXT_MAX),
    ),
    Extras.SCALARS,
)
RECEIPT_REQUIREMENT = ObjectShape(
    (
        Field("kind", Kind.ENUM, values=tuple(ProofKind), required=True),
        Field("source", Kind.ENUM, values=tuple(RequirementSource), required=True),
        Field("label", Kind.TEXT, NAME_MAX),
        Field("satisfied", Kind.BOOLEAN, required=True),
        # link, comment, external status: the value that satisfied it.
        Field("value", Kind.TEXT, TEXT_MAX),
        Field("artifacts", Kind.OBJECT_LIST, RECEIPT_ITEMS_MAX, shape=RECEIPT_ARTIFACT),
        Field("files", Kind.OBJECT_LIST, RECEIPT_ITEMS_MAX, shape=RECEIPT_FILE),
        Field("count", Kind.NUMBER),
    ),
    Extras.SCALARS,
)
WAIVER = ObjectShape(
    (
        Field("reason", Kind.TEXT, WAIVER_REASON_MAX, required=True),
        Field("waivedBy", Kind.ID, SHORT_TEXT_MAX),
        Field("waivedAt", Kind.TIMESTAMP, required=True),
        # Why a waiver was needed: the requirement changed, the task moved bundle, proof missing.
        Field("because", Kind.TEXT_LIST, 10, item_limit=NAME_MAX),
    ),
    Extras.SCALARS,
)
PROOF_BASELINE_SHAPE = ObjectShape(
    (
        Field("proofRequirement", Kind.OBJECT, shape=ObjectShape((), Extras.SCALARS)),
        Field("requiredLinkName", Kind.TEXT, NAME_MAX),
        Field("requiresFile", Kind.BOOLEAN),
    ),
    Extras.SCALARS,
)
COMPLETION_PROOF_SHAPE = ObjectShape(
    (
        Field("completedAt", Kind.TIMESTAMP, required=True),
        Field("completedBy", Kind.ID, SHORT_TEXT_MAX),
        Field("requirements", Kind.OBJECT_LIST, 10, shape=RECEIPT_REQUIREMENT),
        Field("waiver", Kind.OBJECT, shape=WAIVER),
    ),
    Extras.SCALARS,
    RECEIPT_MAX_BYTES,
)
# `PUT /api/tasks/:id` (and `POST /api/tasks`) with status done: complete without (all) the
# proof, saying why. A request parameter, never stored as such (the receipt keeps the waiver).
WAIVE_PROOF = Field(
    "waiveProof",
    Kind.OBJECT,
    shape=ObjectShape((Field("reason", Kind.TEXT, WAIVER_REASON_MAX, required=True),)),
)
COMPLETION_PROOF = Field(
    "completionProof", Kind.OBJECT, shape=COMPLETION_PROOF_SHAPE, writable=False
)
PROOF_BASELINE = Field("proofBaseline", Kind.OBJECT, shape=PROOF_BASELINE_SHAPE, writable=False)


class WaiverReason(StrEnum):
    REQUIREMENT_CHANGED = "requirement-changed"
    MOVED_BUNDLE = "moved-bundle"
    PROOF_MISSING = "proof-missing"


def requirement_of(task: Mapping[str, Any]) -> dict[str, Any]:
    """The proof requirement a task states, as a baseline records it (absent parts left out)."""
    found: dict[str, Any] = {}
    proof = task.get("proofRequirement")
    if isinstance(proof, Mapping):
        found["proofRequirement"] = dict(proof)
    if truthy(task.get("requiredLinkName")):
        found["requiredLinkName"] = task["requiredLinkName"]
    if task.get("requiresFile") is True:
        found["requiresFile"] = True
    return found


def _demands(requirement: Mapping[str, Any]) -> set[tuple[str, str]]:
    """What a requirement demands, as the gate reads it: (kind, label) pairs."""
    demands: set[tuple[str, str]] = set()
    if truthy(requirement.get("requiredLinkName")):
        demands.add((ProofKind.LINK.value, str(requirement["requiredLinkName"])))
    if requirement.get("requiresFile") is True:
        demands.add(("requires-file", ""))
    proof = requirement.get("proofRequirement")
    if isinstance(proof, Mapping) and proof.get("required") is not False:
        label = proof.get("label") if isinstance(proof.get("label"), str) else ""
        demands.add((str(proof.get("type")), label or ""))
    return demands


def weakened(baseline: Mapping[str, Any] | None, task: Mapping[str, Any]) -> bool:
    """True when the task no longer demands everything its baseline demanded (a requirement
    removed, made optional, or changed to another kind or label). Adding requirements is no
    weakening. A task without a baseline (stored before baselines existed) is not judged."""
    if not isinstance(baseline, Mapping):
        return False
    return not _demands(baseline) <= _demands(task)


def has_requirement(task: Mapping[str, Any]) -> bool:
    """The task demands proof now, or did when it was created."""
    baseline = task.get("proofBaseline")
    return bool(_demands(task)) or (isinstance(baseline, Mapping) and bool(_demands(baseline)))


def requirement_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    return any(before.get(name) != after.get(name) for name in REQUIREMENT_FIELDS)


def is_waived(task: Mapping[str, Any]) -> bool:
    receipt = task.get("completionProof")
    return isinstance(receipt, Mapping) and isinstance(receipt.get("waiver"), Mapping)


def waiver_reason(value: Any) -> str | None:
    """The reason of a `waiveProof` body value, or None when it is not an object with a
    non-blank string reason (the caller refuses it)."""
    if not isinstance(value, Mapping):
        return None
    reason = value.get("reason")
    return reason.strip() if is_nonblank(reason) else None
