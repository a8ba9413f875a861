"""The operator UI's pages and forms without a browser: Post/Redirect/Get for plain forms, the
`<main>` alone for htmx, refusals in the engine's words next to their control (with the engine's
status for a plain form, 200 for htmx), If-Match, uploads through the broker, escaping, and the
pieces the pages are built from."""

from __future__ import annotations

import re
from typing import Any

import pytest
from markupsafe import escape

from dataops.model import messages
from dataops.portal.broker import Reply
from dataops.portal.navigation import NAVIGATION, NavItem, served
from dataops.portal.pages import http_url, when
from dataops.portal.ui.kit import control_of, failure_of
from tests.portal.ui_support import Site, site, text_of

__all__ = ["site"]

HTMX = {"HX-Request": "true"}


def a_task(site: Site, **fields: Any) -> dict[str, Any]:
    bundle = site.api("POST", "/bundles", {"title": "Episode 60", "anchorDate": "2026-12-10"})
    body = {"description": "Publish", "date": "2026-12-08", **fields}
    task = site.api("POST", "/tasks", {**body, "bundleId": bundle.json()["bundle"]["id"]})
    assert task.status_code == 201, task.text
    result: dict[str, Any] = task.json()
    return result


def test_pages_need_a_session(site: Site) -> None:
    with site.product.client() as stranger:
        answer = stranger.get("/work/tasks/some-task", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fwork%2Ftasks%2Fsome-task"


def test_a_plain_form_is_answered_with_a_redirect_and_htmx_with_the_main_part(site: Site) -> None:
    task = a_task(site)
    page_path = f"/work/tasks/{task['id']}"
    saved = site.post(
        page_path + "/fields/comment",
        {"comment": "  Guest confirmed  ", "etag": site.etag(f"/tasks/{task['id']}")},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == page_path
    assert site.api("GET", f"/tasks/{task['id']}").json()["comment"] == "Guest confirmed"

    whole = site.page(page_path)
    assert whole.text.lstrip().startswith("<!doctype html>")
    assert whole.headers["vary"] == "HX-Request"
    part = site.page(page_path, **HTMX)
    assert part.text.lstrip().startswith('<main id="main"')
    assert "<html" not in part.text and "<nav" not in part.text
    assert "Guest confirmed" in part.text


def test_a_refusal_is_shown_next_to_its_control_in_the_engines_words(site: Site) -> None:
    task = a_task(site, proofRequirement={"type": "artifact", "label": "Episode page"})
    refusal = messages.DONE_WITHOUT_PROOF.format(kind="approved artifact", label=" 'Episode page'")
    plain = site.post(
        f"/work/tasks/{task['id']}/complete", {"etag": site.etag(f"/tasks/{task['id']}")}
    )
    assert plain.status_code == 400
    assert f'<p class="field-error" role="alert" id="complete-error">{escape(refusal)!s}</p>' in (
        plain.text
    )
    with_htmx = site.post(f"/work/tasks/{task['id']}/complete", {}, **HTMX)
    assert with_htmx.status_code == 200
    assert str(escape(refusal)) in with_htmx.text
    assert site.api("GET", f"/tasks/{task['id']}").json()["status"] == "todo"


def test_a_stale_etag_is_refused_and_the_fresh_record_shown(site: Site) -> None:
    task = a_task(site)
    stale = site.etag(f"/tasks/{task['id']}")
    site.api("PUT", f"/tasks/{task['id']}", {"link": "https://example.org/by-bob"})
    answer = site.post(
        f"/work/tasks/{task['id']}/fields/link", {"link": "https://example.org/ada", "etag": stale}
    )
    assert answer.status_code == 412
    assert messages.PRECONDITION_FAILED in answer.text
    assert 'value="https://example.org/by-bob"' in answer.text
    assert site.api("GET", f"/tasks/{task['id']}").json()["link"] == "https://example.org/by-bob"


def test_a_bad_value_is_refused_at_its_field_with_what_was_typed(site: Site) -> None:
    task = a_task(site)
    answer = site.post(
        f"/work/tasks/{task['id']}/artifacts",
        {"title": "Page", "storageUri": "javascript:alert(1)", "type": "event-page"},
    )
    assert answer.status_code == 400
    refusal = messages.URI_SCHEME.format(field="storageUri")
    assert f'id="register-storageUri-error">{refusal}</p>' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert 'value="javascript:alert(1)"' in answer.text
    assert 'href="javascript:' not in answer.text
    assert site.api("GET", f"/artifacts?taskId={task['id']}").json()["artifacts"] == []


def test_unknown_records_and_fields_are_not_found(site: Site) -> None:
    missing = site.page("/work/tasks/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert messages.TASK_NOT_FOUND in missing.text
    task = a_task(site)
    assert site.post(f"/work/tasks/{task['id']}/fields/status", {"status": "done"}).status_code == (
        404
    )
    assert site.api("GET", f"/tasks/{task['id']}").json()["status"] == "todo"


def test_an_upload_goes_through_the_broker_and_a_missing_file_is_named(site: Site) -> None:
    task = a_task(site, requiresFile=True)
    path = f"/work/tasks/{task['id']}/files"
    sent = site.client.post(
        path,
        data={"taskId": task["id"], "category": "invoice"},
        files={"file": ("invoice.pdf", b"%PDF-1.4 invoice", "application/pdf")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    files = site.api("GET", f"/files?taskId={task['id']}").json()["files"]
    assert [(item["filename"], item["category"]) for item in files] == [("invoice.pdf", "invoice")]
    empty = site.client.post(
        path,
        data={"taskId": task["id"]},
        files={"file": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )
    assert empty.status_code == 400
    missing = messages.MISSING_FIELD.format(field="file")
    assert f'id="upload-file-error">{missing}</p>' in empty.text
    # Without the portal's Origin (or the CSRF header) an upload is refused before it is read.
    with site.product.sign_in() as other:
        forged = other.post(
            path,
            headers={"Origin": "https://evil.example"},
            files={"file": ("x.txt", b"x", "text/plain")},
            follow_redirects=False,
        )
    assert forged.status_code == 403
    assert len(site.api("GET", f"/files?taskId={task['id']}").json()["files"]) == 1


def test_user_text_is_escaped_and_only_http_links_are_links(site: Site) -> None:
    task = a_task(site, description='<img src=x onerror="alert(1)">')
    for uri in ("https://example.org/ok", "s3://bucket/key"):
        body = {"type": "report", "title": "<script>alert(1)</script>", "storageUri": uri}
        if uri.startswith("s3"):
            body["checksum"] = "sha256:" + "0" * 64
        site.api("POST", "/artifacts", {**body, "taskId": task["id"]})
    answer = site.page(f"/work/tasks/{task['id']}")
    assert "<img src=x" not in answer.text and "&lt;img src=x" in answer.text
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
    links = re.findall(r'href="([^"]+)"', answer.text)
    assert "https://example.org/ok" in links
    assert "s3://bucket/key" not in links  # DataOps' own binary: a download through the engine
    assert any(re.fullmatch(r"/work/api/artifacts/[0-9a-f-]+/download", link) for link in links)


def test_a_review_action_goes_back_only_to_a_page_of_the_portal(site: Site) -> None:
    task = a_task(site)
    body = {"type": "report", "title": "Notes", "storageUri": "https://example.org/n"}
    made = site.api("POST", "/artifacts", {**body, "taskId": task["id"]}).json()["artifact"]
    back = site.post(f"/work/artifacts/{made['id']}/approve", {"next": "https://evil.example/"})
    assert back.status_code == 303
    assert back.headers["location"] == "/work"
    # Archived meanwhile: the reject form is gone from the task page, so the engine's refusal
    # is shown at the top of it.
    site.api("PUT", f"/artifacts/{made['id']}/archive")
    refused = site.post(
        f"/work/artifacts/{made['id']}/reject", {"next": f"/work/tasks/{task['id']}"}
    )
    assert refused.status_code == 409
    refusal = messages.ARTIFACT_TRANSITION.format(current="archived", requested="rejected")
    assert f'<p class="message error" role="alert">{refusal}</p>' in refused.text


def test_links_are_only_http_and_timestamps_read_well() -> None:
    assert http_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    assert http_url(" HTTP://example.org ") == "HTTP://example.org"
    for hostile in ("javascript:alert(1)", "data:text/html,x", "s3://b/k", "//evil", "", None, 3):
        assert http_url(hostile) == ""
    assert http_url("https://example.org/a b") == ""
    assert when("2026-05-01T09:30:00.000Z") == "2026-05-01 09:30 UTC"
    assert when("soon") == "soon"


@pytest.mark.parametrize(
    ("message", "control"),
    [
        ("Missing required field: title", "title"),
        ("Invalid anchorDate format, expected YYYY-MM-DD", "anchorDate"),
        ("storageUri must use one of: https, http, s3, local-dev", "storageUri"),
        ("metadata.accessToken must not contain secrets or signed URLs", None),
        ("Task not found", None),
    ],
)
def test_a_message_belongs_to_the_control_it_names(message: str, control: str | None) -> None:
    assert control_of(message, ("title", "storageUri", "anchorDate")) == control


def test_a_stale_record_is_the_forms_concern_not_a_controls() -> None:
    from starlette.datastructures import Headers

    body = b'{"error":"Precondition failed: the record was changed by someone else"}'
    failure = failure_of(Reply(412, Headers(), body), "link", ("link",), {"link": "x"})
    assert failure.stale and failure.control is None
    assert failure.at("link") == messages.PRECONDITION_FAILED
    assert failure.at("link", "link") is None


def test_the_navigation_shows_only_served_pages_and_marks_the_current_one() -> None:
    items = served(NAVIGATION, ["/work", "/work/review", "/work/tasks/{task_id}"])
    assert [item.label for item in items] == ["Work", "Review"]
    work, review = items
    assert work.is_current("/work/tasks/1", items) and not review.is_current("/work/tasks/1", items)
    assert review.is_current("/work/review", items) and not work.is_current("/work/review", items)
    assert not NavItem("Team", "/work/team").is_current("/work/teams", NAVIGATION)


def test_a_workflow_starts_from_a_template_and_its_stage_changes(site: Site) -> None:
    template = site.api(
        "POST",
        "/templates",
        {
            "name": "Meetup",
            "type": "event",
            "taskDefinitions": [{"refId": "page", "description": "Event page", "offsetDays": -7}],
        },
    ).json()["template"]
    missing = site.post(
        "/work/workflows/start", {"templateId": template["id"], "title": " ", "anchorDate": ""}
    )
    assert missing.status_code == 400
    title_missing = messages.MISSING_FIELD.format(field="title")
    assert f'id="start-title-error">{title_missing}</p>' in missing.text
    unknown = site.post(
        "/work/workflows/start", {"templateId": "nope", "title": "X", "anchorDate": "2026-12-01"}
    )
    assert unknown.status_code == 404
    assert messages.TEMPLATE_NOT_FOUND in unknown.text

    started = site.post(
        "/work/workflows/start",
        {"templateId": template["id"], "title": "Meetup 13", "anchorDate": "2026-12-20"},
    )
    assert started.status_code == 303
    page = site.page(started.headers["location"])
    assert "Meetup 13" in page.text and "2026-12-13" in page.text  # the task, dated from anchor
    assert "Meetup 13" in site.page("/work").text

    stage = started.headers["location"] + "/stage"
    bad = site.post(stage, {"stage": "launched"})
    assert bad.status_code == 400
    assert f'id="stage-stage-error">{messages.BUNDLE_STAGE_INVALID}</p>' in bad.text
    assert site.post(stage, {"stage": "announced"}).status_code == 303
    bundle_id = started.headers["location"].rsplit("/", 1)[1]
    assert site.api("GET", f"/bundles/{bundle_id}").json()["bundle"]["stage"] == "announced"


def test_workflow_lists_show_each_workflows_progress(site: Site) -> None:
    def workflow(title: str, status: str, *task_statuses: str) -> str:
        body = {"title": title, "anchorDate": "2026-12-10", "status": status}
        bundle_id = site.api("POST", "/bundles", body).json()["bundle"]["id"]
        for task_status in task_statuses:
            task = {"description": task_status, "date": "2026-12-08", "status": task_status}
            assert site.api("POST", "/tasks", {**task, "bundleId": bundle_id}).status_code == 201
        return str(bundle_id)

    def row(html: str, bundle_id: str) -> str:
        return text_of(
            html.split(f'href="/work/workflows/{bundle_id}"')[1].split("</tr>", maxsplit=1)[0]
        )

    running = workflow("Episode 61", "active", "done", "todo", "todo", "archived")
    finished = workflow("Episode 59", "archived", "done")
    home = site.page("/work").text
    assert row(home, running).endswith("1 of 3")  # archived tasks do not count
    assert finished not in home  # home lists the active workflows only
    listed = site.page("/work/workflows").text
    assert "1 of 3 Active" in row(listed, running)
    assert "1 of 1 Archived" in row(listed, finished)


def test_an_artifact_is_attached_superseded_and_its_page_tells_its_story(site: Site) -> None:
    task = a_task(site)
    body = {"type": "transcript", "title": "Transcript v1", "storageUri": "https://example.org/t1"}
    first = site.api("POST", "/artifacts", body).json()["artifact"]
    attached = site.post(f"/work/tasks/{task['id']}/attach", {"artifactId": first["id"]})
    assert attached.status_code == 303
    refs = site.api("GET", f"/tasks/{task['id']}").json()["artifactRefs"]
    assert [ref["artifactId"] for ref in refs] == [first["id"]]

    etag = site.api("GET", f"/artifacts/{first['id']}").headers["etag"]
    replaced = site.post(
        f"/work/artifacts/{first['id']}/supersede",
        {
            "title": "Transcript v2",
            "storageUri": "https://example.org/t2",
            "type": "transcript",
            "etag": etag,
        },
    )
    assert replaced.status_code == 303
    second_page = site.page(replaced.headers["location"])
    assert "Transcript v2" in second_page.text
    assert f'href="/work/artifacts/{first["id"]}">Transcript v1</a>' in second_page.text
    assert f'href="/work/tasks/{task["id"]}">Publish</a>' in second_page.text
    first_page = text_of(site.page(f"/work/artifacts/{first['id']}").text)
    assert "Superseded" in first_page and "Replaced by Transcript v2" in first_page
    history = site.api("GET", f"/audit-events?entityId={first['id']}").json()["auditEvents"]
    assert len(history) >= 3  # registered, attached, superseded
    for event in history:
        assert text_of(str(escape(event.get("summary") or event["action"]))) in first_page
    stale = site.post(f"/work/artifacts/{first['id']}/archive", {"etag": etag})
    assert stale.status_code == 412
    assert messages.PRECONDITION_FAILED in stale.text
