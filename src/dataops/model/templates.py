"""Workflow templates: the fields and every validation rule (docs/api.md#templates, with the
limits of 10.15). Task definitions are stored verbatim (extra keys kept) once each passes.

Fields the reference stored unchecked are checked here where an instantiated bundle or task
would otherwise carry a value that its own rules refuse (links, tags, schedules, day offsets).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataops.model import cron, messages, records
from dataops.model import fields as f
from dataops.model.bundles import EMOJI_MAX, BundleStage
from dataops.model.errors import Invalid
from dataops.model.records import (
    LINKS_MAX_ITEMS,
    NAME_MAX,
    SHORT_TEXT_MAX,
    SMALL_OBJECT_MAX_BYTES,
    TASK_DEFINITION_MAX_BYTES,
    TASK_DEFINITIONS_MAX,
    TEXT_MAX,
    Extras,
    Field,
    Kind,
    ObjectShape,
    RecordType,
)
from dataops.model.tasks import PROOF_REQUIREMENT, SYSTEMS, VALIDATION, check_proof_requirement
from dataops.model.values import is_nonblank, is_number, is_object, is_string_array, truthy

# The create fields; PUT accepts the same set (docs/api.md#templates).
FIELDS: tuple[str, ...] = (
    "name",
    "type",
    "taskDefinitions",
    "emoji",
    "tags",
    "defaultAssigneeId",
    "phases",
    "sourceDocIds",
    "references",
    "bundleLinkDefinitions",
    "triggerType",
    "triggerSchedule",
    "triggerLeadDays",
)
REQUIRED_FIELDS = frozenset({"name", "type", "taskDefinitions"})
AUTOMATIC = "automatic"
# Ten years either way: far beyond any workflow, and no date arithmetic can overflow.
MAX_OFFSET_DAYS = 3660

# A task definition: what instantiation copies into each task (docs/api.md#templates), checked as
# the task's own fields are; extra keys a client adds stay small plain values.
TASK_DEFINITION = ObjectShape(
    (
        Field("refId", Kind.ID, SHORT_TEXT_MAX, required=True),
        Field("description", Kind.TEXT, TEXT_MAX, required=True),
        Field("offsetDays", Kind.NUMBER, required=True),
        Field("instructionsUrl", Kind.LINK, SHORT_TEXT_MAX),
        Field("instructionDocId", Kind.ID, SHORT_TEXT_MAX),
        Field("instructionStepId", Kind.ID, SHORT_TEXT_MAX),
        Field("phase", Kind.TEXT, SHORT_TEXT_MAX),
        SYSTEMS,
        VALIDATION,
        Field("proofRequirement", Kind.OBJECT, shape=PROOF_REQUIREMENT),
        *f.REF_FIELDS,
        Field("isMilestone", Kind.BOOLEAN),
        Field("stageOnComplete", Kind.ENUM, values=tuple(BundleStage)),
        Field("assigneeId", Kind.ID, SHORT_TEXT_MAX),
        Field("requiredLinkName", Kind.TEXT, NAME_MAX),
        Field("requiresFile", Kind.BOOLEAN),
    ),
    Extras.SCALARS,
    TASK_DEFINITION_MAX_BYTES,
)
PHASE = ObjectShape(
    (
        Field("id", Kind.ID, SHORT_TEXT_MAX, required=True),
        Field("name", Kind.TEXT, NAME_MAX, required=True),
        Field("stage", Kind.TEXT, SHORT_TEXT_MAX),
    ),
    Extras.SCALARS,
    SMALL_OBJECT_MAX_BYTES,
)
LINK_DEFINITION = ObjectShape(
    (Field("name", Kind.TEXT, NAME_MAX),), Extras.SCALARS, SMALL_OBJECT_MAX_BYTES
)

# Every field of a template, in the order the export validator reports them (docs/export-format.md,
# rule 7).
TEMPLATE = RecordType(
    "templates",
    (
        Field("id", Kind.ID, export="template_id", required=True, writable=False),
        Field("createdAt", Kind.TIMESTAMP, writable=False),
        Field("updatedAt", Kind.TIMESTAMP, writable=False),
        Field("sourceDocIds", Kind.TEXT_LIST, TASK_DEFINITIONS_MAX, item_limit=SHORT_TEXT_MAX),
        Field("phases", Kind.OBJECT_LIST, LINKS_MAX_ITEMS, shape=PHASE),
        Field("taskDefinitions", Kind.OBJECT_LIST, TASK_DEFINITIONS_MAX, shape=TASK_DEFINITION),
        Field("name", Kind.TEXT, NAME_MAX),
        Field("type", Kind.TEXT, SHORT_TEXT_MAX),
        Field("emoji", Kind.TEXT, EMOJI_MAX),
        f.TAGS,
        Field("defaultAssigneeId", Kind.ID, SHORT_TEXT_MAX),
        f.named_links("references"),
        Field("bundleLinkDefinitions", Kind.OBJECT_LIST, LINKS_MAX_ITEMS, shape=LINK_DEFINITION),
        Field("triggerType", Kind.TEXT, SHORT_TEXT_MAX),
        Field("triggerSchedule", Kind.TEXT, SHORT_TEXT_MAX),
        Field("triggerLeadDays", Kind.NUMBER),
    ),
)

_DEFINITION_STRINGS = ("instructionsUrl", "instructionDocId", "instructionStepId", "phase")


def _present(definition: Mapping[str, Any], name: str) -> bool:
    """Optional definition fields: absent or null means "not given"."""
    return definition.get(name) is not None


def _check_days(name: str, value: Any) -> None:
    if not is_number(value):
        raise Invalid(messages.MUST_BE_NUMBER.format(field=name))
    if abs(value) > MAX_OFFSET_DAYS:
        raise Invalid(messages.DAYS_OUT_OF_RANGE.format(field=name, limit=MAX_OFFSET_DAYS))


def check_definition(index: int, definition: Any) -> None:
    """One task definition's shape, in the contract's order; the first failure wins (limits,
    links and extra keys follow with the template's declared rules)."""
    if not is_object(definition):
        raise Invalid(messages.TEMPLATE_DEFINITION_NOT_OBJECT.format(index=index))
    prefix = f"taskDefinitions[{index}]."
    for name in ("refId", "description"):
        value = definition.get(name)
        if not truthy(value) or not isinstance(value, str):
            raise Invalid(messages.TEMPLATE_DEFINITION_MISSING.format(index=index, field=name))
    if not is_number(definition.get("offsetDays")):
        raise Invalid(messages.TEMPLATE_DEFINITION_MISSING.format(index=index, field="offsetDays"))
    for name in _DEFINITION_STRINGS:
        if _present(definition, name) and not isinstance(definition[name], str):
            raise Invalid(messages.MUST_BE_STRING.format(field=prefix + name))
    if _present(definition, "systems") and not is_string_array(definition["systems"]):
        raise Invalid(messages.MUST_BE_STRING_ARRAY.format(field=prefix + "systems"))
    if _present(definition, "validation") and not isinstance(definition["validation"], str | dict):
        raise Invalid(prefix + messages.VALIDATION_INVALID)
    if _present(definition, "isMilestone") and not isinstance(definition["isMilestone"], bool):
        raise Invalid(messages.MUST_BE_BOOLEAN.format(field=prefix + "isMilestone"))
    if _present(definition, "stageOnComplete") and (
        definition["stageOnComplete"] not in BundleStage.__members__.values()
    ):
        raise Invalid(messages.TEMPLATE_STAGE_ON_COMPLETE.format(field=prefix + "stageOnComplete"))
    for name in ("assigneeId", "requiredLinkName"):
        if _present(definition, name) and not isinstance(definition[name], str):
            raise Invalid(messages.MUST_BE_STRING.format(field=prefix + name))
    if _present(definition, "requiresFile") and not isinstance(definition["requiresFile"], bool):
        raise Invalid(messages.MUST_BE_BOOLEAN.format(field=prefix + "requiresFile"))
    if "proofRequirement" in definition:
        check_proof_requirement(definition["proofRequirement"], prefix)
    f.check_refs(definition, prefix)
    if abs(definition["offsetDays"]) > MAX_OFFSET_DAYS:
        raise Invalid(
            messages.DAYS_OUT_OF_RANGE.format(field=prefix + "offsetDays", limit=MAX_OFFSET_DAYS)
        )


def check_definitions(value: Any) -> None:
    if not isinstance(value, list) or not value:
        raise Invalid(messages.TEMPLATE_DEFINITIONS_REQUIRED)
    if len(value) > TASK_DEFINITIONS_MAX:
        raise Invalid(messages.TOO_LONG.format(field="taskDefinitions", limit=TASK_DEFINITIONS_MAX))
    for index, definition in enumerate(value):
        check_definition(index, definition)


def check_doc_context(fields: Mapping[str, Any]) -> None:
    """sourceDocIds and phases (the template's doc context)."""
    if _present(fields, "sourceDocIds") and not is_string_array(fields["sourceDocIds"]):
        raise Invalid(messages.MUST_BE_STRING_ARRAY.format(field="sourceDocIds"))
    if not _present(fields, "phases"):
        return
    phases = fields["phases"]
    if not isinstance(phases, list):
        raise Invalid(messages.TEMPLATE_PHASES_NOT_ARRAY)
    for index, phase in enumerate(phases):
        if not is_object(phase):
            raise Invalid(messages.TEMPLATE_PHASE_NOT_OBJECT.format(index=index))
        for name in ("id", "name"):
            if not is_nonblank(phase.get(name)):
                raise Invalid(messages.NON_EMPTY_STRING.format(field=f"phases[{index}].{name}"))
        if _present(phase, "stage") and not isinstance(phase["stage"], str):
            raise Invalid(messages.MUST_BE_STRING.format(field=f"phases[{index}].stage"))


def check_bundle_fields(fields: Mapping[str, Any]) -> None:
    """What bundles inherit (emoji, tags, references, link names) and the trigger settings,
    then every declared rule: types, limits, links and the secret detector."""
    f.check_named_links(fields, "references")
    definitions = fields.get("bundleLinkDefinitions")
    if definitions is not None and not (
        isinstance(definitions, list)
        and all(is_object(item) and isinstance(item.get("name"), str) for item in definitions)
    ):
        raise Invalid(messages.TEMPLATE_LINK_DEFINITIONS)
    if fields.get("triggerSchedule") not in (None, ""):
        cron.parse(fields["triggerSchedule"], "triggerSchedule")
    if fields.get("triggerLeadDays") is not None:
        _check_days("triggerLeadDays", fields["triggerLeadDays"])
    records.check(TEMPLATE, fields)


def validate_create(body: Mapping[str, Any]) -> dict[str, Any]:
    """POST order: name, type, taskDefinitions present, definitions, doc context, the rest.

    Returns the fields to store (nulls dropped).
    """
    for name in ("name", "type"):
        if not is_nonblank(body.get(name)):
            raise Invalid(messages.MISSING_FIELD.format(field=name))
    if not truthy(body.get("taskDefinitions")):
        raise Invalid(messages.MISSING_FIELD.format(field="taskDefinitions"))
    check_definitions(body["taskDefinitions"])
    check_doc_context(body)
    fields = {name: body[name] for name in FIELDS if body.get(name) is not None}
    check_bundle_fields(fields)
    return fields


def validate_update(body: Mapping[str, Any]) -> dict[str, Any]:
    """PUT (after the existence check): the given create fields; null removes optional ones."""
    updates = {name: body[name] for name in FIELDS if name in body}
    if not updates:
        raise Invalid(messages.NO_VALID_FIELDS)
    if "taskDefinitions" in updates:
        check_definitions(updates["taskDefinitions"])
    check_doc_context(updates)
    # The reference did not revalidate name and type here; a blank or missing name would drop
    # the template out of its name-ordered index (and out of every list), so they must stay
    # non-empty strings.
    for name in ("name", "type"):
        if name in updates and not is_nonblank(updates[name]):
            raise Invalid(messages.NON_EMPTY_STRING.format(field=name))
    check_bundle_fields(updates)
    return updates


def is_automatic(template: Mapping[str, Any]) -> bool:
    return template.get("triggerType") == AUTOMATIC and truthy(template.get("triggerSchedule"))
