"""Runtime records (camelCase, as stored) become export records (snake_case), docs/export-format.md
9.2: what is kept, what is dropped, and the legacy file rule."""

from __future__ import annotations

from dataops.portable.mapping import (
    ARTIFACTS,
    AUDIT_EVENTS,
    BUNDLES,
    ENTITIES,
    FILES,
    NOTIFICATIONS,
    RECURRING_CONFIGS,
    TASKS,
    TEMPLATES,
    USERS,
    export_record,
)

T0 = "2026-11-28T09:00:00.000Z"


def test_entities_files_and_order() -> None:
    assert [(entity.name, entity.filename, entity.id_field) for entity in ENTITIES] == [
        ("users", "users.jsonl", "user_id"),
        ("tasks", "tasks.jsonl", "task_id"),
        ("bundles", "bundles.jsonl", "bundle_id"),
        ("templates", "templates.jsonl", "template_id"),
        ("recurring_configs", "recurring_configs.jsonl", "recurring_config_id"),
        ("files", "files.jsonl", "file_id"),
        ("artifacts", "artifacts.jsonl", "artifact_id"),
        ("notifications", "notifications.jsonl", "notification_id"),
        ("audit_events", "audit_events.jsonl", "audit_event_id"),
    ]


def test_users_never_carry_their_password_hash() -> None:
    user = {
        "id": "user-ada",
        "name": "Ada",
        "email": "ada@example.com",
        "createdAt": T0,
        "passwordHash": "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0",
    }

    assert export_record(USERS, user) == {
        "created_at": T0,
        "email": "ada@example.com",
        "name": "Ada",
        "user_id": "user-ada",
    }


def test_task_fields_are_renamed_and_keys_sorted() -> None:
    task = {
        "id": "task-1",
        "description": "Prepare the guest document",
        "date": "2026-12-01",
        "status": "waiting",
        "source": "template",
        "comment": "Asked twice",
        "waitingFor": "Grace",
        "followUpAt": "2026-12-02T09:00:00.000Z",
        "proofRequirement": {"type": "artifact", "label": "Prep doc", "required": True},
        "externalStatus": "sent",
        "instructionsUrl": "https://docs.example.com/sop",
        "instructionDocId": "sop-podcast",
        "instructionStepId": "step-3",
        "phase": "prep",
        "systems": ["Luma", "Drive"],
        "validation": {"rule": "doc exists"},
        "link": "https://lu.ma/ep12",
        "requiredLinkName": "Luma page",
        "requiresFile": False,
        "assigneeId": "user-grace",
        "bundleId": "bundle-1",
        "templateId": "template-1",
        "templateTaskRef": "prep",
        "recurringConfigId": "recurring-1",
        "stageOnComplete": "announced",
        "artifactRefs": [{"artifactId": "a-1", "title": "Prep", "status": "approved"}],
        "assistantJobRefs": [{"assistantJobId": "job-1"}],
        "auditEventRefs": [{"auditEventId": "event-1"}],
        "tags": ["podcast"],
        "completedBy": "user-ada",
        "completedAt": T0,
        "createdAt": T0,
        "updatedAt": T0,
    }

    exported = export_record(TASKS, task)

    assert list(exported) == sorted(exported)
    assert exported == {
        "artifact_refs": [{"artifactId": "a-1", "title": "Prep", "status": "approved"}],
        "assignee_id": "user-grace",
        "assistant_job_refs": [{"assistantJobId": "job-1"}],
        "audit_event_refs": [{"auditEventId": "event-1"}],
        "bundle_id": "bundle-1",
        "comment": "Asked twice",
        "completed_at": T0,
        "completed_by": "user-ada",
        "created_at": T0,
        "date": "2026-12-01",
        "description": "Prepare the guest document",
        "external_status": "sent",
        "follow_up_at": "2026-12-02T09:00:00.000Z",
        "instruction_doc_id": "sop-podcast",
        "instruction_step_id": "step-3",
        "instructions_url": "https://docs.example.com/sop",
        "link": "https://lu.ma/ep12",
        "phase": "prep",
        "proof_requirement": {"type": "artifact", "label": "Prep doc", "required": True},
        "recurring_config_id": "recurring-1",
        "required_link_name": "Luma page",
        "requires_file": False,
        "source": "template",
        "stage_on_complete": "announced",
        "status": "waiting",
        "systems": ["Luma", "Drive"],
        "tags": ["podcast"],
        "task_id": "task-1",
        "template_id": "template-1",
        "template_task_ref": "prep",
        "updated_at": T0,
        "validation": {"rule": "doc exists"},
        "waiting_for": "Grace",
    }
    # Nested objects keep their stored key order.
    assert list(exported["artifact_refs"][0]) == ["artifactId", "title", "status"]


def test_values_of_the_wrong_kind_nulls_and_empty_arrays_are_dropped() -> None:
    task = {
        "id": "task-1",
        "description": "Typed badly",
        "date": "2026-12-01",
        "comment": "",
        "waitingFor": None,
        "phase": 7,
        "systems": ["Luma", 3, None],
        "tags": [1, 2],
        "requiresFile": "yes",
        "validation": ["not", "an", "object"],
        "proofRequirement": "url",
        "artifactRefs": [],
        "assistantJobRefs": {"not": "an array"},
        "PK": "TASK#task-1",
        "unknownField": "dropped",
    }

    assert export_record(TASKS, task) == {
        "date": "2026-12-01",
        "description": "Typed badly",
        "proof_requirement": "url",
        "systems": ["Luma"],
        "task_id": "task-1",
    }


def test_bundles_keep_emoji_links_and_references() -> None:
    bundle = {
        "id": "bundle-1",
        "title": "Episode 12",
        "description": "With Grace",
        "anchorDate": "2026-12-10",
        "templateId": "template-1",
        "status": "active",
        "stage": "preparation",
        "emoji": "🎙️",
        "references": [{"name": "Brief", "url": "https://docs.example.com/brief"}],
        "bundleLinks": [{"name": "Luma", "url": ""}],
        "tags": ["podcast"],
        "createdAt": T0,
        "updatedAt": T0,
    }

    assert export_record(BUNDLES, bundle) == {
        "anchor_date": "2026-12-10",
        "bundle_id": "bundle-1",
        "bundle_links": [{"name": "Luma", "url": ""}],
        "created_at": T0,
        "description": "With Grace",
        "emoji": "🎙️",
        "references": [{"name": "Brief", "url": "https://docs.example.com/brief"}],
        "stage": "preparation",
        "status": "active",
        "tags": ["podcast"],
        "template_id": "template-1",
        "title": "Episode 12",
        "updated_at": T0,
    }


def test_templates_keep_task_definitions_verbatim() -> None:
    definition = {
        "refId": "book",
        "description": "Book",
        "offsetDays": -9,
        "extra": {"b": 1, "a": 2},
    }
    template = {
        "id": "template-1",
        "name": "Podcast episode",
        "type": "podcast",
        "emoji": "🎙️",
        "tags": ["podcast"],
        "defaultAssigneeId": "user-ada",
        "phases": [{"id": "prep", "name": "Preparation"}],
        "sourceDocIds": ["sop-1"],
        "references": [],
        "bundleLinkDefinitions": [{"name": "Luma"}],
        "taskDefinitions": [definition],
        "triggerType": "automatic",
        "triggerSchedule": "0 9 * * 1",
        "triggerLeadDays": 14,
        "createdAt": T0,
        "updatedAt": T0,
    }

    exported = export_record(TEMPLATES, template)

    assert exported == {
        "bundle_link_definitions": [{"name": "Luma"}],
        "created_at": T0,
        "default_assignee_id": "user-ada",
        "emoji": "🎙️",
        "name": "Podcast episode",
        "phases": [{"id": "prep", "name": "Preparation"}],
        "source_doc_ids": ["sop-1"],
        "tags": ["podcast"],
        "task_definitions": [definition],
        "template_id": "template-1",
        "trigger_lead_days": 14,
        "trigger_schedule": "0 9 * * 1",
        "trigger_type": "automatic",
        "type": "podcast",
        "updated_at": T0,
    }
    assert list(exported["task_definitions"][0]["extra"]) == ["b", "a"]
    assert "trigger_lead_days" not in export_record(TEMPLATES, {"id": "t", "triggerLeadDays": True})


def test_recurring_configs() -> None:
    config = {
        "id": "recurring-1",
        "description": "Weekly newsletter",
        "cronExpression": "0 9 * * 1",
        "assigneeId": "user-ada",
        "enabled": False,
        "createdAt": T0,
        "updatedAt": T0,
    }

    assert export_record(RECURRING_CONFIGS, config) == {
        "assignee_id": "user-ada",
        "created_at": T0,
        "cron_expression": "0 9 * * 1",
        "description": "Weekly newsletter",
        "enabled": False,
        "recurring_config_id": "recurring-1",
        "updated_at": T0,
    }


def test_files_with_a_storage_uri() -> None:
    file = {
        "id": "file-1",
        "taskId": "task-1",
        "bundleId": "bundle-1",
        "filename": "invoice.pdf",
        "category": "invoice",
        "tags": ["2026"],
        "storageProvider": "s3",
        "storageUri": "s3://dataops-binaries/files/7f3a",
        "storagePath": "task-1/invoice.pdf",
        "contentType": "application/pdf",
        "checksum": "sha256:" + "0" * 64,
        "sizeBytes": 1024,
        "createdAt": T0,
    }

    assert export_record(FILES, file) == {
        "bundle_id": "bundle-1",
        "category": "invoice",
        "checksum": "sha256:" + "0" * 64,
        "content_type": "application/pdf",
        "created_at": T0,
        "file_id": "file-1",
        "filename": "invoice.pdf",
        "size_bytes": 1024,
        "storage_provider": "s3",
        "storage_uri": "s3://dataops-binaries/files/7f3a",
        "tags": ["2026"],
        "task_id": "task-1",
    }


def test_legacy_files_with_only_a_storage_path_get_a_local_dev_uri() -> None:
    legacy = {
        "id": "file-legacy",
        "taskId": "task-1",
        "filename": "invoice.pdf",
        "category": "invoice",
        "storagePath": "task-1\\invoices\\invoice.pdf",
        "contentType": "application/pdf",
        "sizeBytes": 1024,
        "createdAt": T0,
    }

    exported = export_record(FILES, legacy)

    assert exported["storage_uri"] == "local-dev://task-1/invoices/invoice.pdf"
    assert exported["storage_provider"] == "local-dev"
    assert "storage_path" not in exported
    assert list(exported) == sorted(exported)


def test_artifacts_keep_review_and_version_links_and_metadata_as_stored() -> None:
    artifact = {
        "id": "artifact-2",
        "type": "podcast-doc",
        "title": "Guest prep v2",
        "description": "Second draft",
        "status": "approved",
        "storageProvider": "google-drive",
        "storageUri": "https://docs.google.com/document/d/abc",
        "filename": "prep.gdoc",
        "contentType": "application/vnd.google-apps.document",
        "sizeBytes": 0,
        "visibility": "private",
        "dataClass": "private",
        "taskId": "task-2",
        "bundleId": "bundle-1",
        "assistantJobId": "job-opaque-7",
        "fileId": "file-1",
        "sourceType": "assistant-output",
        "createdBy": "service:podcast-assistant",
        "reviewedBy": "user-ada",
        "createdAt": T0,
        "updatedAt": T0,
        "reviewedAt": T0,
        "reviewNote": "Good to go",
        "supersedes": "artifact-1",
        "supersededBy": "artifact-3",
        "tags": ["guest"],
        "metadata": {"model": "podcast-assistant", "run": {"b": 2, "a": 1}},
    }

    exported = export_record(ARTIFACTS, artifact)

    assert exported == {
        "artifact_id": "artifact-2",
        "assistant_job_id": "job-opaque-7",
        "bundle_id": "bundle-1",
        "content_type": "application/vnd.google-apps.document",
        "created_at": T0,
        "created_by": "service:podcast-assistant",
        "data_class": "private",
        "description": "Second draft",
        "file_id": "file-1",
        "filename": "prep.gdoc",
        "metadata": {"model": "podcast-assistant", "run": {"b": 2, "a": 1}},
        "review_note": "Good to go",
        "reviewed_at": T0,
        "reviewed_by": "user-ada",
        "size_bytes": 0,
        "source_type": "assistant-output",
        "status": "approved",
        "storage_provider": "google-drive",
        "storage_uri": "https://docs.google.com/document/d/abc",
        "superseded_by": "artifact-3",
        "supersedes": "artifact-1",
        "tags": ["guest"],
        "task_id": "task-2",
        "title": "Guest prep v2",
        "type": "podcast-doc",
        "updated_at": T0,
        "visibility": "private",
    }
    assert list(exported["metadata"]["run"]) == ["b", "a"]


def test_notifications_type_becomes_notification_type() -> None:
    notification = {
        "id": "notification-1",
        "type": "follow-up-due",
        "message": "Follow up: Book the guest — waiting for Grace",
        "userId": "user-ada",
        "taskId": "task-1",
        "bundleId": "bundle-1",
        "templateId": "template-1",
        "dueAt": T0,
        "dismissed": True,
        "createdAt": T0,
        "openKey": "open",
    }

    assert export_record(NOTIFICATIONS, notification) == {
        "bundle_id": "bundle-1",
        "created_at": T0,
        "dismissed": True,
        "due_at": T0,
        "message": "Follow up: Book the guest — waiting for Grace",
        "notification_id": "notification-1",
        "notification_type": "follow-up-due",
        "task_id": "task-1",
        "template_id": "template-1",
        "user_id": "user-ada",
    }


def test_audit_events_pass_the_redaction_rules() -> None:
    event = {
        "id": "event-1",
        "actorId": "user-ada",
        "entityType": "artifact",
        "entityId": "artifact-1",
        "action": "artifact.status-changed",
        "before": {"status": "needs-review", "storageUri": "https://x.example/f?X-Amz-Signature=1"},
        "after": {"status": "approved", "metadata": {"apiKey": "sk-1"}},
        "summary": "Approved",
        "createdAt": T0,
    }

    assert export_record(AUDIT_EVENTS, event) == {
        "action": "artifact.status-changed",
        "actor_id": "user-ada",
        "after": {"status": "approved", "metadata": {}},
        "audit_event_id": "event-1",
        "before": {"status": "needs-review", "storageUri": "[redacted]"},
        "created_at": T0,
        "entity_id": "artifact-1",
        "entity_type": "artifact",
        "summary": "Approved",
    }
