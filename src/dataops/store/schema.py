"""Tables, keys and indexes, declared once and shared by every backend.

Names follow api-contract.md section 8: each logical table has a DynamoDB table (configurable
through its environment variable), an item key prefix (`TASK#<id>`) and the secondary indexes
its access patterns need, so that no request path scans a table. Index keys are record
attributes, or values derived from the record (`key_fn`) for sparse indexes such as "open
notifications"; a record whose key is absent is simply not in that index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

KeyFn = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Index:
    """A secondary index: items with equal `hash_key`, ordered by `range_key`, then by id.

    `hash_key=None` declares an index over the whole table ordered by `range_key`.
    """

    name: str
    hash_key: str | None
    range_key: str | None = None
    hash_fn: KeyFn | None = None

    def hash_value(self, item: Mapping[str, Any]) -> str | None:
        if self.hash_key is None:
            return "*"
        value = self.hash_fn(item) if self.hash_fn else item.get(self.hash_key)
        return value if isinstance(value, str) and value != "" else None

    def range_value(self, item: Mapping[str, Any]) -> str | None:
        if self.range_key is None:
            return ""
        value = item.get(self.range_key)
        return value if isinstance(value, str) and value != "" else None

    def key_of(self, item: Mapping[str, Any]) -> tuple[str, str] | None:
        """(hash, range) of the item in this index, or None when the item is not in it."""
        hash_value, range_value = self.hash_value(item), self.range_value(item)
        if hash_value is None or range_value is None:
            return None
        return hash_value, range_value


@dataclass(frozen=True)
class Table:
    name: str
    env_var: str
    default_table_name: str
    key_prefix: str
    indexes: tuple[Index, ...] = ()

    def index(self, name: str) -> Index:
        for index in self.indexes:
            if index.name == name:
                return index
        raise KeyError(f"table {self.name} has no index {name}")


def _open_notification(item: Mapping[str, Any]) -> str | None:
    return None if item.get("dismissed") is True else "open"


TASKS = Table(
    "tasks",
    "DATAOPS_TASKS_TABLE",
    "Tasks",
    "TASK#",
    (
        Index("GSI-Date", "date", "status"),
        Index("GSI-Bundle", "bundleId", "date"),
        Index("GSI-Status", "status", "date"),
    ),
)
RECURRING_CONFIGS = Table(
    "recurring_configs",
    "DATAOPS_TASKS_TABLE",
    "Tasks",
    "RECURRING#",
    (Index("GSI-Created", None, "createdAt"),),
)
BUNDLES = Table(
    "bundles",
    "DATAOPS_BUNDLES_TABLE",
    "Projects",
    "BUNDLE#",
    (
        Index("GSI-Template", "templateId", "anchorDate"),
        Index("GSI-Anchor", None, "anchorDate"),
    ),
)
TEMPLATES = Table(
    "templates",
    "DATAOPS_TEMPLATES_TABLE",
    "Templates",
    "TEMPLATE#",
    (
        Index("GSI-Trigger", "triggerType", "name"),
        Index("GSI-Name", None, "name"),
    ),
)
USERS = Table(
    "users",
    "DATAOPS_USERS_TABLE",
    "Users",
    "USER#",
    (Index("GSI-Email", "email"), Index("GSI-Created", None, "createdAt")),
)
SESSIONS = Table(
    "sessions",
    "DATAOPS_SESSIONS_TABLE",
    "Sessions",
    "SESSION#",
    (Index("GSI-User", "userId", "createdAt"),),
)
FILES = Table(
    "files",
    "DATAOPS_FILES_TABLE",
    "Files",
    "FILE#",
    (
        Index("GSI-Task", "taskId", "createdAt"),
        Index("GSI-Bundle", "bundleId", "createdAt"),
        Index("GSI-Category", "category", "createdAt"),
        Index("GSI-Created", None, "createdAt"),
    ),
)
ARTIFACTS = Table(
    "artifacts",
    "DATAOPS_ARTIFACTS_TABLE",
    "Artifacts",
    "ARTIFACT#",
    (
        Index("GSI-Task", "taskId", "createdAt"),
        Index("GSI-Bundle", "bundleId", "createdAt"),
        Index("GSI-Status", "status", "updatedAt"),
        Index("GSI-AssistantJob", "assistantJobId", "createdAt"),
        Index("GSI-File", "fileId", "createdAt"),
        Index("GSI-Type", "type", "createdAt"),
        Index("GSI-Created", None, "createdAt"),
    ),
)
NOTIFICATIONS = Table(
    "notifications",
    "DATAOPS_NOTIFICATIONS_TABLE",
    "Notifications",
    "NOTIFICATION#",
    (
        Index("GSI-Open", "openKey", "createdAt", hash_fn=_open_notification),
        Index("GSI-Created", None, "createdAt"),
        Index("GSI-Task", "taskId", "createdAt"),
        Index("GSI-Bundle", "bundleId", "createdAt"),
    ),
)
AUDIT_EVENTS = Table(
    "audit_events",
    "DATAOPS_AUDIT_EVENTS_TABLE",
    "AuditEvents",
    "AUDIT#",
    (Index("GSI-Entity", "entityId", "createdAt"),),
)
UPLOADS = Table(
    "uploads",
    "DATAOPS_UPLOADS_TABLE",
    "Uploads",
    "UPLOAD#",
)

TABLES: Mapping[str, Table] = {
    table.name: table
    for table in (
        TASKS,
        RECURRING_CONFIGS,
        BUNDLES,
        TEMPLATES,
        USERS,
        SESSIONS,
        FILES,
        ARTIFACTS,
        NOTIFICATIONS,
        AUDIT_EVENTS,
        UPLOADS,
    )
}
