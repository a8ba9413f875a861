"""Artifact use cases: register, list, read, update, attach, archive, approve, reject, supersede.

Every write is one transaction holding the artifact, the refs its task and bundle keep of it
and its audit events; review transitions (docs/api.md#artifacts) are enforced on every path.
Read-modify-write loops retry on a concurrent change; `If-Match` turns a stale artifact version
into 412 instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dataops.engine import audit, owned_objects, refs
from dataops.engine.context import Engine
from dataops.engine.paging import Listing, PageRequest, Partition, list_partitions
from dataops.engine.retry import settle, stale_when
from dataops.model import actors, messages, records
from dataops.model import artifacts as model
from dataops.model.artifacts import ArtifactStatus, SourceType, Visibility
from dataops.model.audit import AuditAction, EntityType
from dataops.model.errors import Invalid, NotFound, PreconditionFailed
from dataops.model.records import LINKS_MAX_ITEMS
from dataops.model.storage_policy import infer_provider
from dataops.model.values import is_nonblank, is_object, js_trim, truthy
from dataops.store.base import Create, Item, Replace, Write

# Many clients may attach to one task at once: each conflict costs one re-read.

# List filters in the order an index is chosen: the most selective first (docs/api.md#artifacts).
LIST_FILTERS: tuple[tuple[str, str], ...] = (
    ("taskId", "GSI-Task"),
    ("bundleId", "GSI-Bundle"),
    ("fileId", "GSI-File"),
    ("assistantJobId", "GSI-AssistantJob"),
    ("status", "GSI-Status"),
    ("type", "GSI-Type"),
    ("storageProvider", "GSI-Provider"),
)
_STATUS_FIELDS = ("status", "reviewedBy", "reviewedAt", "reviewNote")
_OWNER_FIELDS = ("taskId", "bundleId")
_REGISTERED_FIELDS = (
    "type",
    "title",
    "status",
    "storageProvider",
    "storageUri",
    "sourceType",
    "dataClass",
    "taskId",
    "bundleId",
    "assistantJobId",
    "fileId",
    "supersedes",
)


# --- reads ----------------------------------------------------------------------------------


def _require(engine: Engine, artifact_id: str) -> Item:
    artifact = engine.store.get("artifacts", artifact_id) if artifact_id else None
    if artifact is None:
        raise NotFound(messages.ARTIFACT_NOT_FOUND)
    return artifact


def get_artifact(engine: Engine, artifact_id: str) -> Item:
    return _require(engine, artifact_id)


def list_artifacts(engine: Engine, query: Mapping[str, str], page: PageRequest) -> Listing:
    """Equality filters (AND) over one index partition, newest first; unknown values simply
    match nothing. Without filters: every artifact, newest first."""
    filters = {name: query[name] for name, _ in LIST_FILTERS if query.get(name)}
    chosen = next(((name, index) for name, index in LIST_FILTERS if name in filters), None)
    if chosen is None:
        partition = Partition("artifacts", "GSI-Created", descending=True)
    else:
        name, index = chosen
        partition = Partition("artifacts", index, filters[name], descending=True)

    def matches(item: Mapping[str, Any]) -> bool:
        return all(item.get(name) == value for name, value in filters.items())

    return list_partitions(engine.store, [partition], page, matches if len(filters) > 1 else None)


# --- shared write machinery -----------------------------------------------------------------


def _self_approved(engine: Engine, before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """`after` is an approval (a new one) by the artifact's creator: refused under the
    `separate` review policy (403), marked in its audit event under `open`."""
    if after.get("status") != ArtifactStatus.APPROVED or before.get("status") == after.get(
        "status"
    ):
        return False
    reviewer = after.get("reviewedBy")
    creator = after.get("createdBy")
    actors.refuse_self_approval(engine.policy.review_policy, creator, reviewer)
    return actors.is_self_review(creator, reviewer if isinstance(reviewer, str) else None)


def _check_relationships(engine: Engine, fields: Mapping[str, Any]) -> None:
    """Named task, bundle and file must exist (404, in that order); assistant jobs are opaque."""
    for name, table, message in model.RELATIONSHIPS:
        value = fields.get(name)
        if truthy(value) and engine.store.get(table, str(value)) is None:
            raise NotFound(message)


def _validate(engine: Engine, record: Mapping[str, Any], *, require_core: bool) -> None:
    model.validate(
        record,
        require_core=require_core,
        local_storage_allowed=engine.settings.local_storage_allowed,
    )


def _rewrite(
    engine: Engine,
    artifact_id: str,
    if_match: int | None,
    change: Callable[[Item], tuple[dict[str, Any], list[Write]] | None],
) -> Item:
    """Read, let `change` compute the new record and its companion writes, write them in one
    transaction; retry on a concurrent change. `change` returning None means "nothing to do"."""

    def attempt() -> Item:
        existing = _require(engine, artifact_id)
        if if_match is not None and existing.version != if_match:
            raise PreconditionFailed(messages.PRECONDITION_FAILED)
        planned = change(existing)
        if planned is None:
            return existing
        updated, extra = planned
        saved = engine.store.transact([Replace("artifacts", updated, existing.version), *extra])[0]
        assert saved is not None
        return saved

    return settle(attempt, stale=stale_when(if_match, "artifacts"))


def _owner_ref_writes(
    engine: Engine,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    also: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
) -> list[Write]:
    """10.7: refresh the refs that the artifact's task and bundle (before and after the change)
    hold of it, in the same transaction. `also` adds refs to append: {(table, id): ref}."""
    fresh = refs.snapshot(after)
    appended = dict(also or {})
    owners: list[tuple[str, str]] = []
    for table, name in (("tasks", "taskId"), ("bundles", "bundleId")):
        for record in (before, after):
            owner_id = record.get(name)
            if is_nonblank(owner_id) and (table, owner_id) not in owners:
                owners.append((table, owner_id))
    for key in appended:
        if key not in owners:
            owners.append(key)
    writes: list[Write] = []
    now = engine.now()
    for table, owner_id in owners:
        owner = engine.store.get(table, owner_id)
        if owner is None:
            continue
        raw = owner.get("artifactRefs")
        held: list[Any] = raw if isinstance(raw, list) else []
        changed = [
            {**ref, **fresh} if is_object(ref) and ref.get("artifactId") == after["id"] else ref
            for ref in held
        ]
        extra = appended.get((table, owner_id))
        if extra is not None:
            changed = refs.with_ref(changed, extra)
        if changed != held:
            writes.append(
                Replace(table, {**owner, "artifactRefs": changed, "updatedAt": now}, owner.version)
            )
    return writes


def _status_event(
    engine: Engine,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    actor: str | None,
    *,
    action: AuditAction = AuditAction.ARTIFACT_STATUS_CHANGED,
    extra_fields: tuple[str, ...] = (),
    self_approval: bool = False,
) -> Write:
    summary = f"Status changed from {before.get('status')} to {after.get('status')}"
    return audit.event(
        engine,
        actor=actor,
        entity_type=EntityType.ARTIFACT,
        entity_id=after["id"],
        action=action,
        summary=f"{summary} (approved by its creator)" if self_approval else summary,
        before=before,
        after=after,
        fields=_STATUS_FIELDS + extra_fields,
        self_approval=self_approval,
    )


def _owner_event(
    engine: Engine, before: Mapping[str, Any], after: Mapping[str, Any], actor: str | None
) -> Write | None:
    """attached when the artifact gains or changes an owner, detached when it only loses one."""
    changed = [name for name in _OWNER_FIELDS if before.get(name) != after.get(name)]
    if not changed:
        return None
    gained = any(after.get(name) for name in changed)
    owners = ", ".join(f"{name} {after[name]}" for name in _OWNER_FIELDS if after.get(name))
    return audit.event(
        engine,
        actor=actor,
        entity_type=EntityType.ARTIFACT,
        entity_id=after["id"],
        action=AuditAction.ARTIFACT_ATTACHED if gained else AuditAction.ARTIFACT_DETACHED,
        summary=f"Attached to {owners}" if gained else "Detached",
        before=before,
        after=after,
        fields=_OWNER_FIELDS,
    )


def _registered_event(engine: Engine, record: Mapping[str, Any], actor: str | None) -> Write:
    self_approval = _self_approved(engine, {}, record)
    return audit.event(
        engine,
        actor=actor,
        entity_type=EntityType.ARTIFACT,
        entity_id=record["id"],
        action=AuditAction.ARTIFACT_REGISTERED,
        summary=f"Registered {record.get('type')} '{record.get('title')}' "
        f"as {record.get('status')}" + (" (approved by its creator)" if self_approval else ""),
        after=record,
        fields=(*_REGISTERED_FIELDS, "createdBy", "reviewedBy"),
        self_approval=self_approval,
    )


# --- register (docs/api.md#artifacts) -------------------------------------------------------------


def _new_record(
    engine: Engine,
    body: Mapping[str, Any],
    actor: str | None,
    inherited: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A new artifact from a create body with its defaults; not yet validated."""
    trusted = engine.policy.body_actors_trusted  # 10.4
    raw_uri = body.get("storageUri")
    uri = js_trim(raw_uri) if isinstance(raw_uri, str) else raw_uri
    provider = body.get("storageProvider") or (
        infer_provider(uri).value if isinstance(uri, str) else None
    )
    data_class = body.get("dataClass") or body.get("visibility") or Visibility.INTERNAL.value
    record: dict[str, Any] = {"id": engine.new_id()}
    for name in ("type", "title"):
        if body.get(name) is not None:
            record[name] = body[name]
    record["status"] = body.get("status") or ArtifactStatus.DRAFT.value
    if uri is not None:
        record["storageUri"] = uri
    if provider is not None:
        record["storageProvider"] = provider
    record["dataClass"] = data_class
    record["visibility"] = body.get("visibility") or data_class
    record["sourceType"] = body.get("sourceType") or SourceType.MANUAL_LINK.value
    for name in model.OPTIONAL_CREATE_FIELDS:
        if name in model.ACTOR_FIELDS and not trusted:
            continue
        if body.get(name) is not None:
            record[name] = body[name]
    for name, value in (inherited or {}).items():
        if body.get(name) is None and value is not None:
            record[name] = value
    if "createdBy" not in record and actor:
        record["createdBy"] = actor
    now = engine.now()
    if model.is_reviewed(record["status"]):
        record.setdefault("reviewedAt", now)
        reviewer = record.get("reviewedBy") or record.get("createdBy")
        if reviewer:
            record["reviewedBy"] = reviewer
    record["createdAt"] = record["updatedAt"] = now
    return record


def _checked_new_record(
    engine: Engine,
    body: Any,
    actor: str | None,
    inherited: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    if not is_object(body):
        raise Invalid(messages.REQUEST_BODY_REQUIRED)
    record = _new_record(engine, body, actor, inherited)
    if model.is_reviewed(record["status"]):
        actors.refuse_review_by_service(actor)
    _self_approved(engine, {}, record)
    _validate(engine, record, require_core=True)
    # A new record starts as a draft: it may be registered in any status a draft may move to.
    model.check_transition(ArtifactStatus.DRAFT.value, record["status"])
    _check_relationships(engine, record)
    return record


def register_artifact(engine: Engine, body: Any, actor: str | None) -> Item:
    """POST /api/artifacts: validate (400), relationships (404), store with its audit event.

    Registering with `taskId`/`bundleId` adds no ref to them (only attach does), but such an
    artifact counts for their proof once approved. An artifact that points into the DataOps
    blob store must name an object it may claim, as it is (engine/owned_objects.py). (A body
    with `uploadId` is a direct upload: engine/artifact_binaries.py registers those.)"""
    record = owned_objects.verified(engine, new_artifact(engine, body, actor))
    return store_new_artifact(engine, record, actor)


def new_artifact(engine: Engine, body: Any, actor: str | None) -> dict[str, Any]:
    """The record a create body describes, validated (400) with its relationships (404), not
    yet stored: for callers that must do something (store or verify their binary) first."""
    return _checked_new_record(engine, body, actor)


def store_new_artifact(
    engine: Engine, record: dict[str, Any], actor: str | None, also: Sequence[Write] = ()
) -> Item:
    """Create a record from `new_artifact` with its audit event and `also`, all or nothing."""
    created = engine.store.transact(
        [Create("artifacts", record), _registered_event(engine, record, actor), *also]
    )[0]
    assert created is not None
    return created


# --- update (docs/api.md#artifacts) ---------------------------------------------------------------


def _updates_of(engine: Engine, body: Mapping[str, Any]) -> dict[str, Any]:
    trusted = engine.policy.body_actors_trusted  # 10.4
    updates = {
        name: body[name]
        for name in model.UPDATABLE_FIELDS
        if name in body and (trusted or name not in model.ACTOR_FIELDS)
    }
    uri = updates.get("storageUri")
    if isinstance(uri, str):
        updates["storageUri"] = uri = js_trim(uri)
    if truthy(uri) and not updates.get("storageProvider") and isinstance(uri, str):
        updates["storageProvider"] = infer_provider(uri).value
    if truthy(updates.get("visibility")) and "dataClass" not in updates:
        updates["dataClass"] = updates["visibility"]
    return updates


def update_artifact(
    engine: Engine, artifact_id: str, body: Any, actor: str | None, if_match: int | None = None
) -> Item:
    """In order: 404, body, If-Match, fields, validation (400), transition (409), relationships
    (404), then one transaction with refreshed refs and audit events."""
    _require(engine, artifact_id)
    if not is_object(body) or not body:
        raise Invalid(messages.REQUEST_BODY_REQUIRED)
    updates = _updates_of(engine, body)
    if model.is_reviewed(updates.get("status")):
        actors.refuse_review_by_service(actor)

    def change(existing: Item) -> tuple[dict[str, Any], list[Write]]:
        stamped = dict(updates)
        if stamped.get("storageProvider") is None and "storageProvider" in stamped:
            uri = stamped.get("storageUri", existing.get("storageUri"))
            stamped["storageProvider"] = infer_provider(uri).value if isinstance(uri, str) else None
        if model.is_reviewed(stamped.get("status")) and "reviewedAt" not in stamped:
            stamped["reviewedAt"] = engine.now()
            reviewer = stamped.get("reviewedBy") or actor or existing.get("reviewedBy")
            if reviewer:
                stamped["reviewedBy"] = reviewer
        if not stamped:
            raise Invalid(messages.NO_VALID_FIELDS)
        updated = model.merge_updates(existing, stamped)
        # A new location or checksum is judged as a new registration: an owned URI needs a
        # checksum, whatever path leads there.
        relocated = any(name in stamped for name in model.LOCATION_FIELDS)
        _validate(engine, updated, require_core=relocated)
        if "status" in stamped:
            model.check_transition(existing.get("status"), stamped["status"])
        _check_relationships(engine, stamped)
        updated = owned_objects.verified(engine, updated, before=existing)
        updated["updatedAt"] = engine.now()
        self_approval = _self_approved(engine, existing, updated)
        writes = _owner_ref_writes(engine, existing, updated)
        if existing.get("status") != updated.get("status"):
            writes.append(
                _status_event(engine, existing, updated, actor, self_approval=self_approval)
            )
        owner_event = _owner_event(engine, existing, updated, actor)
        if owner_event is not None:
            writes.append(owner_event)
        return updated, writes

    return _rewrite(engine, artifact_id, if_match, change)


# --- attach (docs/api.md#artifacts) ---------------------------------------------------------------


def attach_artifact(
    engine: Engine, artifact_id: str, body: Any, actor: str | None, if_match: int | None = None
) -> Item:
    """Record the owner on the artifact and a current ref on the task and/or bundle.

    Every target is verified before anything is written, and everything is one transaction:
    a missing bundle leaves the task untouched (docs/api.md#artifacts)."""
    _require(engine, artifact_id)
    if not is_object(body):
        raise Invalid(messages.REQUEST_BODY_REQUIRED)
    task_id = body.get("taskId") if is_nonblank(body.get("taskId")) else None
    bundle_id = body.get("bundleId") if is_nonblank(body.get("bundleId")) else None
    if task_id is None and bundle_id is None:
        raise Invalid(messages.ATTACH_TARGET_REQUIRED)

    def change(existing: Item) -> tuple[dict[str, Any], list[Write]]:
        targets: dict[tuple[str, str], Item] = {}
        for table, target_id, message in (
            ("tasks", task_id, messages.TASK_NOT_FOUND),
            ("bundles", bundle_id, messages.BUNDLE_NOT_FOUND),
        ):
            if target_id is None:
                continue
            target = engine.store.get(table, target_id)
            if target is None:
                raise NotFound(message)
            targets[(table, target_id)] = target
        updated = dict(existing)
        if task_id is not None:
            updated["taskId"] = task_id
        if bundle_id is not None:
            updated["bundleId"] = bundle_id
        updated["updatedAt"] = engine.now()
        ref = refs.snapshot(updated)
        for target in targets.values():
            held = refs.with_ref(target.get("artifactRefs"), ref)
            if len(held) > LINKS_MAX_ITEMS:
                raise Invalid(messages.TOO_LONG.format(field="artifactRefs", limit=LINKS_MAX_ITEMS))
        writes = _owner_ref_writes(engine, existing, updated, dict.fromkeys(targets, ref))
        writes.append(
            audit.event(
                engine,
                actor=actor,
                entity_type=EntityType.ARTIFACT,
                entity_id=existing["id"],
                action=AuditAction.ARTIFACT_ATTACHED,
                summary="Attached to "
                + ", ".join(
                    f"{'task' if table == 'tasks' else 'bundle'} {target_id}"
                    for table, target_id in targets
                ),
                before=existing,
                after=updated,
                fields=_OWNER_FIELDS,
            )
        )
        return updated, writes

    return _rewrite(engine, artifact_id, if_match, change)


# --- archive, approve, reject (docs/api.md#artifacts) ---------------------------------------------


def _set_status(
    engine: Engine,
    artifact_id: str,
    status: ArtifactStatus,
    actor: str | None,
    *,
    if_match: int | None,
    note: str | None = None,
) -> Item:
    def change(existing: Item) -> tuple[dict[str, Any], list[Write]] | None:
        if status is ArtifactStatus.ARCHIVED and existing.get("status") == status:
            return None  # archiving an archived artifact is an idempotent 200
        model.check_transition(existing.get("status"), status.value)
        updated = {**existing, "status": status.value}
        if model.is_reviewed(status.value):
            updated["reviewedAt"] = engine.now()
            if actor:
                updated["reviewedBy"] = actor
            else:
                updated.pop("reviewedBy", None)
            if note is not None:
                updated["reviewNote"] = note
            else:
                updated.pop("reviewNote", None)
        updated["updatedAt"] = engine.now()
        self_approval = _self_approved(engine, existing, updated)
        writes = _owner_ref_writes(engine, existing, updated)
        writes.append(_status_event(engine, existing, updated, actor, self_approval=self_approval))
        return updated, writes

    return _rewrite(engine, artifact_id, if_match, change)


def archive_artifact(
    engine: Engine, artifact_id: str, actor: str | None, if_match: int | None = None
) -> Item:
    return _set_status(engine, artifact_id, ArtifactStatus.ARCHIVED, actor, if_match=if_match)


def review_note(body: Any) -> str | None:
    """The optional `{note}` of approve/reject: absent body or note -> None."""
    if body is None:
        return None
    if not is_object(body):
        raise Invalid(messages.INVALID_JSON)
    note = body.get("note")
    if note is None:
        return None
    records.check_field(model.REVIEW_NOTE, note, "note")
    return str(note)


def approve_artifact(
    engine: Engine, artifact_id: str, body: Any, actor: str | None, if_match: int | None = None
) -> Item:
    actors.refuse_review_by_service(actor)
    _require(engine, artifact_id)
    note = review_note(body)
    return _set_status(
        engine, artifact_id, ArtifactStatus.APPROVED, actor, if_match=if_match, note=note
    )


def reject_artifact(
    engine: Engine, artifact_id: str, body: Any, actor: str | None, if_match: int | None = None
) -> Item:
    actors.refuse_review_by_service(actor)
    _require(engine, artifact_id)
    note = review_note(body)
    return _set_status(
        engine, artifact_id, ArtifactStatus.REJECTED, actor, if_match=if_match, note=note
    )


# --- supersede (docs/api.md#artifacts) ------------------------------------------------------------


def supersede_artifact(
    engine: Engine, artifact_id: str, body: Any, actor: str | None, if_match: int | None = None
) -> Item:
    """Register the new version (same task/bundle unless given), mark the old one superseded,
    link both ways, and let the old one's task and bundle hold a ref to the new one where they
    held one to the old: all in one transaction."""
    _require(engine, artifact_id)
    if not is_object(body):
        raise Invalid(messages.REQUEST_BODY_REQUIRED)

    def attempt() -> Item:
        old = _require(engine, artifact_id)
        if if_match is not None and old.version != if_match:
            raise PreconditionFailed(messages.PRECONDITION_FAILED)
        inherited = {name: old.get(name) for name in _OWNER_FIELDS}
        new = owned_objects.verified(engine, _checked_new_record(engine, body, actor, inherited))
        model.check_supersedable(old.get("status"))
        new["supersedes"] = old["id"]
        retired = {
            **old,
            "status": ArtifactStatus.SUPERSEDED.value,
            "supersededBy": new["id"],
            "updatedAt": engine.now(),
        }
        successor_ref = refs.snapshot(new)
        also: dict[tuple[str, str], Mapping[str, Any]] = {}
        for table, name in (("tasks", "taskId"), ("bundles", "bundleId")):
            owner_id = old.get(name)
            if is_nonblank(owner_id) and new.get(name) == owner_id:
                owner = engine.store.get(table, owner_id)
                if owner is not None and refs.without_ref(owner.get("artifactRefs"), old["id"]) != (
                    owner.get("artifactRefs") or []
                ):
                    also[(table, owner_id)] = successor_ref
        writes: list[Write] = [
            Create("artifacts", new),
            Replace("artifacts", retired, old.version),
            *_owner_ref_writes(engine, old, retired, also),
            _registered_event(engine, new, actor),
            _status_event(
                engine,
                old,
                retired,
                actor,
                action=AuditAction.ARTIFACT_SUPERSEDED,
                extra_fields=("supersededBy",),
            ),
        ]
        created = engine.store.transact(writes)[0]
        assert created is not None
        return created

    return settle(attempt, stale=stale_when(if_match, "artifacts"))
