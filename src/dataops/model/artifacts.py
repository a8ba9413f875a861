"""Artifacts: durable metadata records for outputs and proof (never the content itself)."""

from __future__ import annotations

from enum import StrEnum


class ArtifactType(StrEnum):
    PODCAST_DOC = "podcast-doc"
    TRANSCRIPT = "transcript"
    RECORDING = "recording"
    REPORT = "report"
    INVOICE = "invoice"
    EVENT_PAGE = "event-page"
    ASSISTANT_OUTPUT = "assistant-output"
    EXTERNAL_LINK = "external-link"
    OTHER = "other"


class ArtifactStatus(StrEnum):
    DRAFT = "draft"
    NEEDS_REVIEW = "needs-review"
    APPROVED = "approved"
    REJECTED = "rejected"
    ARCHIVED = "archived"
    SUPERSEDED = "superseded"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    PRIVATE = "private"
    SENSITIVE = "sensitive"


class SourceType(StrEnum):
    MANUAL_LINK = "manual-link"
    MANUAL_UPLOAD = "manual-upload"
    ASSISTANT_OUTPUT = "assistant-output"
    IMPORT = "import"
    MIGRATION = "migration"
    SYSTEM = "system"
