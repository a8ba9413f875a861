"""Template routes (7.2): every validation rule with its exact message, in order; nothing is
stored on a refusal; update, list, get, delete (10.11) and the 405s."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from dataops.engine.context import Engine


def definition(**fields: Any) -> dict[str, Any]:
    return {"refId": "prep", "description": "Prepare the guest", "offsetDays": -7, **fields}


def template_body(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Podcast episode",
        "type": "podcast",
        "taskDefinitions": [definition()],
        **fields,
    }


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/templates", json=template_body(**fields))
    assert response.status_code == 201, response.text
    template: dict[str, Any] = response.json()["template"]
    return template


def refused(client: TestClient, body: Any, engine: Engine) -> str:
    response = client.post("/api/templates", json=body)
    assert response.status_code == 400, response.text
    assert engine.store.count("templates") == 0
    message: str = response.json()["error"]
    return message


# --- create ---------------------------------------------------------------------------------


def test_create_stores_the_fields_and_keeps_definitions_verbatim(client: TestClient) -> None:
    body = template_body(
        emoji="🎙",
        tags=["podcast"],
        defaultAssigneeId="user-grace",
        phases=[{"id": "prep", "name": "Preparation", "stage": "preparation"}],
        sourceDocIds=["sop-podcast"],
        references=[{"name": "SOP", "url": "https://docs.example.org/sop"}],
        bundleLinkDefinitions=[{"name": "Episode page"}],
        triggerType="automatic",
        triggerSchedule="0 9 * * MON",
        triggerLeadDays=14,
        unknownField="dropped",
    )
    extras = {"customKey": "kept", "customList": ["a", 1, True], "weight": 2.5}
    body["taskDefinitions"] = [definition(**extras, isMilestone=True)]
    response = client.post("/api/templates", json=body)
    assert response.status_code == 201
    template = response.json()["template"]
    assert template["taskDefinitions"] == [definition(**extras, isMilestone=True)]
    assert template["triggerLeadDays"] == 14
    assert "unknownField" not in template
    assert template["createdAt"] == template["updatedAt"]
    assert client.get(f"/api/templates/{template['id']}").json() == {"template": template}


@pytest.mark.parametrize(
    ("extras", "message"),
    [
        (
            {"customKey": {"nested": True}},
            "taskDefinitions[0].customKey must be a string, number, boolean or an array of those",
        ),
        (
            {"customList": ["a", {"b": 1}]},
            "taskDefinitions[0].customList must be a string, number, boolean or an array of those",
        ),
        ({"customKey": "k" * 2001}, "taskDefinitions[0].customKey is too long (max 2000)"),
        (
            {f"note{n}": "n" * 1900 for n in range(9)},
            "taskDefinitions[0] is too large (max 16384 bytes)",
        ),
        ({"apiKey": "x"}, "taskDefinitions[0].apiKey must not contain secrets or signed URLs"),
        (
            {"notes": "see https://b.s3.amazonaws.com/k?X-Amz-Signature=abc"},
            "taskDefinitions[0].notes must not contain signed URLs or tokens",
        ),
    ],
)
def test_extra_definition_keys_stay_small_plain_values(
    client: TestClient, engine: Engine, extras: dict[str, Any], message: str
) -> None:
    body = template_body()
    body["taskDefinitions"] = [definition(**extras)]
    response = client.post("/api/templates", json=body)
    assert (response.status_code, response.json()) == (400, {"error": message})
    assert engine.store.count("templates") == 0


@pytest.mark.parametrize("raw", [b"", b"{not json", b"null", b"[]", b'"text"', b"42"])
def test_create_needs_an_object_body(client: TestClient, engine: Engine, raw: bytes) -> None:
    response = client.post(
        "/api/templates", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid JSON"}
    assert engine.store.count("templates") == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": None}, "Missing required field: name"),
        ({"name": "   "}, "Missing required field: name"),
        ({"name": 5}, "Missing required field: name"),
        ({"type": ""}, "Missing required field: type"),
        ({"type": ["podcast"]}, "Missing required field: type"),
        ({"taskDefinitions": None}, "Missing required field: taskDefinitions"),
        ({"taskDefinitions": 0}, "Missing required field: taskDefinitions"),
        ({"taskDefinitions": ""}, "Missing required field: taskDefinitions"),
        # `[]` and `{}` are truthy in the reference: present, but not a non-empty array.
        ({"taskDefinitions": []}, "taskDefinitions must be a non-empty array"),
        ({"taskDefinitions": {}}, "taskDefinitions must be a non-empty array"),
        ({"taskDefinitions": "prep"}, "taskDefinitions must be a non-empty array"),
    ],
)
def test_create_required_fields_in_order(
    client: TestClient, engine: Engine, changes: dict[str, Any], message: str
) -> None:
    body = template_body()
    body.update(changes)
    assert refused(client, body, engine) == message


def test_name_is_checked_before_type_and_definitions(client: TestClient, engine: Engine) -> None:
    assert refused(client, {}, engine) == "Missing required field: name"
    assert refused(client, {"name": "x"}, engine) == "Missing required field: type"


@pytest.mark.parametrize("bad", [None, 5, "prep", ["prep"], True])
def test_a_non_object_definition_is_refused(client: TestClient, engine: Engine, bad: Any) -> None:
    body = template_body(taskDefinitions=[definition(), bad])
    assert refused(client, body, engine) == "taskDefinitions[1] must be an object"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"refId": None}, "taskDefinitions[0] is missing required field: refId"),
        ({"refId": ""}, "taskDefinitions[0] is missing required field: refId"),
        ({"refId": 7}, "taskDefinitions[0] is missing required field: refId"),
        ({"description": None}, "taskDefinitions[0] is missing required field: description"),
        ({"description": 3}, "taskDefinitions[0] is missing required field: description"),
        ({"offsetDays": None}, "taskDefinitions[0] is missing required field: offsetDays"),
        ({"offsetDays": "3"}, "taskDefinitions[0] is missing required field: offsetDays"),
        ({"offsetDays": True}, "taskDefinitions[0] is missing required field: offsetDays"),
        ({"instructionsUrl": 5}, "taskDefinitions[0].instructionsUrl must be a string"),
        ({"instructionDocId": 5}, "taskDefinitions[0].instructionDocId must be a string"),
        ({"instructionStepId": []}, "taskDefinitions[0].instructionStepId must be a string"),
        ({"phase": {}}, "taskDefinitions[0].phase must be a string"),
        ({"systems": "dropbox"}, "taskDefinitions[0].systems must be an array of strings"),
        ({"systems": ["dropbox", 1]}, "taskDefinitions[0].systems must be an array of strings"),
        ({"validation": 5}, "taskDefinitions[0].validation must be a string or object"),
        ({"validation": ["a"]}, "taskDefinitions[0].validation must be a string or object"),
        ({"isMilestone": "yes"}, "taskDefinitions[0].isMilestone must be a boolean"),
        (
            {"stageOnComplete": "published"},
            "taskDefinitions[0].stageOnComplete must be one of: preparation, announced, after-event, done",
        ),
        ({"assigneeId": 5}, "taskDefinitions[0].assigneeId must be a string"),
        ({"requiredLinkName": True}, "taskDefinitions[0].requiredLinkName must be a string"),
        ({"requiresFile": "true"}, "taskDefinitions[0].requiresFile must be a boolean"),
        ({"proofRequirement": None}, "taskDefinitions[0].proofRequirement must be an object"),
        ({"proofRequirement": ["url"]}, "taskDefinitions[0].proofRequirement must be an object"),
        (
            {"proofRequirement": {"type": "photo"}},
            "taskDefinitions[0].proofRequirement.type must be one of: url, file, artifact, comment, external-status",
        ),
        (
            {"proofRequirement": {"type": 1}},
            "taskDefinitions[0].proofRequirement.type must be one of: url, file, artifact, comment, external-status",
        ),
        (
            {"proofRequirement": {"type": "url", "label": 3}},
            "taskDefinitions[0].proofRequirement.label must be a string",
        ),
        (
            {"proofRequirement": {"type": "url", "required": "no"}},
            "taskDefinitions[0].proofRequirement.required must be a boolean",
        ),
        (
            {"artifactRefs": [{"title": "x"}]},
            "taskDefinitions[0].artifactRefs must be an array of objects with artifactId",
        ),
        (
            {"assistantJobRefs": "job-1"},
            "taskDefinitions[0].assistantJobRefs must be an array of objects with assistantJobId",
        ),
        (
            {"auditEventRefs": [{"auditEventId": " "}]},
            "taskDefinitions[0].auditEventRefs must be an array of objects with auditEventId",
        ),
    ],
)
def test_definition_rules_with_their_messages(
    client: TestClient, engine: Engine, fields: dict[str, Any], message: str
) -> None:
    body = template_body(taskDefinitions=[definition(**fields)])
    assert refused(client, body, engine) == message


def test_definition_rules_run_in_the_contract_order(client: TestClient, engine: Engine) -> None:
    everything_wrong = {
        "refId": "r",
        "description": "d",
        "offsetDays": 0,
        "instructionsUrl": 1,
        "systems": 1,
        "isMilestone": 1,
        "proofRequirement": 1,
    }
    body = template_body(taskDefinitions=[everything_wrong])
    assert refused(client, body, engine) == "taskDefinitions[0].instructionsUrl must be a string"
    del everything_wrong["instructionsUrl"]
    assert refused(client, body, engine) == "taskDefinitions[0].systems must be an array of strings"
    del everything_wrong["systems"]
    assert refused(client, body, engine) == "taskDefinitions[0].isMilestone must be a boolean"
    del everything_wrong["isMilestone"]
    assert refused(client, body, engine) == "taskDefinitions[0].proofRequirement must be an object"


def test_the_first_failing_definition_is_named(client: TestClient, engine: Engine) -> None:
    body = template_body(
        taskDefinitions=[
            definition(),
            definition(refId="b", offsetDays="x"),
            definition(refId=None),
        ]
    )
    assert (
        refused(client, body, engine) == "taskDefinitions[1] is missing required field: offsetDays"
    )


def test_optional_definition_fields_may_be_null(client: TestClient) -> None:
    template = create(
        client, taskDefinitions=[definition(phase=None, systems=None, stageOnComplete=None)]
    )
    assert template["taskDefinitions"][0]["phase"] is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"sourceDocIds": "sop"}, "sourceDocIds must be an array of strings"),
        ({"sourceDocIds": ["sop", 2]}, "sourceDocIds must be an array of strings"),
        ({"phases": {"id": "p"}}, "phases must be an array"),
        ({"phases": ["prep"]}, "phases[0] must be an object"),
        ({"phases": [{"name": "Prep"}]}, "phases[0].id must be a non-empty string"),
        ({"phases": [{"id": " ", "name": "Prep"}]}, "phases[0].id must be a non-empty string"),
        ({"phases": [{"id": "p"}]}, "phases[0].name must be a non-empty string"),
        (
            {"phases": [{"id": "p", "name": "P"}, {"id": "q", "name": "Q", "stage": 1}]},
            "phases[1].stage must be a string",
        ),
    ],
)
def test_doc_context_rules(
    client: TestClient, engine: Engine, fields: dict[str, Any], message: str
) -> None:
    assert refused(client, template_body(**fields), engine) == message


def test_definitions_are_checked_before_doc_context(client: TestClient, engine: Engine) -> None:
    body = template_body(phases="x", taskDefinitions=[definition(phase=1)])
    assert refused(client, body, engine) == "taskDefinitions[0].phase must be a string"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "n" * 501}, "name is too long (max 500)"),
        ({"tags": "podcast"}, "tags must be an array of strings"),
        ({"tags": ["t"] * 51}, "tags is too long (max 50)"),
        ({"emoji": 1}, "emoji must be a string"),
        ({"defaultAssigneeId": 1}, "defaultAssigneeId must be a string"),
        (
            {"references": [{"name": "SOP", "url": "javascript:alert(1)"}]},
            "references[0].url must be an http(s) URL",
        ),
        ({"references": "x"}, "references must be an array of objects with name and url"),
        (
            {"bundleLinkDefinitions": [{"url": "x"}]},
            "bundleLinkDefinitions must be an array of objects with name",
        ),
        (
            {"bundleLinkDefinitions": [{"name": "n"}] * 101},
            "bundleLinkDefinitions is too long (max 100)",
        ),
        ({"triggerType": 1}, "triggerType must be a string"),
        (
            {"triggerSchedule": "every wednesday"},
            "Invalid triggerSchedule format: must have exactly 5 space-separated fields",
        ),
        (
            {"triggerSchedule": "61 * * * *"},
            "Invalid triggerSchedule: minute value 61 is out of range 0-59",
        ),
        (
            {"triggerSchedule": "* * 32 * *"},
            "Invalid triggerSchedule: day-of-month value 32 is out of range 1-31",
        ),
        ({"triggerLeadDays": "14"}, "triggerLeadDays must be a number"),
        ({"triggerLeadDays": 100000}, "triggerLeadDays must be from -3660 to 3660 days"),
    ],
)
def test_bundle_and_trigger_fields(
    client: TestClient, engine: Engine, fields: dict[str, Any], message: str
) -> None:
    assert refused(client, template_body(**fields), engine) == message


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"offsetDays": 1e9}, "taskDefinitions[0].offsetDays must be from -3660 to 3660 days"),
        ({"description": "d" * 20_001}, "taskDefinitions[0].description is too long (max 20000)"),
        (
            {"instructionsUrl": "file:///etc/passwd"},
            "taskDefinitions[0].instructionsUrl must be an http(s) URL",
        ),
        ({"systems": ["s"] * 51}, "taskDefinitions[0].systems is too long (max 50)"),
    ],
)
def test_definition_limits(
    client: TestClient, engine: Engine, fields: dict[str, Any], message: str
) -> None:
    body = template_body(taskDefinitions=[definition(**fields)])
    assert refused(client, body, engine) == message


def test_at_most_500_definitions(client: TestClient, engine: Engine) -> None:
    many = [definition(refId=f"t{i}") for i in range(501)]
    assert refused(client, template_body(taskDefinitions=many), engine) == (
        "taskDefinitions is too long (max 500)"
    )
    assert create(client, taskDefinitions=many[:500])["taskDefinitions"][499]["refId"] == "t499"


# --- list and get ---------------------------------------------------------------------------


def test_list_by_name_with_pages(client: TestClient) -> None:
    for name in ("Newsletter", "Event", "Podcast"):
        create(client, name=name)
    names = [t["name"] for t in client.get("/api/templates").json()["templates"]]
    assert names == ["Event", "Newsletter", "Podcast"]
    first = client.get("/api/templates?limit=2").json()
    assert [t["name"] for t in first["templates"]] == ["Event", "Newsletter"]
    rest = client.get(f"/api/templates?limit=2&cursor={first['nextCursor']}").json()
    assert [t["name"] for t in rest["templates"]] == ["Podcast"]
    assert "nextCursor" not in rest


def test_get_missing(client: TestClient) -> None:
    response = client.get("/api/templates/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "Template not found"}


# --- update ---------------------------------------------------------------------------------


def test_update_changes_given_fields_and_null_removes(client: TestClient) -> None:
    template = create(client, emoji="🎙", triggerLeadDays=3)
    response = client.put(
        f"/api/templates/{template['id']}",
        json={"name": "Podcast v2", "emoji": None, "taskDefinitions": [definition(refId="x")]},
    )
    assert response.status_code == 200
    updated = response.json()["template"]
    assert updated["name"] == "Podcast v2"
    assert "emoji" not in updated
    assert updated["triggerLeadDays"] == 3
    assert updated["taskDefinitions"][0]["refId"] == "x"
    assert updated["updatedAt"] > template["updatedAt"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "Invalid JSON"),
        (b"{oops", "Invalid JSON"),
        (b"null", "Request body is empty or invalid"),
        (b"[]", "Request body is empty or invalid"),
        (b"{}", "Request body is empty or invalid"),
    ],
)
def test_update_body_errors(client: TestClient, raw: bytes, message: str) -> None:
    template = create(client)
    response = client.put(
        f"/api/templates/{template['id']}",
        content=raw,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_update_order_404_then_fields_then_rules(client: TestClient) -> None:
    missing = client.put("/api/templates/nope", json={"taskDefinitions": []})
    assert (missing.status_code, missing.json()) == (404, {"error": "Template not found"})
    template = create(client)
    url = f"/api/templates/{template['id']}"
    cases = [
        ({"createdAt": "x"}, "No valid fields to update"),
        ({"taskDefinitions": []}, "taskDefinitions must be a non-empty array"),
        ({"taskDefinitions": None}, "taskDefinitions must be a non-empty array"),
        ({"taskDefinitions": [7]}, "taskDefinitions[0] must be an object"),
        ({"phases": [{}]}, "phases[0].id must be a non-empty string"),
        ({"name": " "}, "name must be a non-empty string"),
        ({"type": None}, "type must be a non-empty string"),
        (
            {"triggerSchedule": "0 9 * * FUNDAY"},
            "Invalid triggerSchedule: day-of-week field has an invalid value 'FUNDAY'",
        ),
    ]
    for body, message in cases:
        response = client.put(url, json=body)
        assert (response.status_code, response.json()) == (400, {"error": message}), body
    assert client.get(url).json() == {"template": template}


# --- delete ---------------------------------------------------------------------------------


def test_delete_keeps_bundles_and_tasks_as_provenance(client: TestClient, engine: Engine) -> None:
    template = create(client)
    made = client.post(
        "/api/bundles",
        json={"title": "Ep 1", "anchorDate": "2026-12-10", "templateId": template["id"]},
    ).json()
    response = client.delete(f"/api/templates/{template['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"/api/templates/{template['id']}").status_code == 404
    bundle = client.get(f"/api/bundles/{made['bundle']['id']}").json()["bundle"]
    assert bundle["templateId"] == template["id"]
    task = client.get(f"/api/tasks/{made['tasks'][0]['id']}").json()
    assert task["templateId"] == template["id"]
    again = client.delete(f"/api/templates/{template['id']}")
    assert (again.status_code, again.json()) == (404, {"error": "Template not found"})


def test_delete_clears_the_template_from_its_notifications(
    client: TestClient, engine: Engine
) -> None:
    template = create(client)
    engine.store.create(
        "notifications",
        {
            "id": "n1",
            "message": "m",
            "templateId": template["id"],
            "dismissed": False,
            "createdAt": "2026-11-28T09:00:00.000Z",
        },
    )
    assert client.delete(f"/api/templates/{template['id']}").status_code == 204
    notification = engine.store.get("notifications", "n1")
    assert notification is not None and "templateId" not in notification


# --- methods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/api/templates"),
        ("DELETE", "/api/templates"),
        ("POST", "/api/templates/x"),
        ("PATCH", "/api/templates/x"),
    ],
)
def test_other_methods_are_405(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert (response.status_code, response.json()) == (405, {"error": "Method not allowed"})


def test_trailing_slash_and_deeper_paths(client: TestClient) -> None:
    template = create(client)
    assert client.get("/api/templates/").status_code == 200
    assert client.get(f"/api/templates/{template['id']}/").status_code == 200
    deeper = client.get(f"/api/templates/{template['id']}/tasks")
    assert (deeper.status_code, deeper.json()) == (404, {"error": "Not found"})
