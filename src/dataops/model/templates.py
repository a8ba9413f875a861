"""Workflow templates: the fields and every validation rule of api-contract.md 7.2 (with the
limits of 10.15). Task definitions are stored verbatim (extra keys kept) once each passes.

Fields the reference stored unchecked are checked here where an instantiated bundle or task
would otherwise carry a value that its own rules refuse (links, tags, schedules, day offsets).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataops.model import cron, messages
from dataops.model import fields as f
from dataops.model.bundles import BundleStage
from dataops.model.errors import Invalid
from dataops.model.tasks import check_proof_requirement
from dataops.model.values import is_nonblank, is_number, is_object, is_string_array, truthy

# The create fields; PUT accepts the same set (7.2).
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
EMOJI_MAX = 32

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
    """One task definition, in the contract's order; the first failure wins."""
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
    _check_definition_limits(prefix, definition)


def _check_definition_limits(prefix: str, definition: Mapping[str, Any]) -> None:
    """What the instantiated task's own rules would refuse (10.13, 10.15)."""
    if abs(definition["offsetDays"]) > MAX_OFFSET_DAYS:
        raise Invalid(
            messages.DAYS_OUT_OF_RANGE.format(field=prefix + "offsetDays", limit=MAX_OFFSET_DAYS)
        )
    f.check_length(prefix + "refId", definition["refId"], f.SHORT_TEXT_MAX)
    f.check_length(prefix + "description", definition["description"], f.TEXT_MAX)
    for name in (
        "instructionDocId",
        "instructionStepId",
        "phase",
        "assigneeId",
        "requiredLinkName",
    ):
        if isinstance(definition.get(name), str):
            f.check_length(prefix + name, definition[name], f.SHORT_TEXT_MAX)
    if definition.get("instructionsUrl"):
        f.check_link(prefix + "instructionsUrl", definition["instructionsUrl"])
    systems = definition.get("systems")
    if isinstance(systems, list):
        f.check_string_array(
            {prefix + "systems": systems}, prefix + "systems", f.TAGS_MAX_ITEMS, f.TAG_MAX
        )


def check_definitions(value: Any) -> None:
    if not isinstance(value, list) or not value:
        raise Invalid(messages.TEMPLATE_DEFINITIONS_REQUIRED)
    if len(value) > f.TASK_DEFINITIONS_MAX:
        raise Invalid(
            messages.TOO_LONG.format(field="taskDefinitions", limit=f.TASK_DEFINITIONS_MAX)
        )
    for index, definition in enumerate(value):
        check_definition(index, definition)


def check_doc_context(fields: Mapping[str, Any]) -> None:
    """sourceDocIds and phases (7.2 "template doc context")."""
    if _present(fields, "sourceDocIds"):
        f.check_string_array(fields, "sourceDocIds", f.TASK_DEFINITIONS_MAX, f.SHORT_TEXT_MAX)
    if not _present(fields, "phases"):
        return
    phases = fields["phases"]
    if not isinstance(phases, list):
        raise Invalid(messages.TEMPLATE_PHASES_NOT_ARRAY)
    if len(phases) > f.LINKS_MAX_ITEMS:
        raise Invalid(messages.TOO_LONG.format(field="phases", limit=f.LINKS_MAX_ITEMS))
    for index, phase in enumerate(phases):
        if not is_object(phase):
            raise Invalid(messages.TEMPLATE_PHASE_NOT_OBJECT.format(index=index))
        for name in ("id", "name"):
            if not is_nonblank(phase.get(name)):
                raise Invalid(messages.NON_EMPTY_STRING.format(field=f"phases[{index}].{name}"))
        if _present(phase, "stage") and not isinstance(phase["stage"], str):
            raise Invalid(messages.MUST_BE_STRING.format(field=f"phases[{index}].stage"))


def check_bundle_fields(fields: Mapping[str, Any]) -> None:
    """What bundles inherit (emoji, tags, references, link names) and the trigger settings."""
    if isinstance(fields.get("name"), str):
        f.check_length("name", fields["name"], f.TITLE_MAX)
    f.check_string(fields, "type")
    f.check_string(fields, "emoji", EMOJI_MAX)
    f.check_string(fields, "defaultAssigneeId")
    f.check_tags(fields)
    f.check_named_links(fields, "references")
    definitions = fields.get("bundleLinkDefinitions")
    if definitions is not None:
        if not isinstance(definitions, list) or not all(
            is_object(item) and isinstance(item.get("name"), str) for item in definitions
        ):
            raise Invalid(messages.TEMPLATE_LINK_DEFINITIONS)
        if len(definitions) > f.LINKS_MAX_ITEMS:
            raise Invalid(
                messages.TOO_LONG.format(field="bundleLinkDefinitions", limit=f.LINKS_MAX_ITEMS)
            )
    f.check_string(fields, "triggerType")
    if fields.get("triggerSchedule") not in (None, ""):
        cron.parse(fields["triggerSchedule"], "triggerSchedule")
    if fields.get("triggerLeadDays") is not None:
        _check_days("triggerLeadDays", fields["triggerLeadDays"])


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
