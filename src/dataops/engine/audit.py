"""The audit trail: events are appended in the same transaction as the change they record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dataops.engine.context import Engine
from dataops.engine.paging import Listing, PageRequest, Partition, list_partitions
from dataops.model import audit
from dataops.model.audit import AuditAction, EntityType
from dataops.store.base import Create


def event(
    engine: Engine,
    *,
    actor: str | None,
    entity_type: EntityType,
    entity_id: str,
    action: AuditAction,
    summary: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    fields: Iterable[str] = (),
    self_approval: bool = False,
) -> Create:
    """The write that appends one event; `fields` selects what before/after record.
    `self_approval` marks an approval by the artifact's own creator (review policy `open`)."""
    record: dict[str, Any] = {
        "id": engine.new_id(),
        "entityType": entity_type.value,
        "entityId": entity_id,
        "action": action.value,
        "summary": summary,
        "createdAt": engine.now(),
    }
    if actor:
        record["actorId"] = actor
    old, new = audit.changes(before or {}, after or {}, fields)
    if old:
        record["before"] = old
    if new:
        record["after"] = new
    if self_approval:
        record["selfApproval"] = True
    return Create("audit_events", record)


def history(engine: Engine, entity_id: str, page: PageRequest) -> Listing:
    """An entity's events, oldest first."""
    return list_partitions(engine.store, [Partition("audit_events", "GSI-Entity", entity_id)], page)
