"""After any sequence of API calls, an export validates with no errors (api-contract.md 10.11).

Hypothesis drives random sequences over the routes this branch has: tasks (create, update with
status changes and proof, delete), bundles (create, update, archive, delete) and files (upload,
delete), with several actors; refused calls must be 4xx and write nothing, so the invariant
still holds after them. At the end of each sequence the store is exported and validated.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from httpx import Response
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, multiple, rule

from dataops.engine import users
from dataops.portable.export import write_export
from dataops.portable.validate import validate_export
from tests.conftest import client_for, make_engine, make_settings
from tests.support.multipart import body, field, file_part, headers

DATES = st.dates(date(2026, 1, 1), date(2027, 12, 31)).map(date.isoformat)
PROOF_TYPES = ["url", "file", "artifact", "comment", "external-status"]
PROOF_REQUIREMENTS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"type": st.sampled_from(PROOF_TYPES)},
        optional={
            "label": st.sampled_from(["", "Prep doc", "Luma page"]),
            "required": st.booleans(),
        },
    ),
)
LINKS = st.sampled_from([None, "", "https://lu.ma/episode-12", "https://example.com/notes"])
TEXTS = st.sampled_from([None, "", "  ", "Done and dusted", "Grace confirmed — thanks"])
ACTORS = st.sampled_from(["user", "portal-admin", "service:podcast-assistant", None])
ASSIGNEES = st.sampled_from([None, "user", "user-grace"])
TASK_STATUSES = st.sampled_from(["todo", "waiting", "done", "archived"])


class ApiSequences(RuleBasedStateMachine):
    tasks = Bundle("tasks")
    bundles = Bundle("bundles")
    files = Bundle("files")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        self.engine = make_engine(make_settings(root))
        self.client = client_for(self.engine)
        self.user = users.add_user(self.engine, email="ada@example.com", name="Ada")
        self.export_root = root
        self.bundle_ids: list[str] = []

    # --- helpers -------------------------------------------------------------------------------

    def call(self, method: str, path: str, actor: str | None = None, **kwargs: Any) -> Response:
        headers = dict(kwargs.pop("headers", {}))
        if actor is not None:
            headers["x-user-id"] = self.user["id"] if actor == "user" else actor
        response = self.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 500, response.text
        return response

    def person(self, value: str | None) -> str | None:
        return self.user["id"] if value == "user" else value

    def task_fields(self, data: st.DataObject) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        status = data.draw(st.one_of(st.none(), TASK_STATUSES))
        if status is not None:
            fields["status"] = status
        if status == "waiting" or data.draw(st.booleans()):
            fields["waitingFor"] = data.draw(st.sampled_from(["Grace", "the venue"]))
            fields["followUpAt"] = data.draw(DATES) + "T09:00:00.000Z"
        optional = {
            "link": LINKS,
            "comment": TEXTS,
            "externalStatus": TEXTS,
            "proofRequirement": PROOF_REQUIREMENTS,
            "requiresFile": st.one_of(st.none(), st.booleans()),
            "requiredLinkName": st.sampled_from([None, "", "Luma page"]),
            "assigneeId": ASSIGNEES.map(self.person),
            "templateId": st.sampled_from([None, "template-deleted"]),
            "bundleId": st.sampled_from([None, "bundle-that-never-was", *self.bundle_ids]),
        }
        for name, strategy in optional.items():
            if data.draw(st.booleans()):
                fields[name] = data.draw(strategy)
        return fields

    # --- bundles ------------------------------------------------------------------------------

    @rule(target=bundles, title=st.sampled_from(["Episode 12", "Meetup — June"]), day=DATES)
    def create_bundle(self, title: str, day: str) -> Any:
        response = self.call("POST", "/api/bundles", json={"title": title, "anchorDate": day})
        assert response.status_code == 201, response.text
        self.bundle_ids.append(response.json()["bundle"]["id"])
        return self.bundle_ids[-1]

    @rule(bundle_id=bundles, stage=st.sampled_from(["preparation", "announced", "done"]))
    def update_bundle(self, bundle_id: str, stage: str) -> None:
        self.call("PUT", f"/api/bundles/{bundle_id}", json={"stage": stage, "emoji": "🎙️"})

    @rule(bundle_id=bundles)
    def archive_bundle(self, bundle_id: str) -> None:
        self.call("PUT", f"/api/bundles/{bundle_id}/archive")

    @rule(bundle_id=bundles, actor=ACTORS)
    def delete_bundle(self, bundle_id: str, actor: str | None) -> None:
        self.call("DELETE", f"/api/bundles/{bundle_id}", actor)

    # --- tasks --------------------------------------------------------------------------------

    @rule(target=tasks, data=st.data(), day=DATES, actor=ACTORS)
    def create_task(self, data: st.DataObject, day: str, actor: str | None) -> Any:
        fields = self.task_fields(data)
        response = self.call(
            "POST", "/api/tasks", actor, json={"description": "Prepare", "date": day, **fields}
        )
        if response.status_code != 201:
            return multiple()
        return response.json()["id"]

    @rule(target=tasks, day=DATES, proof=PROOF_REQUIREMENTS, link_name=st.booleans())
    def create_plain_task(self, day: str, proof: dict[str, Any] | None, link_name: bool) -> Any:
        fields: dict[str, Any] = {"description": "Book the guest", "date": day}
        if proof is not None:
            fields["proofRequirement"] = proof
        if link_name:
            fields["requiredLinkName"] = "Luma page"
        if self.bundle_ids:
            fields["bundleId"] = self.bundle_ids[-1]
        response = self.call("POST", "/api/tasks", json=fields)
        if response.status_code != 201:  # its bundle was deleted
            assert response.json() == {"error": "Bundle not found"}
            return multiple()
        return response.json()["id"]

    @rule(task_id=tasks, data=st.data(), actor=ACTORS)
    def update_task(self, task_id: str, data: st.DataObject, actor: str | None) -> None:
        fields = self.task_fields(data) or {"status": "done"}
        self.call("PUT", f"/api/tasks/{task_id}", actor, json=fields)

    @rule(task_id=tasks, actor=ACTORS)
    def complete_task(self, task_id: str, actor: str | None) -> None:
        self.call("PUT", f"/api/tasks/{task_id}", actor, json={"status": "done"})

    @rule(task_id=tasks, actor=ACTORS)
    def delete_task(self, task_id: str, actor: str | None) -> None:
        self.call("DELETE", f"/api/tasks/{task_id}", actor)

    # --- files --------------------------------------------------------------------------------

    @rule(target=files, task_id=tasks, actor=ACTORS, size=st.integers(1, 2048))
    def upload_file(self, task_id: str, actor: str | None, size: int) -> Any:
        parts = [field("taskId", task_id), file_part(b"x" * size, "proof.pdf", "application/pdf")]
        response = self.call("POST", "/api/files", actor, content=body(parts), headers=headers())
        if response.status_code != 201:
            return multiple()
        return response.json()["file"]["id"]

    @rule(file_id=files, actor=ACTORS)
    def delete_file(self, file_id: str, actor: str | None) -> None:
        self.call("DELETE", f"/api/files/{file_id}", actor)

    # --- the property -------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            target = self.export_root / "export"
            write_export(self.engine, target)
            report = validate_export(target)
            assert report.errors == [], report.errors
        finally:
            self.engine.store.close()
            self.tmp.cleanup()


ApiSequences.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestApiSequencesExportValid = ApiSequences.TestCase
