"""The task page shows a done task's completion receipt and offers completing with a waiver and
its reason (issue 21, item 6), through the portal as a person uses it."""

from __future__ import annotations

from typing import Any

from markupsafe import escape

from tests.portal.ui_support import Site, site, text_of

__all__ = ["site"]


def a_task(site: Site, **fields: Any) -> dict[str, Any]:
    body = {"description": "Publish the page", "date": "2026-12-08", **fields}
    task = site.api("POST", "/tasks", body)
    assert task.status_code == 201, task.text
    result: dict[str, Any] = task.json()
    return result


def test_a_waiver_with_its_reason_completes_the_task_and_shows_in_the_receipt(site: Site) -> None:
    task = a_task(site, proofRequirement={"type": "artifact", "label": "published page"})
    path = f"/work/tasks/{task['id']}"
    page = site.page(path)
    assert "Complete without the proof (a waiver)" in page.text
    assert f'action="{path}/waive"' in page.text

    blank = site.post(path + "/waive", {"reason": "  ", "etag": site.etag(f"/tasks/{task['id']}")})
    assert blank.status_code == 400
    message = "waiveProof must be an object with a non-empty reason"
    assert f'<p class="field-error" role="alert" id="waive-error">{escape(message)!s}</p>' in (
        blank.text
    )
    assert site.api("GET", f"/tasks/{task['id']}").json()["status"] == "todo"

    reason = "The venue published it <before> we registered it"
    waived = site.post(
        path + "/waive", {"reason": reason, "etag": site.etag(f"/tasks/{task['id']}")}
    )
    assert waived.status_code == 303
    done = site.api("GET", f"/tasks/{task['id']}").json()
    assert done["status"] == "done"
    assert done["completionProof"]["waiver"]["reason"] == reason
    shown = site.page(path).text
    assert "Completion receipt" in shown
    words = text_of(shown)
    assert f"Proof waived by Ada: “{escape(reason)!s}” (proof-missing)." in words
    assert "published page: not satisfied (waived)" in words
    assert "Complete without the proof" not in shown  # done: reopen instead


def test_the_receipt_names_the_artifact_and_its_reviewer(site: Site) -> None:
    task = a_task(site, proofRequirement={"type": "artifact", "label": "published page"})
    artifact = site.api(
        "POST",
        "/artifacts",
        {
            "type": "event-page",
            "title": "Luma",
            "storageUri": "https://lu.ma/ep-60",
            "taskId": task["id"],
            "checksum": "sha256:" + "b" * 64,
        },
    ).json()["artifact"]
    assert site.api("POST", f"/artifacts/{artifact['id']}/approve").status_code == 200
    path = f"/work/tasks/{task['id']}"
    completed = site.post(path + "/complete", {"etag": site.etag(f"/tasks/{task['id']}")})
    assert completed.status_code == 303
    shown = site.page(path).text
    assert f'href="/work/artifacts/{artifact["id"]}">Artifact</a>, approved, reviewed by Ada' in (
        shown
    )
    assert "<code>sha256:" + "b" * 64 + "</code>" in shown
    assert "published page: satisfied" in text_of(shown)
    assert 'id="waiver"' not in shown
