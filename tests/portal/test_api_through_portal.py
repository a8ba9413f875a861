"""The engine's API through the portal (`/work/api`), against the product as `dataops serve`
runs it: a person with a session cookie and CSRF protection goes through scenario 1 and every
record names them; versions, downloads and refusals come back through the broker intact; what a
client says about who it is never reaches the engine."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from dataops.cli import app as cli
from tests.portal.conftest import Product, start_product
from tests.support.moto_server import S3Emulator

PRECONDITION_FAILED = "Precondition failed: the record was changed by someone else"
# Whatever a client claims about itself: none of it may count.
SPOOFS = {
    "X-User-Id": "bob",
    "X-Portal-Auth": "true",
    "X-Portal-Secret": "guessed-guessed-guessed-guessed-guessed",
    "Authorization": "Bearer dataops_svc_not-mine",
}


def test_scenario_1_through_the_portal_records_the_signed_in_person(product: Product) -> None:
    with product.sign_in() as ada:
        ada.cookies.set("other", "an extra cookie")
        ada.headers.update(SPOOFS)
        bundle = ada.post(
            "/work/api/bundles", json={"title": "Episode 42", "anchorDate": "2026-12-10"}
        )
        assert bundle.status_code == 201, bundle.text
        bundle_id = bundle.json()["bundle"]["id"]
        task = ada.post(
            "/work/api/tasks",
            json={
                "description": "Publish the episode page",
                "date": "2026-12-10",
                "bundleId": bundle_id,
                "proofRequirement": {"type": "artifact", "label": "published page"},
            },
        )
        assert task.status_code == 201
        task_id = task.json()["id"]

        refused = ada.put(f"/work/api/tasks/{task_id}", json={"status": "done"})
        assert refused.status_code == 400
        assert refused.json() == {
            "error": "Cannot mark task as done: required approved artifact proof 'published page' is missing"
        }

        registered = ada.post(
            "/work/api/artifacts",
            json={"type": "event-page", "title": "Episode 42 on Luma",
                  "storageUri": "https://lu.ma/episode-42", "visibility": "public"},
        )  # fmt: skip
        assert registered.status_code == 201
        artifact = registered.json()["artifact"]
        assert artifact["createdBy"] == "ada"
        assert registered.headers["etag"] == '"1"'
        artifact_id = artifact["id"]

        attached = ada.post(
            f"/work/api/artifacts/{artifact_id}/attach",
            json={"taskId": task_id, "bundleId": bundle_id},
            headers={"If-Match": registered.headers["etag"]},
        )
        assert attached.status_code == 200, attached.text
        stale = ada.post(f"/work/api/artifacts/{artifact_id}/approve", headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        assert stale.json() == {"error": PRECONDITION_FAILED}

        approved = ada.post(
            f"/work/api/artifacts/{artifact_id}/approve",
            json={"note": "Checked the page"},
            headers={"If-Match": attached.headers["etag"]},
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["artifact"]["reviewedBy"] == "ada"
        assert approved.headers["etag"] != attached.headers["etag"]

        done = ada.put(f"/work/api/tasks/{task_id}", json={"status": "done"})
        assert done.status_code == 200, done.text
        assert done.json()["completedBy"] == "ada"
        history = ada.get(f"/work/api/audit-events?entityId={artifact_id}").json()["auditEvents"]

    assert {event["actorId"] for event in history} == {"ada"}
    stored = product.engine.store.get("artifacts", artifact_id)
    assert stored is not None
    assert (stored["createdBy"], stored["reviewedBy"]) == ("ada", "ada")


def test_the_engines_refusals_and_envelopes_come_back_unchanged(product: Product) -> None:
    with product.sign_in() as ada:
        missing = ada.get("/work/api/tasks/00000000-0000-4000-8000-000000000000")
        unknown = ada.get("/work/api/projects")
        not_allowed = ada.patch("/work/api/bundles")
        bad_json = ada.post(
            "/work/api/tasks", content=b"{", headers={"Content-Type": "application/json"}
        )
        me = ada.get("/work/api/me")
    assert (missing.status_code, missing.json()) == (404, {"error": "Task not found"})
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Not found"})
    assert (not_allowed.status_code, not_allowed.json()) == (405, {"error": "Method not allowed"})
    assert bad_json.status_code == 400
    assert me.json()["user"]["id"] == "ada"
    for response in (missing, unknown, not_allowed, bad_json, me):
        assert response.headers["content-type"] == "application/json"


def test_a_file_goes_up_and_comes_back_down_through_the_portal(product: Product) -> None:
    notes = "Show notes: café, 👋\n".encode() * 1000
    with product.sign_in() as ada:
        task = ada.post(
            "/work/api/tasks", json={"description": "Upload notes", "date": "2026-12-01"}
        )
        uploaded = ada.post(
            "/work/api/files",
            data={"taskId": task.json()["id"]},
            files={"file": ("show notes.txt", notes, "text/plain")},
        )
        assert uploaded.status_code == 201, uploaded.text
        record = uploaded.json()["file"]
        assert (record["sizeBytes"], record["checksum"]) == (
            len(notes),
            "sha256:" + hashlib.sha256(notes).hexdigest(),
        )
        download = ada.get(f"/work/api/files/{record['id']}/download")
    assert download.status_code == 200
    assert download.content == notes
    assert download.headers["content-type"] == "text/plain"  # no charset appended on the way
    assert download.headers["content-length"] == str(len(notes))
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "show notes.txt" in download.headers["content-disposition"]
    assert download.headers["cache-control"] == "private, no-store"
    assert download.headers["x-content-type-options"] == "nosniff"


@pytest.fixture
def s3_product(tmp_path: Path, s3: S3Emulator) -> Iterator[Product]:
    yield from start_product(tmp_path, {**s3.env, "DATAOPS_BLOBS": f"s3://{s3.bucket}/dataops"})


def test_a_download_from_s3_is_a_redirect_that_comes_back_through_the_portal(
    s3_product: Product, s3: S3Emulator
) -> None:
    recording = b"RIFF....WAVEfmt " + bytes(range(256)) * 64
    with s3_product.sign_in() as ada:
        task = ada.post("/work/api/tasks", json={"description": "Raw audio", "date": "2026-12-01"})
        uploaded = ada.post(
            "/work/api/files",
            data={"taskId": task.json()["id"]},
            files={"file": ("raw.wav", recording, "audio/wav")},
        )
        assert uploaded.status_code == 201, uploaded.text
        redirect = ada.get(f"/work/api/files/{uploaded.json()['file']['id']}/download")
    assert redirect.status_code == 302
    location = redirect.headers["location"]
    assert location.startswith(s3.endpoint)  # a presigned URL of the bucket, passed on as is
    assert redirect.headers["cache-control"] == "no-store"
    assert httpx.get(location).content == recording


runner = CliRunner()


def test_a_service_token_registers_an_assistant_output_through_the_portal_and_cannot_approve_it(
    s3_product: Product, s3: S3Emulator, tmp_path: Path
) -> None:
    env = {**s3_product.server.env}
    created = runner.invoke(cli, ["tokens", "create", "--name", "podcast-assistant"], env=env)
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    with s3_product.sign_in() as ada:
        task = ada.post("/work/api/tasks", json={"description": "Guest prep", "date": "2026-12-09"})
    task_id = task.json()["id"]
    prep = tmp_path / "documents" / "guest-prep.md"
    prep.parent.mkdir()
    prep.write_bytes(b"# Guest prep: Grace Hopper\n")

    # On the assistant's machine: only the portal's address and the token.
    registered = runner.invoke(
        cli,
        ["artifacts", "register-output", str(prep), "--type", "podcast-doc",
         "--title", "Guest prep", "--task", task_id, "--remote", f"{s3_product.url}/work"],
        env={"DATAOPS_SERVICE_TOKEN": token, "DATAOPS_STORE": "postgres://not-here"},
    )  # fmt: skip
    assert registered.exit_code == 0, registered.output
    artifact_id = registered.stdout.split()[0]
    stored = s3_product.engine.store.get("artifacts", artifact_id)
    assert stored is not None
    assert (stored["createdBy"], stored["status"], stored["sourceType"], stored["taskId"]) == (
        "service:podcast-assistant", "needs-review", "assistant-output", task_id,
    )  # fmt: skip
    assert stored["checksum"] == "sha256:" + hashlib.sha256(prep.read_bytes()).hexdigest()

    as_service = {"Authorization": f"Bearer {token}"}
    with s3_product.client(headers=as_service) as assistant:
        approve = assistant.post(f"/work/api/artifacts/{artifact_id}/approve")
        complete = assistant.put(f"/work/api/tasks/{task_id}", json={"status": "done"})
        listed = assistant.get(f"/work/api/artifacts?taskId={task_id}")
    assert approve.status_code == 403
    assert approve.json() == {
        "error": "Service actors cannot approve or reject artifacts; a person reviews them"
    }
    assert complete.status_code == 403
    assert complete.json() == {
        "error": "Service actors cannot complete tasks; a person marks them done"
    }
    assert [artifact["id"] for artifact in listed.json()["artifacts"]] == [artifact_id]

    with s3_product.sign_in() as ada:
        assert ada.post(f"/work/api/artifacts/{artifact_id}/approve").status_code == 200
    revoked = runner.invoke(cli, ["tokens", "revoke", "--name", "podcast-assistant"], env=env)
    assert revoked.exit_code == 0
    # The engine checks the service's token on every request, whatever the portal remembers.
    with s3_product.client(headers=as_service) as assistant:
        assert assistant.get(f"/work/api/artifacts?taskId={task_id}").status_code == 401
