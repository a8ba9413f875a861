"""The records the artifact benchmarks seed straight into a store: bundles of tasks, each task
gated on an approved artifact among several links (`bench artifacts` and `bench load` read the
same shapes)."""

from __future__ import annotations

from typing import Any


def bundle(number: int, anchor: str, stamp: str) -> dict[str, Any]:
    return {
        "id": f"bundle-{number:06d}",
        "title": f"Episode {number}",
        "anchorDate": anchor,
        "stage": "preparation",
        "status": "active",
        "createdAt": stamp,
        "updatedAt": stamp,
    }


def task(number: int, bundle_id: str, day: str, stamp: str) -> dict[str, Any]:
    """A task of `bundle_id` that only an approved artifact completes."""
    return {
        "id": f"task-{number:07d}",
        "description": f"Publish output {number}",
        "date": day,
        "status": "todo",
        "source": "manual",
        "bundleId": bundle_id,
        "proofRequirement": {"type": "artifact", "label": "published page"},
        "createdAt": stamp,
        "updatedAt": stamp,
    }


def artifact(task_number: int, n: int, status: str, stamp: str) -> dict[str, Any]:
    """The `n`th artifact (an external link) of task `task_number`."""
    return {
        "id": f"artifact-{task_number:07d}-{n:02d}",
        "type": "event-page",
        "title": f"Output {task_number}.{n}",
        "status": status,
        "storageUri": f"https://lu.ma/output-{task_number}-{n}",
        "storageProvider": "external-url",
        "dataClass": "internal",
        "visibility": "internal",
        "sourceType": "manual-link",
        "taskId": f"task-{task_number:07d}",
        "createdAt": stamp,
        "updatedAt": stamp,
    }
