"""Bundle use cases: create (from a template: all or nothing), read, list, update, archive,
delete (archived only; its tasks, artifacts and files are detached, its notifications go)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dataops.engine import notifications, refs, users
from dataops.engine.context import Engine
from dataops.engine.detach import detach_artifacts
from dataops.engine.paging import Listing, PageRequest, Partition, list_partitions
from dataops.engine.retry import settle
from dataops.model import bundles as model
from dataops.model import messages
from dataops.model import tasks as task_model
from dataops.model.bundles import BundleStage, BundleStatus
from dataops.model.errors import Invalid, NotFound
from dataops.model.fields import apply_updates
from dataops.model.jsonvalue import INVALID_BODY
from dataops.model.values import is_object, truthy
from dataops.store.base import Create, Delete, Item, Replace, Write


def _present(engine: Engine, bundle: Item) -> Item:
    return refs.present(engine.store, [bundle])[0]


def get_bundle(engine: Engine, bundle_id: str) -> Item:
    bundle = engine.store.get("bundles", bundle_id)
    if bundle is None:
        raise NotFound(messages.BUNDLE_NOT_FOUND)
    return _present(engine, bundle)


def list_bundles(engine: Engine, page: PageRequest, status: str | None = None) -> Listing:
    """Every bundle (archived included), or those of one status, by anchor date."""
    if status is not None:
        model.check_status(status)
    matches = None if status is None else (lambda bundle: bundle.get("status") == status)
    listing = list_partitions(engine.store, [Partition("bundles", "GSI-Anchor")], page, matches)
    listing.items = refs.present(engine.store, listing.items)
    return listing


def list_bundles_with_progress(
    engine: Engine, page: PageRequest, status: str | None = None
) -> tuple[Listing, dict[str, dict[str, int]]]:
    """A page of bundles and the progress of each, read together."""
    listing = list_bundles(engine, page, status)
    return listing, progress(engine, listing.items)


def progress(engine: Engine, bundles: Iterable[Item]) -> dict[str, dict[str, int]]:
    """Each bundle's progress (`model.tasks.progress`), read from the tasks' bundle index in one
    pass: what a list of workflows shows without one request per workflow."""
    ids = [bundle["id"] for bundle in bundles]
    tasks = list_partitions(
        engine.store,
        [Partition("tasks", "GSI-Bundle", bundle_id) for bundle_id in ids],
        PageRequest(),
    ).items
    by_bundle: dict[str, list[Item]] = {bundle_id: [] for bundle_id in ids}
    for task in tasks:
        by_bundle[task["bundleId"]].append(task)
    return {bundle_id: task_model.progress(found) for bundle_id, found in by_bundle.items()}


def bundle_tasks(engine: Engine, bundle_id: str, page: PageRequest) -> Listing:
    if engine.store.get("bundles", bundle_id) is None:
        raise NotFound(messages.BUNDLE_NOT_FOUND)
    listing = list_partitions(engine.store, [Partition("tasks", "GSI-Bundle", bundle_id)], page)
    listing.items = refs.present(engine.store, listing.items)
    return listing


def create_bundle(engine: Engine, body: Any) -> tuple[Item, list[Item] | None]:
    """The bundle and, when made from a template, its tasks in definition order."""
    from dataops.engine import templates

    if not is_object(body):
        raise Invalid(messages.INVALID_JSON)
    model.validate_create(body)
    template: Item | None = None
    template_id = body.get("templateId")
    if truthy(template_id):
        if not isinstance(template_id, str):
            raise Invalid(messages.MUST_BE_STRING.format(field="templateId"))
        template = engine.store.get("templates", template_id)
        if template is None:
            raise NotFound(messages.TEMPLATE_NOT_FOUND)
    model.validate_after_template(body)

    now = engine.now()
    bundle: dict[str, Any] = {
        "id": engine.new_id(),
        "title": body["title"],
        "anchorDate": body["anchorDate"],
        "stage": body.get("stage") or BundleStage.PREPARATION.value,
        "status": body.get("status") or BundleStatus.ACTIVE.value,
    }
    for name in ("description", "templateId"):
        if body.get(name) is not None:
            bundle[name] = body[name]
    inherited = templates.inherited_bundle_fields(template) if template else {}
    for name in ("references", "bundleLinks", "emoji", "tags"):
        if name in body and body[name] is not None:
            bundle[name] = body[name]
        elif name in inherited:
            bundle[name] = inherited[name]
    for name in ("artifactRefs", "assistantJobRefs", "auditEventRefs"):
        if body.get(name) is not None:
            bundle[name] = body[name]
    if "artifactRefs" in bundle:
        bundle["artifactRefs"] = refs.rewritten(engine.store, bundle["artifactRefs"])
    bundle["createdAt"] = bundle["updatedAt"] = now

    tasks = templates.instantiate_tasks(engine, template, bundle) if template else []
    writes: list[Write] = [Create("bundles", bundle), *(Create("tasks", task) for task in tasks)]
    results = engine.store.transact(writes)
    created = [item for item in results if item is not None]
    return _present(engine, created[0]), (created[1:] if template else None)


def update_bundle(engine: Engine, bundle_id: str, body: Any) -> Item:
    if body is INVALID_BODY:
        raise Invalid(messages.INVALID_JSON)
    if not is_object(body) or not body:
        raise Invalid(messages.BODY_EMPTY_OR_INVALID)

    def attempt() -> Item:
        existing = engine.store.get("bundles", bundle_id)
        if existing is None:
            raise NotFound(messages.BUNDLE_NOT_FOUND)
        updates = {name: body[name] for name in model.UPDATABLE_FIELDS if name in body}
        model.validate_update(updates)
        if not updates:
            raise Invalid(messages.NO_VALID_FIELDS)
        if updates.get("artifactRefs") is not None:
            updates["artifactRefs"] = refs.rewritten(engine.store, updates["artifactRefs"])
        bundle = apply_updates(existing, updates)
        bundle["updatedAt"] = engine.now()
        writes: list[Write] = [Replace("bundles", bundle, existing.version)]
        if bundle.get("stage") != existing.get("stage") and isinstance(bundle.get("stage"), str):
            writes.append(notifications.stage_change(engine, bundle, bundle["stage"]))
        saved = engine.store.transact(writes)[0]
        assert saved is not None
        return _present(engine, saved)

    return settle(attempt)


def archive_bundle(engine: Engine, bundle_id: str) -> Item:
    def attempt() -> Item:
        existing = engine.store.get("bundles", bundle_id)
        if existing is None:
            raise NotFound(messages.BUNDLE_NOT_FOUND)
        archived = {**existing, "status": BundleStatus.ARCHIVED.value, "updatedAt": engine.now()}
        return _present(engine, engine.store.replace("bundles", archived, existing.version))

    return settle(attempt)


def delete_bundle(engine: Engine, bundle_id: str, actor: str | None) -> None:
    """Only archived bundles; detaches tasks, artifacts and files; deletes notifications.
    Under the `separate` review policy, only a lead deletes a workflow."""
    users.refuse_unless_lead(engine, actor, messages.DELETE_NEEDS_LEAD.format(what="workflow"))

    def attempt() -> None:
        bundle = engine.store.get("bundles", bundle_id)
        if bundle is None:
            raise NotFound(messages.BUNDLE_NOT_FOUND)
        if bundle.get("status") != BundleStatus.ARCHIVED:
            raise Invalid(messages.BUNDLE_DELETE_NOT_ARCHIVED)
        now = engine.now()
        writes: list[Write] = [Delete("bundles", bundle_id, bundle.version)]
        store = engine.store
        for table in ("tasks", "files"):
            for record in store.query(table, "GSI-Bundle", bundle_id).items:
                detached = {key: value for key, value in record.items() if key != "bundleId"}
                if table == "tasks":
                    detached["updatedAt"] = now
                writes.append(Replace(table, detached, record.version))
        writes += detach_artifacts(engine, "bundleId", bundle_id, "its bundle was deleted", actor)
        for notification in store.query("notifications", "GSI-Bundle", bundle_id).items:
            writes.append(Delete("notifications", notification["id"]))
        store.transact(writes)

    settle(attempt)
