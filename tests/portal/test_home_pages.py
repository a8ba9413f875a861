"""The pages of issue 16 without a browser: the home lanes on `/work` and a lane's own page,
the review queue (filters, approve, reject with a note, refusals in the engine's words), the
navigation's counts, and notifications (open, dismiss, dismiss all), all as plain forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dataops.engine import artifacts, notifications, tasks
from dataops.engine.context import Engine, SystemClock
from dataops.model import messages
from tests.portal.ui_support import Site, start_site, text_of


@pytest.fixture
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    for started in start_site(tmp_path_factory.mktemp("home")):
        started.engine.clock = SystemClock()  # the served engine's today
        yield started


def csrf(site: Site) -> str:
    return str(site.client.get("/work").text.split('name="csrf-token" content="')[1].split('"')[0])


def artifact(
    engine: Engine, title: str, actor: str | None = "service:podcast-assistant", **fields: Any
) -> dict[str, Any]:
    body = {
        "type": "podcast-doc",
        "title": title,
        "storageUri": "https://docs.google.com/document/d/" + title.replace(" ", "-"),
        "status": "needs-review",
        **fields,
    }
    return dict(artifacts.register_artifact(engine, body, actor))


def test_home_shows_the_lanes_above_the_workflows(site: Site) -> None:
    today = site.engine.today()
    tasks.create_task(site.engine, {"description": "Record <b>episode</b>", "date": today}, None)
    tasks.create_task(
        site.engine,
        {
            "description": "Publish the page",
            "date": today,
            "assigneeId": "ada",
            "proofRequirement": {"type": "url", "label": "Episode page"},
        },
        None,
    )
    page = site.page("/work")
    assert page.status_code == 200
    html = page.text
    assert html.index('id="lane-today"') < html.index('id="workflows-title"')
    for title in ("Today", "Overdue", "Waiting", "Blocked by proof"):
        assert f">{title}</a>" in html
    # User text is escaped; the visitor's task comes first and names its missing proof.
    assert "Record &lt;b&gt;episode&lt;/b&gt;" in html
    today_lane = html.split('id="lane-today"')[1].split("</section>")[0]
    assert today_lane.index("Publish the page") < today_lane.index("Record &lt;b&gt;")
    assert "Yours" in today_lane and "Unassigned" in today_lane
    assert "Episode page</strong>: The task&#39;s link is empty." in today_lane
    assert "Nothing waits on anyone." in html


def test_a_lane_page_lists_all_of_its_tasks(site: Site) -> None:
    for number in range(12):
        day = f"2000-01-{number + 1:02d}"
        tasks.create_task(site.engine, {"description": f"Late {number:02d}", "date": day}, None)
    home = text_of(site.page("/work").text)
    assert "Late 09" in home and "Late 10" not in home and "Show all 12" in home
    page = site.page("/work/lanes/overdue")
    assert page.status_code == 200
    assert all(f"Late {number:02d}" in page.text for number in range(12))
    missing = site.page("/work/lanes/someday")
    assert missing.status_code == 404
    assert "There is no page at this address." in missing.text


def test_the_review_queue_filters_approves_and_rejects_with_a_note(site: Site) -> None:
    doc = artifact(site.engine, "Guest prep")
    dropbox = artifact(
        site.engine,
        "Transcript",
        type="transcript",
        storageUri="https://www.dropbox.com/s/t/transcript.txt",
    )
    artifact(site.engine, "Approved already", None, status="approved")
    page = site.page("/work/review")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Guest prep" in text and "Transcript" in text and "Approved already" not in text
    assert 'class="nav-count">2<' in page.text.replace("\n", "")
    only = text_of(site.page("/work/review?storageProvider=dropbox").text)
    assert "Transcript" in only and "Guest prep" not in only
    assert "Nothing waits for review with these filters." in text_of(
        site.page("/work/review?type=invoice").text
    )

    token = csrf(site)
    approved = site.post(
        f"/work/review/{doc['id']}/approve",
        {"csrf_token": token, "storageProvider": "google-drive"},
    )
    assert approved.status_code == 303
    assert approved.headers["location"] == "/work/review?storageProvider=google-drive"
    assert site.engine.store.get("artifacts", doc["id"])["status"] == "approved"

    rejected = site.post(
        f"/work/review/{dropbox['id']}/reject", {"csrf_token": token, "note": " Names missing "}
    )
    assert rejected.status_code == 303
    stored = site.engine.store.get("artifacts", dropbox["id"])
    assert (stored["status"], stored["reviewNote"], stored["reviewedBy"]) == (
        "rejected",
        "Names missing",
        "ada",
    )
    assert "Nothing waits for review." in text_of(site.page("/work/review").text)

    # Approving it again is refused by the engine, in its words, next to the form.
    again = site.post(f"/work/review/{dropbox['id']}/approve", {"csrf_token": token})
    assert again.status_code == 409
    assert "Cannot change artifact status from rejected to approved" in again.text
    # Without the CSRF token nothing happens.
    forged = site.client.post(
        f"/work/review/{doc['id']}/reject",
        data={"note": "x"},
        headers={"Origin": "https://elsewhere.example"},
        follow_redirects=False,
    )
    assert forged.status_code == 403


def test_a_decision_is_about_the_artifact_the_reviewer_saw(site: Site) -> None:
    doc = artifact(site.engine, "Show notes")
    queue = site.page("/work/review").text
    item = queue.split(f'data-artifact="{doc["id"]}"', 1)[1]
    seen = item.split('name="seen" value="', 1)[1].split('"', 1)[0]
    assert seen == doc["updatedAt"]

    # The assistant points the artifact at another document while the reviewer reads the old one.
    changed = site.api("PUT", f"/artifacts/{doc['id']}", {"storageUri": "https://example.org/v2"})
    assert changed.status_code == 200, changed.text
    token = csrf(site)
    stale = site.post(f"/work/review/{doc['id']}/approve", {"csrf_token": token, "seen": seen})
    assert stale.status_code == 412
    assert messages.PRECONDITION_FAILED in stale.text
    assert "https://example.org/v2" in stale.text  # the queue shown fresh
    assert site.engine.store.get("artifacts", doc["id"])["status"] == "needs-review"

    fresh = changed.json()["artifact"]["updatedAt"]
    approved = site.post(f"/work/review/{doc['id']}/approve", {"csrf_token": token, "seen": fresh})
    assert approved.status_code == 303
    assert site.engine.store.get("artifacts", doc["id"])["status"] == "approved"
    gone = site.post("/work/review/missing/reject", {"csrf_token": token, "seen": fresh})
    assert gone.status_code == 404
    assert messages.ARTIFACT_NOT_FOUND in gone.text


def test_notifications_open_their_task_and_are_dismissed(site: Site) -> None:
    task = tasks.create_task(
        site.engine, {"description": "Chase the sponsor", "date": "2030-01-01"}, None
    )
    for message, links in (("Sponsor replied", {"taskId": task["id"]}), ("Stats are in", {})):
        site.engine.store.create(
            "notifications", notifications.record(site.engine, message=message, **links)
        )
    page = site.page("/work/notifications")
    assert page.status_code == 200
    assert f'href="/work/tasks/{task["id"]}">Sponsor replied</a>' in page.text
    assert 'aria-label="Notifications, 2 unread"' in page.text

    token = csrf(site)
    [first] = [
        n for n in site.engine.store.scan("notifications") if n["message"] == "Sponsor replied"
    ]
    dismissed = site.post(f"/work/notifications/{first['id']}/dismiss", {"csrf_token": token})
    assert dismissed.status_code == 303 and dismissed.headers["location"] == "/work/notifications"
    assert "Sponsor replied" not in site.page("/work/notifications").text
    assert "Sponsor replied" in site.page("/work/notifications?all=1").text

    missing = site.post("/work/notifications/nope/dismiss", {"csrf_token": token})
    assert missing.status_code == 404 and "Notification not found" in missing.text

    everything = site.post("/work/notifications/dismiss-all", {"csrf_token": token})
    assert everything.status_code == 303
    page = site.page("/work/notifications")
    assert "No unread notifications." in page.text
    assert 'aria-label="Notifications"' in page.text


def test_the_review_queue_comes_a_page_at_a_time(site: Site) -> None:
    for number in range(52):
        artifact(site.engine, f"Draft {number:02d}")
    first = site.page("/work/review")
    assert first.status_code == 200
    assert first.text.count('class="card review-item"') == 50
    assert 'id="queue-count">52<' in first.text
    next_url = first.text.split('<a href="/work/review?cursor=')[1].split('"')[0]
    second = site.page("/work/review?cursor=" + next_url.replace("&amp;", "&"))
    assert second.status_code == 200
    assert second.text.count('class="card review-item"') == 2
    # Newest first: the last page holds the oldest drafts.
    assert "Draft 00" in second.text and "Draft 01" in second.text
    assert "Next page" not in second.text and "First page" in second.text
    broken = site.page("/work/review?cursor=nonsense")
    assert broken.status_code == 400 and messages.INVALID_CURSOR in broken.text
