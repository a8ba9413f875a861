"""After any sequence of API calls, an export validates with no errors (docs/api.md#resources).

Hypothesis drives random sequences over the engine's write routes, with several actors: tasks
(create, update with status changes and proof, complete, delete), bundles (create, from a
template, update, archive, delete), artifacts (register, update, attach, approve, reject,
archive, supersede), files (upload, delete), templates (create, delete), recurring configs
(create, generate, delete), notifications (read, which raises follow-ups; dismiss; dismiss
all), the cron runner, and time passing. Refused calls must be 4xx and write nothing, so the
property holds after them too. At the end of each sequence the store is exported and
validated: no errors (warnings are allowed: they describe realistic history).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from httpx import Response
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from dataops.engine import users
from dataops.portable.export import write_export
from dataops.portable.validate import validate_export
from tests.conftest import FakeClock, client_for, make_engine, make_settings
from tests.support.multipart import body, field, file_part, headers

DATES = st.dates(date(2026, 11, 1), date(2027, 2, 28)).map(date.isoformat)
PROOF_TYPES = ["url", "file", "artifact", "comment", "external-status"]
PROOF_REQUIREMENTS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"type": st.sampled_from(PROOF_TYPES)},
        optional={"label": st.sampled_from(["", "Prep doc"]), "required": st.booleans()},
    ),
)
LINKS = st.sampled_from([None, "", "https://lu.ma/episode-12", "https://example.com/notes"])
TEXTS = st.sampled_from([None, "", "  ", "Done and dusted", "Grace confirmed — thanks"])
ACTORS = st.sampled_from(["user", "portal-admin", "service:podcast-assistant", None])
TASK_STATUSES = st.sampled_from(["todo", "waiting", "done", "archived"])
ARTIFACT_STATUSES = st.sampled_from(
    ["draft", "needs-review", "approved", "rejected", "archived", "superseded"]
)
LOCATIONS = st.sampled_from(
    [
        {"storageUri": "https://lu.ma/episode-12", "type": "event-page"},
        {"storageUri": "https://docs.google.com/document/d/1AbC", "type": "podcast-doc"},
        {"storageUri": "https://www.dropbox.com/s/abc/episode.wav", "type": "recording"},
        {"storageUri": "s3://dataops-binaries/recordings/12.wav", "checksum": "sha256:" + "a" * 64},
        {"storageUri": "local-dev://outputs/prep.md", "checksum": "sha256:" + "b" * 64},
    ]
)


class ApiSequences(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        self.clock = FakeClock()
        self.engine = make_engine(make_settings(self.root), self.clock)
        self.client = client_for(self.engine)
        self.user = users.add_user(self.engine, email="ada@example.com", name="Ada")
        self.tasks: list[str] = []
        self.bundles: list[str] = []
        self.artifacts: list[str] = []
        self.files: list[str] = []
        self.templates: list[str] = []
        self.recurring: list[str] = []
        self.notifications: list[str] = []

    # --- helpers -------------------------------------------------------------------------------

    def call(self, method: str, path: str, actor: str | None = None, **kwargs: Any) -> Response:
        sent = dict(kwargs.pop("headers", {}))
        if actor is not None:
            sent["x-user-id"] = self.person(actor)
        response = self.client.request(method, path, headers=sent, **kwargs)
        assert response.status_code < 500, response.text
        return response

    def person(self, value: str | None) -> str | None:
        return self.user["id"] if value == "user" else value

    def pick(self, data: st.DataObject, ids: list[str], *extra: str | None) -> Any:
        return data.draw(st.sampled_from([*extra, *ids]))

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
            "assigneeId": st.sampled_from([None, "user", "user-grace"]).map(self.person),
            "templateId": st.sampled_from([None, "template-deleted", *self.templates]),
            "bundleId": st.sampled_from([None, "bundle-that-never-was", *self.bundles]),
            "artifactRefs": st.one_of(
                st.none(),
                st.lists(
                    st.sampled_from(["artifact-unknown", *self.artifacts]).map(
                        lambda artifact_id: {"artifactId": artifact_id}
                    ),
                    max_size=2,
                ),
            ),
        }
        for name, strategy in optional.items():
            if data.draw(st.booleans()):
                fields[name] = data.draw(strategy)
        return fields

    def remember(self, ids: list[str], response: Response, *path: str) -> None:
        if response.status_code in (200, 201):
            value: Any = response.json()
            for key in path:
                value = value[key]
            ids.append(value)

    # --- bundles and templates ----------------------------------------------------------------

    @rule(title=st.sampled_from(["Episode 12", "Meetup — June"]), day=DATES)
    def create_bundle(self, title: str, day: str) -> None:
        response = self.call("POST", "/api/bundles", json={"title": title, "anchorDate": day})
        assert response.status_code == 201, response.text
        self.remember(self.bundles, response, "bundle", "id")

    @precondition(lambda self: self.templates)
    @rule(data=st.data(), day=DATES)
    def create_bundle_from_template(self, data: st.DataObject, day: str) -> None:
        template_id = self.pick(data, self.templates)
        response = self.call(
            "POST",
            "/api/bundles",
            json={"title": "From template", "anchorDate": day, "templateId": template_id},
        )
        if response.status_code == 201:
            self.bundles.append(response.json()["bundle"]["id"])
            self.tasks += [task["id"] for task in response.json()["tasks"]]

    @precondition(lambda self: self.bundles)
    @rule(data=st.data(), stage=st.sampled_from(["preparation", "announced", "done"]))
    def update_bundle(self, data: st.DataObject, stage: str) -> None:
        bundle_id = self.pick(data, self.bundles)
        self.call("PUT", f"/api/bundles/{bundle_id}", json={"stage": stage, "emoji": "🎙️"})

    @precondition(lambda self: self.bundles)
    @rule(data=st.data())
    def archive_bundle(self, data: st.DataObject) -> None:
        self.call("PUT", f"/api/bundles/{self.pick(data, self.bundles)}/archive")

    @precondition(lambda self: self.bundles)
    @rule(data=st.data(), actor=ACTORS)
    def delete_bundle(self, data: st.DataObject, actor: str | None) -> None:
        self.call("DELETE", f"/api/bundles/{self.pick(data, self.bundles)}", actor)

    @rule(
        proof=PROOF_REQUIREMENTS,
        assignee=st.sampled_from([None, "user", "user-grace"]),
        automatic=st.booleans(),
        requires_file=st.booleans(),
    )
    def create_template(
        self,
        proof: dict[str, Any] | None,
        assignee: str | None,
        automatic: bool,
        requires_file: bool,
    ) -> None:
        definition: dict[str, Any] = {
            "refId": "prep",
            "description": "Prepare the guest document",
            "offsetDays": -3,
            "requiresFile": requires_file,
            "stageOnComplete": "announced",
        }
        if proof is not None:
            definition["proofRequirement"] = proof
        template: dict[str, Any] = {
            "name": "Podcast episode",
            "type": "podcast",
            "emoji": "🎙️",
            "taskDefinitions": [
                definition,
                {"refId": "book", "description": "Book", "offsetDays": -9},
            ],
        }
        if assignee is not None:
            template["defaultAssigneeId"] = self.person(assignee)
        if automatic:
            template.update(triggerType="automatic", triggerSchedule="0 9 * * *", triggerLeadDays=7)
        response = self.call("POST", "/api/templates", json=template)
        assert response.status_code == 201, response.text
        self.remember(self.templates, response, "template", "id")

    @precondition(lambda self: self.templates)
    @rule(data=st.data())
    def delete_template(self, data: st.DataObject) -> None:
        self.call("DELETE", f"/api/templates/{self.pick(data, self.templates)}")

    # --- tasks --------------------------------------------------------------------------------

    @rule(data=st.data(), day=DATES, actor=ACTORS)
    def create_task(self, data: st.DataObject, day: str, actor: str | None) -> None:
        fields = self.task_fields(data)
        response = self.call(
            "POST", "/api/tasks", actor, json={"description": "Prepare", "date": day, **fields}
        )
        self.remember(self.tasks, response, "id")

    @rule(day=DATES, proof=PROOF_REQUIREMENTS, link_name=st.booleans())
    def create_plain_task(self, day: str, proof: dict[str, Any] | None, link_name: bool) -> None:
        fields: dict[str, Any] = {"description": "Book the guest", "date": day}
        if proof is not None:
            fields["proofRequirement"] = proof
        if link_name:
            fields["requiredLinkName"] = "Luma page"
        if self.bundles:
            fields["bundleId"] = self.bundles[-1]
        self.remember(self.tasks, self.call("POST", "/api/tasks", json=fields), "id")

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), actor=ACTORS)
    def update_task(self, data: st.DataObject, actor: str | None) -> None:
        fields = self.task_fields(data) or {"status": "done"}
        self.call("PUT", f"/api/tasks/{self.pick(data, self.tasks)}", actor, json=fields)

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), actor=ACTORS)
    def complete_task(self, data: st.DataObject, actor: str | None) -> None:
        self.call(
            "PUT", f"/api/tasks/{self.pick(data, self.tasks)}", actor, json={"status": "done"}
        )

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), actor=ACTORS)
    def delete_task(self, data: st.DataObject, actor: str | None) -> None:
        self.call("DELETE", f"/api/tasks/{self.pick(data, self.tasks)}", actor)

    # --- artifacts ----------------------------------------------------------------------------

    @rule(
        data=st.data(),
        location=LOCATIONS,
        status=st.sampled_from([None, "draft", "needs-review", "approved", "rejected"]),
        actor=ACTORS,
    )
    def register_artifact(
        self, data: st.DataObject, location: dict[str, str], status: str | None, actor: str | None
    ) -> None:
        artifact: dict[str, Any] = {"type": "other", "title": "Guest prep", **location}
        if status is not None:
            artifact["status"] = status
        for name, ids in (("taskId", self.tasks), ("bundleId", self.bundles)):
            chosen = self.pick(data, ids, None)
            if chosen is not None:
                artifact[name] = chosen
        if data.draw(st.booleans()):
            artifact.update(
                sourceType="assistant-output",
                assistantJobId="heru-run-7",
                metadata={"model": "podcast-assistant", "promptTokens": 5120},
            )
        response = self.call("POST", "/api/artifacts", actor, json=artifact)
        self.remember(self.artifacts, response, "artifact", "id")

    @precondition(lambda self: self.artifacts)
    @rule(data=st.data(), status=st.one_of(st.none(), ARTIFACT_STATUSES), actor=ACTORS)
    def update_artifact(self, data: st.DataObject, status: str | None, actor: str | None) -> None:
        changes: dict[str, Any] = {"title": "Guest prep, revised"}
        if status is not None:
            changes["status"] = status
        for name, ids in (("taskId", self.tasks), ("bundleId", self.bundles)):
            if data.draw(st.booleans()):
                changes[name] = self.pick(data, ids, None)
        self.call("PUT", f"/api/artifacts/{self.pick(data, self.artifacts)}", actor, json=changes)

    @precondition(lambda self: self.artifacts and (self.tasks or self.bundles))
    @rule(data=st.data(), actor=ACTORS)
    def attach_artifact(self, data: st.DataObject, actor: str | None) -> None:
        target: dict[str, str] = {}
        if self.tasks and data.draw(st.booleans()):
            target["taskId"] = self.pick(data, self.tasks)
        if self.bundles and (not target or data.draw(st.booleans())):
            target["bundleId"] = self.pick(data, self.bundles)
        if not target:
            target["taskId"] = self.pick(data, self.tasks)
        artifact_id = self.pick(data, self.artifacts)
        self.call("POST", f"/api/artifacts/{artifact_id}/attach", actor, json=target)

    @precondition(lambda self: self.artifacts)
    @rule(data=st.data(), verdict=st.sampled_from(["approve", "reject"]), actor=ACTORS)
    def review_artifact(self, data: st.DataObject, verdict: str, actor: str | None) -> None:
        note = data.draw(st.sampled_from([None, "Looks good", "Wrong guest"]))
        artifact_id = self.pick(data, self.artifacts)
        self.call(
            "POST",
            f"/api/artifacts/{artifact_id}/{verdict}",
            actor,
            json={"note": note} if note else None,
        )

    @precondition(lambda self: self.artifacts)
    @rule(data=st.data(), actor=ACTORS)
    def archive_artifact(self, data: st.DataObject, actor: str | None) -> None:
        self.call("PUT", f"/api/artifacts/{self.pick(data, self.artifacts)}/archive", actor)

    @precondition(lambda self: self.artifacts)
    @rule(data=st.data(), location=LOCATIONS, actor=ACTORS)
    def supersede_artifact(
        self, data: st.DataObject, location: dict[str, str], actor: str | None
    ) -> None:
        newer = {"type": "other", "title": "Guest prep v2", "status": "needs-review", **location}
        response = self.call(
            "POST", f"/api/artifacts/{self.pick(data, self.artifacts)}/supersede", actor, json=newer
        )
        self.remember(self.artifacts, response, "artifact", "id")

    # --- files --------------------------------------------------------------------------------

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), actor=ACTORS, size=st.integers(1, 2048))
    def upload_file(self, data: st.DataObject, actor: str | None, size: int) -> None:
        parts = [
            field("taskId", self.pick(data, self.tasks)),
            file_part(b"x" * size, "proof.pdf", "application/pdf"),
        ]
        response = self.call("POST", "/api/files", actor, content=body(parts), headers=headers())
        self.remember(self.files, response, "file", "id")

    @precondition(lambda self: self.files)
    @rule(data=st.data(), actor=ACTORS)
    def delete_file(self, data: st.DataObject, actor: str | None) -> None:
        self.call("DELETE", f"/api/files/{self.pick(data, self.files)}", actor)

    # --- recurring work, notifications, the cron runner, time ------------------------------------

    @rule(cron=st.sampled_from(["0 9 * * *", "0 9 * * 1", "0 9 1 * *"]), assignee=st.booleans())
    def create_recurring(self, cron: str, assignee: bool) -> None:
        config: dict[str, Any] = {"description": "Weekly newsletter", "cronExpression": cron}
        if assignee:
            config["assigneeId"] = "user-grace"
        self.remember(
            self.recurring,
            self.call("POST", "/api/recurring", json=config),
            "recurringConfig",
            "id",
        )

    @precondition(lambda self: self.recurring)
    @rule(start=DATES, days=st.integers(0, 10))
    def generate_recurring(self, start: str, days: int) -> None:
        end = date.fromordinal(date.fromisoformat(start).toordinal() + days).isoformat()
        response = self.call(
            "POST", "/api/recurring/generate", json={"startDate": start, "endDate": end}
        )
        if response.status_code == 200:
            self.tasks += [task["id"] for task in response.json()["generated"]]

    @precondition(lambda self: self.recurring)
    @rule(data=st.data())
    def delete_recurring(self, data: st.DataObject) -> None:
        self.call("DELETE", f"/api/recurring/{self.pick(data, self.recurring)}")

    @rule(actor=ACTORS, everything=st.booleans())
    def read_notifications(self, actor: str | None, everything: bool) -> None:
        path = "/api/notifications?all=true" if everything else "/api/notifications"
        response = self.call("GET", path, actor)
        assert response.status_code == 200, response.text
        self.notifications = [item["id"] for item in response.json()["notifications"]]

    @precondition(lambda self: self.notifications)
    @rule(data=st.data(), actor=ACTORS)
    def dismiss_notification(self, data: st.DataObject, actor: str | None) -> None:
        notification_id = self.pick(data, self.notifications)
        self.call("PUT", f"/api/notifications/{notification_id}/dismiss", actor)

    @rule(actor=ACTORS)
    def dismiss_all(self, actor: str | None) -> None:
        self.call("PUT", "/api/notifications/dismiss-all", actor)

    @rule()
    def run_cron(self) -> None:
        response = self.call("POST", "/api/cron/run")
        assert response.status_code == 200, response.text
        self.bundles += response.json()["created"]

    @rule(days=st.integers(1, 20))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)

    # --- the property -------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            target = self.root / "export"
            write_export(self.engine, target)
            report = validate_export(target)
            assert report.errors == [], report.errors
        finally:
            self.engine.store.close()
            self.tmp.cleanup()


ApiSequences.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestApiSequencesExportValid = ApiSequences.TestCase
