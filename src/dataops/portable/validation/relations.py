"""How records relate (docs/export-format.md): references between entities, the warnings of rule 15,
and whether a done task's proof holds. Facts about each entity are gathered while its file is read
and kept only when the whole file was readable; the completion proof is then judged by the proof
gate itself (model/proof.py) on the evidence the export holds, never by a copy of its rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dataops.model import messages, proof
from dataops.model.actors import is_non_user_actor
from dataops.model.artifacts import ArtifactStatus
from dataops.model.audit import AuditAction, EntityType
from dataops.model.proof import Evidence, ProofKind, Requirement
from dataops.model.records import Field
from dataops.portable.mapping import (
    ARTIFACTS,
    AUDIT_EVENTS,
    BUNDLES,
    FILES,
    TASKS,
    TEMPLATES,
    USERS,
    Entity,
    Restorer,
)
from dataops.portable.validation.records import at, shown

_PROOF_KINDS = {
    ProofKind.URL: "url",
    ProofKind.COMMENT: "comment",
    ProofKind.EXTERNAL_STATUS: "external-status",
    ProofKind.ARTIFACT: "approved artifact",
    ProofKind.FILE: "file",
}


@dataclass
class Facts:
    """What the relation rules need to know of other entities' records. None: that entity's
    file could not be read, so rules that depend on it are not judged (its error says why)."""

    files_by_task: dict[str, list[str]] | None = None
    approved: set[str] | None = None
    approved_by_task: dict[str, list[str]] = field(default_factory=dict)
    approved_by_bundle: dict[str, list[str]] = field(default_factory=dict)
    bundle_artifact_refs: dict[str, list[str]] = field(default_factory=dict)
    completed_tasks: set[str] = field(default_factory=set)
    # Status of every artifact that is not approved (a receipt naming one no longer holds).
    unapproved_status: dict[str, str] = field(default_factory=dict)


class Collector:
    """Facts about one entity's records, committed only when its whole file was readable."""

    def add(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def commit(self, facts: Facts) -> None:
        raise NotImplementedError


class _BundleRefs(Collector):
    """Artifact ids named by each bundle's refs (a bundle's refs count for its tasks)."""

    def __init__(self) -> None:
        self.refs: dict[str, list[str]] = {}

    def add(self, record: dict[str, Any]) -> None:
        bundle_id = record.get("bundle_id")
        named = ref_ids(record.get("artifact_refs"))
        if named and isinstance(bundle_id, str):
            self.refs.setdefault(bundle_id, []).extend(named)

    def commit(self, facts: Facts) -> None:
        facts.bundle_artifact_refs = self.refs


class _FilesByTask(Collector):
    def __init__(self) -> None:
        self.files: dict[str, list[str]] = {}

    def add(self, record: dict[str, Any]) -> None:
        task_id, file_id = record.get("task_id"), record.get("file_id")
        if isinstance(task_id, str) and isinstance(file_id, str):
            self.files.setdefault(task_id, []).append(file_id)

    def commit(self, facts: Facts) -> None:
        facts.files_by_task = self.files


class _ApprovedArtifacts(Collector):
    def __init__(self) -> None:
        self.approved: set[str] = set()
        self.by_task: dict[str, list[str]] = {}
        self.by_bundle: dict[str, list[str]] = {}
        self.unapproved: dict[str, str] = {}

    def add(self, record: dict[str, Any]) -> None:
        artifact_id = record.get("artifact_id")
        if not isinstance(artifact_id, str):
            return
        status = record.get("status")
        if status != ArtifactStatus.APPROVED:
            self.unapproved[artifact_id] = str(status)
            return
        self.approved.add(artifact_id)
        task_id, bundle_id = record.get("task_id"), record.get("bundle_id")
        if isinstance(task_id, str) and task_id:
            self.by_task.setdefault(task_id, []).append(artifact_id)
        if isinstance(bundle_id, str) and bundle_id:
            self.by_bundle.setdefault(bundle_id, []).append(artifact_id)

    def commit(self, facts: Facts) -> None:
        facts.approved = self.approved
        facts.approved_by_task = self.by_task
        facts.approved_by_bundle = self.by_bundle
        facts.unapproved_status = self.unapproved


class _CompletedTasks(Collector):
    def __init__(self) -> None:
        self.tasks: set[str] = set()

    def add(self, record: dict[str, Any]) -> None:
        if (
            record.get("action") == AuditAction.TASK_COMPLETED
            and record.get("entity_type") == EntityType.TASK
            and isinstance(record.get("entity_id"), str)
        ):
            self.tasks.add(record["entity_id"])

    def commit(self, facts: Facts) -> None:
        facts.completed_tasks = self.tasks


def collector(entity: Entity) -> Collector | None:
    if entity is BUNDLES:
        return _BundleRefs()
    if entity is FILES:
        return _FilesByTask()
    if entity is ARTIFACTS:
        return _ApprovedArtifacts()
    if entity is AUDIT_EVENTS:
        return _CompletedTasks()
    return None


def ref_ids(refs: Any) -> list[str]:
    if not isinstance(refs, list):
        return []
    return [
        ref["artifactId"]
        for ref in refs
        if isinstance(ref, dict) and isinstance(ref.get("artifactId"), str)
    ]


class Relations:
    """The relation rules of one validation run, over the id sets of fully read entities (an
    entity absent from `ids` was unreadable: references into it are not judged)."""

    def __init__(self, ids: Mapping[str, set[str]], facts: Facts) -> None:
        self.ids = ids
        self.facts = facts
        self._tasks = Restorer(TASKS)
        self._linked: dict[Entity, tuple[Field, ...]] = {}

    def check(
        self, entity: Entity, record: dict[str, Any], ctx: str
    ) -> tuple[list[str], list[str]]:
        """(errors, warnings): references in declaration order, dangling artifact refs, and for
        a done task, its proof."""
        errors: list[str] = []
        warnings: list[str] = []
        linked = self._linked.get(entity)
        if linked is None:
            linked = self._linked[entity] = tuple(
                spec for spec in entity.record_type.fields if spec.references or spec.actor
            )
        for spec in linked:
            value = record.get(spec.export)
            if value is None or value == "":
                continue
            if spec.actor:
                self._actor(value, ctx, warnings)
                continue
            ids = self.ids.get(spec.references or "")
            if ids is None or (isinstance(value, str) and value in ids):
                continue
            if spec.soft:
                warnings.append(
                    messages.WARN_DELETED_OR_EXTERNAL.format(
                        ctx=ctx, field=spec.export, value=shown(value)
                    )
                )
            else:
                errors.append(
                    messages.RECORD_MISSING_REFERENCE.format(
                        ctx=ctx, field=spec.export, value=shown(value)
                    )
                )
        if entity in (TASKS, BUNDLES):
            warnings += self._dangling(record.get("artifact_refs"), ctx, "artifact_refs")
        elif entity is TEMPLATES:
            definitions = record.get("task_definitions")
            for position, definition in enumerate(
                definitions if isinstance(definitions, list) else []
            ):
                if isinstance(definition, dict):
                    owner = at(ctx, ("task_definitions", position))
                    warnings += self._dangling(
                        definition.get("artifactRefs"), owner, "artifactRefs"
                    )
        if entity is TASKS and record.get("status") == "done":
            receipt = record.get("completion_proof")
            task_id = record.get("task_id")
            # A waived completion was done without (all) its proof, saying why: no error.
            missing = [] if _waived(receipt) else self.missing_proof(record, ctx)
            if missing and isinstance(task_id, str) and task_id in self.facts.completed_tasks:
                warnings.append(messages.WARN_PROOF_NO_LONGER_HOLDS.format(ctx=ctx))
            else:
                errors += missing
            if isinstance(receipt, dict):
                warnings += self._receipt(receipt, task_id, ctx)
        return errors, warnings

    def _receipt(self, receipt: dict[str, Any], task_id: Any, ctx: str) -> list[str]:
        """A done task's completion receipt, against the records the export holds now: an
        artifact it names archived, superseded (or otherwise no longer approved) or missing, a
        file it names deleted."""
        warnings: list[str] = []
        task = shown(task_id)
        artifacts = self.ids.get(ARTIFACTS.name)
        files = self.facts.files_by_task
        held: set[str] | None = None
        if files is not None and isinstance(task_id, str):
            held = set(files.get(task_id, ()))
        for entry in receipt.get("requirements") or ():
            if not isinstance(entry, dict):
                continue
            for item in _entries(entry.get("artifacts")):
                artifact_id = item.get("artifactId")
                if not isinstance(artifact_id, str) or artifacts is None:
                    continue
                if artifact_id not in artifacts:
                    warnings.append(
                        messages.WARN_RECEIPT_ARTIFACT_MISSING.format(
                            ctx=ctx, task=task, artifact=shown(artifact_id)
                        )
                    )
                elif artifact_id in self.facts.unapproved_status:
                    warnings.append(
                        messages.WARN_RECEIPT_ARTIFACT_STATUS.format(
                            ctx=ctx,
                            task=task,
                            artifact=shown(artifact_id),
                            status=self.facts.unapproved_status[artifact_id],
                        )
                    )
            for item in _entries(entry.get("files")):
                file_id = item.get("fileId")
                if held is not None and isinstance(file_id, str) and file_id not in held:
                    warnings.append(
                        messages.WARN_RECEIPT_FILE_DELETED.format(
                            ctx=ctx, task=task, file=shown(file_id)
                        )
                    )
        return warnings

    def _actor(self, value: Any, ctx: str, warnings: list[str]) -> None:
        """Rule 15: actors need not be users (`service:<name>`, `portal-admin`, `system` are
        known; a deleted user's id is a warning)."""
        users = self.ids.get(USERS.name)
        if users is None or (
            isinstance(value, str) and (value in users or is_non_user_actor(value))
        ):
            return
        warnings.append(messages.WARN_ACTOR_NOT_EXPORTED.format(ctx=ctx, value=shown(value)))

    def _dangling(self, refs: Any, ctx: str, field_name: str) -> list[str]:
        """Refs naming no exported artifact: imports from elsewhere may hold them (a warning)."""
        artifacts = self.ids.get(ARTIFACTS.name)
        if artifacts is None:
            return []
        return [
            messages.WARN_DELETED_OR_EXTERNAL.format(ctx=ctx, field=field_name, value=shown(ref))
            for ref in ref_ids(refs)
            if ref not in artifacts
        ]

    def missing_proof(self, record: dict[str, Any], ctx: str) -> list[str]:
        """What a done task lacks, as the completion gate judges it from the exported records."""
        task, _ = self._tasks(record)
        task_id = task.get("id") if isinstance(task.get("id"), str) else None
        requirements = proof.requirements(task, self._evidence(task, task_id))
        missing: list[str] = []
        for requirement in requirements:
            if requirement.satisfied or not self._judged(requirement):
                continue
            missing.append(_refusal(requirement, task, ctx))
        return missing

    def _judged(self, requirement: Requirement) -> bool:
        if requirement.kind is ProofKind.FILE:
            return self.facts.files_by_task is not None
        if requirement.kind is ProofKind.ARTIFACT:
            return self.facts.approved is not None
        return True

    def _evidence(self, task: Mapping[str, Any], task_id: str | None) -> Evidence:
        facts = self.facts
        files = facts.files_by_task or {}
        approved: set[str] = set(facts.approved_by_task.get(task_id or "", ()))
        named = ref_ids(task.get("artifactRefs"))
        bundle_id = task.get("bundleId")
        if isinstance(bundle_id, str):
            approved.update(facts.approved_by_bundle.get(bundle_id, ()))
            named += facts.bundle_artifact_refs.get(bundle_id, [])
        approved.update(ref for ref in named if ref in (facts.approved or ()))
        return Evidence(
            file_ids=tuple(files.get(task_id or "", ())),
            approved_artifact_ids=tuple(sorted(approved)),
        )


def _waived(receipt: Any) -> bool:
    return isinstance(receipt, dict) and isinstance(receipt.get("waiver"), dict)


def _entries(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _refusal(requirement: Requirement, task: Mapping[str, Any], ctx: str) -> str:
    if requirement.source == "requiredLinkName":
        return messages.TASK_DONE_WITHOUT_LINK.format(
            ctx=ctx, name=shown(task.get("requiredLinkName"))
        )
    if requirement.source == "requiresFile":
        return messages.TASK_DONE_WITHOUT_FILE.format(ctx=ctx)
    return messages.TASK_DONE_WITHOUT_PROOF.format(ctx=ctx, kind=_PROOF_KINDS[requirement.kind])
