"""Detaching artifacts from a task, bundle or file that is being deleted (docs/api.md#resources):
the artifacts stay (they are records of outputs), they only stop naming what is gone, so exports
stay valid.
"""

from __future__ import annotations

from dataops.engine import audit
from dataops.engine.context import Engine
from dataops.model.audit import AuditAction, EntityType
from dataops.store.base import Replace, Write

_OWNER_INDEX = {"taskId": "GSI-Task", "bundleId": "GSI-Bundle", "fileId": "GSI-File"}


def detach_artifacts(
    engine: Engine, owner_field: str, owner_id: str, reason: str, actor: str | None
) -> list[Write]:
    """Writes that clear `owner_field` on every artifact naming `owner_id` (its task, bundle or
    file is being deleted), each with its audit event; for the deleter's transaction."""
    writes: list[Write] = []
    for artifact in engine.store.query("artifacts", _OWNER_INDEX[owner_field], owner_id).items:
        detached = {key: value for key, value in artifact.items() if key != owner_field}
        detached["updatedAt"] = engine.now()
        writes.append(Replace("artifacts", detached, artifact.version))
        writes.append(
            audit.event(
                engine,
                actor=actor,
                entity_type=EntityType.ARTIFACT,
                entity_id=artifact["id"],
                action=AuditAction.ARTIFACT_DETACHED,
                summary=f"Detached: {reason}",
                before=artifact,
                after=detached,
                fields=(owner_field,),
            )
        )
    return writes
