"""The rule-set property (issue 11): whatever a hostile but ordinary client sends through the
write routes, every request is answered 2xx or 4xx, a 4xx changes nothing, and the export
validates with zero errors afterwards and restores into an empty store as it was exported
(byte-identical entity files: completion receipts and waivers included).

A hypothesis state machine drives every write route. Each request takes a valid body and sets
one writable field, named by the entity's declaration in model/ (so fields added later are
driven too), to a hostile value: the cases that used to cut the backup, wrong types, secrets,
over-long text, forged refs. tests/api/test_rule_set_property.py runs it with a bounded number
of examples; fuzz/test_rule_set_long.py runs it much longer (`make fuzz`).
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, rule
from starlette.testclient import TestClient

from dataops.engine import users
from dataops.model.actors import ReviewPolicy
from dataops.model.artifacts import ARTIFACT
from dataops.model.bundles import BUNDLE
from dataops.model.records import RecordType
from dataops.model.recurring import RECURRING_CONFIG
from dataops.model.tasks import TASK
from dataops.model.templates import TASK_DEFINITION, TEMPLATE
from dataops.model.users import Role
from dataops.portable.export import ExportOptions, write_export
from dataops.portable.restore import import_export
from dataops.portable.validate import validate_export
from tests.conftest import FakeClock, client_for, make_engine, make_settings

PRESIGNED = (
    "https://media.s3.amazonaws.com/ep1.wav?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIA%2F20261201&X-Amz-Signature=abc123"
)
CHECKSUM = "sha256:" + "a" * 64

HOSTILE_TEXT = (
    "Fix the token=abc bug",
    "notes sig=1.txt",
    "x" * 70_000,
    "y" * 501,
    "z" * 2_001,
    "w" * 20_001,
    f"see {PRESIGNED}",
    PRESIGNED,
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "a1B2" * 9,
    "xoxb-1234567890-abcdefghij",
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
    "javascript:alert(1)",
    "https://admin:hunter2@files.example.com/r.pdf",
    "https://x]@bucket.s3.amazonaws.com/k?X-Amz-Signature=1",
    "https://app.example.com/#/cb?access_token=abc",
    "https://dl.dropboxusercontent.com./s/abc/ep1.wav",
    "https://files.example.com/a b.pdf",
    "s3://bucket/key",
    "local-dev://files/abc",
    "https://lu.ma/abc?utm_source=newsletter",
    "2026-12-01",
    "2026-12-01\n",
    "２０２６-１２-０１",
    "2026-02-30",
    "2026-12-01T10:00:00Z",
    "",
    " ",
    "\x00",
    "todo",
    "done",
    "waiting",
    "archived",
    "approved",
    "needs-review",
    "superseded",
    "s3",
    "local-dev",
    "url",
    "artifact",
    "announced",
    "😀" * 300,
    "0 9 * * MON",
    "automatic",
    CHECKSUM,
)
HOSTILE_OTHER: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1.5,
    1e300,
    3660,
    10**30,
    [],
    [1],
    ["a"],
    ["t" * 101],
    ["t"] * 51,
    [PRESIGNED],
    {},
    {"accessToken": "x"},
    {"note": PRESIGNED},
    {"deep": {"deeper": [PRESIGNED, "AKIAIOSFODNN7EXAMPLE"]}},
    {"big": "b" * 25_000},
    {"type": "url", "label": "l" * 70_000},
    {"type": "artifact"},
    {"type": "comment", "required": False},
    {"type": "url", "extra": {"nested": 1}},
    [{"artifactId": "missing"}],
    [{"artifactId": "missing", "storageUri": "javascript:alert(1)", "status": "approved"}],
    [{"name": "n" * 600, "url": "https://ok.example.com"}],
    [{"name": "ok", "url": "javascript:alert(1)"}],
    [{"name": "ok", "url": PRESIGNED}],
    [{"id": "p", "name": "P", "extra": PRESIGNED}],
    [{"id": "p", "name": "P" * 600}],
    [{"assistantJobId": "j", "log": "x" * 70_000}],
    [{"auditEventId": "e", "apiKey": "k"}],
    [{"refId": "a", "description": "d", "offsetDays": 0, "notes": "n" * 3000}],
    [{"refId": "a", "description": "d", "offsetDays": 0, "validation": {"k": PRESIGNED}}],
    [{"refId": "a", "description": "d" * 20_001, "offsetDays": 0}],
)
json_leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=8,
)
hostile_values = (
    st.sampled_from(HOSTILE_TEXT) | st.sampled_from(HOSTILE_OTHER) | st.text(max_size=30)
) | json_values


def writable(record_type: RecordType) -> list[str]:
    return [spec.name for spec in record_type.writable()]


TASK_FIELDS = writable(TASK)
BUNDLE_FIELDS = writable(BUNDLE)
TEMPLATE_FIELDS = writable(TEMPLATE)
ARTIFACT_FIELDS = [*writable(ARTIFACT), "createdBy"]
RECURRING_FIELDS = writable(RECURRING_CONFIG)
DEFINITION_FIELDS = [spec.name for spec in TASK_DEFINITION.fields] + ["extraKey"]

TASK_BODY = {"description": "Publish the episode", "date": "2026-12-10"}
BUNDLE_BODY = {"title": "Episode 12", "anchorDate": "2026-12-10"}
DEFINITION = {"refId": "prep", "description": "Prepare", "offsetDays": -3}
TEMPLATE_BODY = {"name": "Podcast episode", "type": "podcast", "taskDefinitions": [DEFINITION]}
ARTIFACT_BODIES = (
    {"type": "event-page", "title": "Luma page", "storageUri": "https://lu.ma/ep12"},
    {
        "type": "recording",
        "title": "Raw",
        "storageUri": "s3://media/ep12.wav",
        "checksum": CHECKSUM,
    },
)
# `waiveProof` values: a reason, and what must be refused (blank, too long, secrets, not an object).
WAIVERS: tuple[Any, ...] = (
    {"reason": "Venue page retired"},
    {"reason": "Done before DataOps"},
    {"reason": " "},
    {"reason": "r" * 2_001},
    {"reason": f"see {PRESIGNED}"},
    {"reason": 3},
    {},
    "because",
    None,
)
RECURRING_BODY = {"description": "Weekly review", "cronExpression": "0 9 * * MON"}


class RuleSetMachine(RuleBasedStateMachine):
    """Write routes with hostile values; the store's export stays valid throughout."""

    tasks = Bundle("tasks")
    bundles = Bundle("bundles")
    templates = Bundle("templates")
    artifacts = Bundle("artifacts")
    files = Bundle("files")
    configs = Bundle("configs")

    def __init__(self) -> None:
        super().__init__()
        self.workdir = Path(tempfile.mkdtemp(prefix="rule-set-"))
        self.engine = make_engine(make_settings(self.workdir), FakeClock())
        # The operator leads (may waive proof under `separate`); ada is a member.
        users.add_user(
            self.engine, email="op@example.com", name="Op", user_id="operator", role=Role.LEAD
        )
        users.add_user(self.engine, email="ada@example.com", name="Ada", user_id="ada")
        self.client: TestClient = client_for(self.engine, {"x-user-id": "operator"})

    # --- the invariant, around every request -------------------------------------------------

    def _state(self) -> dict[str, list[tuple[int, dict[str, Any]]]]:
        store = self.engine.store
        tables = (
            "tasks",
            "bundles",
            "templates",
            "recurring_configs",
            "artifacts",
            "files",
            "notifications",
            "audit_events",
        )
        return {
            table: [(item.version, dict(item)) for item in store.scan(table)] for table in tables
        }

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        before = self._state()
        response = self.client.request(method, path, **kwargs)
        assert response.status_code < 500, f"{method} {path}: {response.text[:300]}"
        assert response.status_code < 300 or response.status_code >= 400, response.text[:300]
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}
            assert self._state() == before, f"{method} {path} -> {response.status_code} wrote"
        return response

    def teardown(self) -> None:
        try:
            target = self.workdir / "export"
            options = ExportOptions(generated_at="2026-12-01T00:00:00.000Z")
            first = write_export(self.engine, target, options)
            report = validate_export(target)
            assert report.errors == [], report.errors[:5]
            restored = make_engine(
                make_settings(
                    self.workdir, DATAOPS_STORE=f"sqlite:///{self.workdir / 'restored.db'}"
                ),
                FakeClock(),
            )
            try:
                import_export(restored.store, target)
                again = write_export(restored, self.workdir / "again", options)
                assert again.checksums == first.checksums
            finally:
                restored.store.close()
        finally:
            self.engine.store.close()
            shutil.rmtree(self.workdir, ignore_errors=True)

    # --- tasks ------------------------------------------------------------------------------------

    @rule(target=tasks, field=st.sampled_from(TASK_FIELDS), value=hostile_values)
    def create_task(self, field: str, value: Any) -> Any:
        response = self.send("POST", "/api/tasks", json={**TASK_BODY, field: value})
        return response.json()["id"] if response.status_code == 201 else "missing-task"

    @rule(task=tasks, field=st.sampled_from(TASK_FIELDS), value=hostile_values)
    def update_task(self, task: str, field: str, value: Any) -> None:
        self.send("PUT", f"/api/tasks/{task}", json={field: value})

    @rule(task=tasks, field=st.sampled_from(TASK_FIELDS), value=hostile_values)
    def complete_task(self, task: str, field: str, value: Any) -> None:
        self.send("PUT", f"/api/tasks/{task}", json={"status": "done", field: value})

    # --- completions with receipts, waivers, review policies ---------------------------------------

    @rule(
        task=tasks,
        waiver=st.sampled_from(WAIVERS),
        who=st.sampled_from(["operator", "ada"]),
    )
    def waive_proof(self, task: str, waiver: Any, who: str) -> None:
        body = {"status": "done", "waiveProof": waiver}
        self.send("PUT", f"/api/tasks/{task}", json=body, headers={"x-user-id": who})

    @rule(task=tasks, waive=st.booleans(), weakening=st.sampled_from(HOSTILE_OTHER[18:22]))
    def weaken_and_complete(self, task: str, waive: bool, weakening: Any) -> None:
        body: dict[str, Any] = {"status": "done", "proofRequirement": weakening}
        if waive:
            body["waiveProof"] = {"reason": "Requirement dropped by the producer"}
        self.send("PUT", f"/api/tasks/{task}", json=body)

    @rule(
        target=tasks,
        kind=st.sampled_from(["artifact", "file", "comment", "url", "external-status"]),
        waiver=st.sampled_from(WAIVERS),
    )
    def create_done(self, kind: str, waiver: Any) -> Any:
        body = {
            **TASK_BODY,
            "status": "done",
            "proofRequirement": {"type": kind},
            "comment": "Confirmed",
            "waiveProof": waiver,
        }
        response = self.send("POST", "/api/tasks", json=body)
        return response.json()["id"] if response.status_code == 201 else "missing-task"

    @rule(task=tasks, status=st.sampled_from(["todo", "waiting", "archived", "done"]))
    def reopen_or_complete(self, task: str, status: str) -> None:
        body: dict[str, Any] = {"status": status}
        if status == "waiting":
            body.update(waitingFor="the venue", followUpAt="2026-12-03T09:00:00Z")
        self.send("PUT", f"/api/tasks/{task}", json=body)

    @rule(policy=st.sampled_from(list(ReviewPolicy)))
    def switch_review_policy(self, policy: ReviewPolicy) -> None:
        self.engine.policy = dataclasses.replace(self.engine.policy, review_policy=policy)

    @rule(artifact=artifacts, who=st.sampled_from(["operator", "ada"]))
    def approve_as(self, artifact: str, who: str) -> None:
        self.send("POST", f"/api/artifacts/{artifact}/approve", headers={"x-user-id": who})

    @rule(task=tasks, artifact=artifacts, extra=hostile_values)
    def refer_to_artifact(self, task: str, artifact: str, extra: Any) -> None:
        forged = {"artifactId": artifact, "status": "approved", "title": extra, "x": extra}
        self.send("PUT", f"/api/tasks/{task}", json={"artifactRefs": [forged]})

    @rule(task=consumes(tasks))
    def delete_task(self, task: str) -> None:
        self.send("DELETE", f"/api/tasks/{task}")

    # --- bundles and templates --------------------------------------------------------------------

    @rule(target=bundles, field=st.sampled_from(BUNDLE_FIELDS), value=hostile_values)
    def create_bundle(self, field: str, value: Any) -> Any:
        response = self.send("POST", "/api/bundles", json={**BUNDLE_BODY, field: value})
        return response.json()["bundle"]["id"] if response.status_code == 201 else "missing"

    @rule(bundle=bundles, field=st.sampled_from(BUNDLE_FIELDS), value=hostile_values)
    def update_bundle(self, bundle: str, field: str, value: Any) -> None:
        self.send("PUT", f"/api/bundles/{bundle}", json={field: value})

    @rule(task=tasks, bundle=bundles)
    def move_task(self, task: str, bundle: str) -> None:
        self.send("PUT", f"/api/tasks/{task}", json={"bundleId": bundle})

    @rule(bundle=consumes(bundles))
    def archive_and_delete_bundle(self, bundle: str) -> None:
        self.send("PUT", f"/api/bundles/{bundle}/archive")
        self.send("DELETE", f"/api/bundles/{bundle}")

    @rule(target=templates, field=st.sampled_from(TEMPLATE_FIELDS), value=hostile_values)
    def create_template(self, field: str, value: Any) -> Any:
        response = self.send("POST", "/api/templates", json={**TEMPLATE_BODY, field: value})
        return response.json()["template"]["id"] if response.status_code == 201 else "missing"

    @rule(
        target=templates,
        field=st.sampled_from(DEFINITION_FIELDS),
        value=hostile_values,
        artifact=artifacts,
    )
    def create_template_with_definition(self, field: str, value: Any, artifact: str) -> Any:
        definition = {**DEFINITION, "artifactRefs": [{"artifactId": artifact}], field: value}
        body = {**TEMPLATE_BODY, "taskDefinitions": [definition]}
        response = self.send("POST", "/api/templates", json=body)
        return response.json()["template"]["id"] if response.status_code == 201 else "missing"

    @rule(template=templates, field=st.sampled_from(TEMPLATE_FIELDS), value=hostile_values)
    def update_template(self, template: str, field: str, value: Any) -> None:
        self.send("PUT", f"/api/templates/{template}", json={field: value})

    @rule(target=bundles, template=templates, anchor=st.sampled_from(HOSTILE_TEXT[22:27]))
    def instantiate(self, template: str, anchor: str) -> Any:
        body = {**BUNDLE_BODY, "anchorDate": anchor, "templateId": template}
        response = self.send("POST", "/api/bundles", json=body)
        return response.json()["bundle"]["id"] if response.status_code == 201 else "missing"

    @rule(template=consumes(templates))
    def delete_template(self, template: str) -> None:
        self.send("DELETE", f"/api/templates/{template}")

    # --- artifacts ------------------------------------------------------------------------------

    @rule(
        target=artifacts,
        base=st.sampled_from(ARTIFACT_BODIES),
        field=st.sampled_from(ARTIFACT_FIELDS),
        value=hostile_values,
    )
    def register_artifact(self, base: dict[str, Any], field: str, value: Any) -> Any:
        response = self.send("POST", "/api/artifacts", json={**base, field: value})
        return response.json()["artifact"]["id"] if response.status_code == 201 else "missing"

    @rule(artifact=artifacts, field=st.sampled_from(ARTIFACT_FIELDS), value=hostile_values)
    def update_artifact(self, artifact: str, field: str, value: Any) -> None:
        self.send("PUT", f"/api/artifacts/{artifact}", json={field: value})

    @rule(
        artifact=artifacts,
        verdict=st.sampled_from(["approve", "reject"]),
        note=hostile_values,
    )
    def review(self, artifact: str, verdict: str, note: Any) -> None:
        self.send("POST", f"/api/artifacts/{artifact}/{verdict}", json={"note": note})

    @rule(artifact=artifacts, task=tasks, bundle=bundles)
    def attach(self, artifact: str, task: str, bundle: str) -> None:
        self.send("POST", f"/api/artifacts/{artifact}/attach", json={"taskId": task})
        self.send("POST", f"/api/artifacts/{artifact}/attach", json={"bundleId": bundle})

    @rule(
        target=artifacts,
        artifact=artifacts,
        field=st.sampled_from(ARTIFACT_FIELDS),
        value=hostile_values,
    )
    def supersede(self, artifact: str, field: str, value: Any) -> Any:
        body = {**ARTIFACT_BODIES[0], field: value}
        response = self.send("POST", f"/api/artifacts/{artifact}/supersede", json=body)
        return response.json()["artifact"]["id"] if response.status_code == 201 else "missing"

    @rule(artifact=artifacts)
    def archive(self, artifact: str) -> None:
        self.send("PUT", f"/api/artifacts/{artifact}/archive")

    # --- files and recurring work --------------------------------------------------------------

    @rule(
        target=files,
        task=tasks,
        filename=st.sampled_from(HOSTILE_TEXT) | st.text(min_size=1, max_size=20),
        content_type=st.sampled_from(
            [
                "text/plain",
                "x" * 300,
                "text/plain; token=abc",
                "text/plain; x-amz-signature=abc",
                "text/plain; AKIAIOSFODNN7EXAMPLE",
            ]
        ),
        tags=st.sampled_from(['["a"]', f'["{PRESIGNED}"]', '["AKIAIOSFODNN7EXAMPLE"]', "nope"]),
    )
    def upload(self, task: str, filename: str, content_type: str, tags: str) -> Any:
        response = self.send(
            "POST",
            "/api/files",
            data={"taskId": task, "tags": tags},
            files={"file": (filename, b"bytes", content_type)},
        )
        return response.json()["file"]["id"] if response.status_code == 201 else "missing"

    @rule(file=consumes(files))
    def delete_file(self, file: str) -> None:
        self.send("DELETE", f"/api/files/{file}")

    @rule(target=configs, field=st.sampled_from(RECURRING_FIELDS), value=hostile_values)
    def create_config(self, field: str, value: Any) -> Any:
        response = self.send("POST", "/api/recurring", json={**RECURRING_BODY, field: value})
        return response.json()["recurringConfig"]["id"] if response.status_code == 201 else "x"

    @rule(config=configs, field=st.sampled_from(RECURRING_FIELDS), value=hostile_values)
    def update_config(self, config: str, field: str, value: Any) -> None:
        self.send("PUT", f"/api/recurring/{config}", json={field: value})

    @rule(config=configs)
    def generate(self, config: str) -> None:
        body = {"startDate": "2026-12-01", "endDate": "2026-12-14"}
        self.send("POST", "/api/recurring/generate", json=body)
