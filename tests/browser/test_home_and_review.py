"""Issue 16 in a real browser: the home lanes with the demo data, a blocked task leaving the
Blocked lane once its artifact is approved from the review queue (which updates in place), the
queue clearing, notifications opened and dismissed, home on a phone without sideways scrolling,
and the team's time zone deciding what is overdue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from dataops.engine import artifacts, demo, notifications, tasks
from dataops.engine.context import SystemClock
from tests.browser.ui_helpers import sign_in
from tests.portal.conftest import Product, start_product
from tests.support.browser import screenshot
from tests.support.dates import day_in

PREP_TASK = "Review the guest prep document from the podcast assistant"
PREP_ARTIFACT = "Guest prep: Dr. Lin"
RELEASE_TASK = "Get the signed recording release from Dr. Lin"


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    for started in start_product(tmp_path_factory.mktemp("home-product")):
        # The demo is dated from the server's today: load it on the real clock.
        started.engine.clock = SystemClock()
        demo.load_demo(started.engine)
        yield started


def lane(page: Any, name: str) -> Any:
    return page.locator(f"#lane-{name}")


def test_each_lane_shows_the_demo_work(page: Any, product: Product, tmp_path: Path) -> None:
    sign_in(page, product.url)
    today = lane(page, "today")
    assert today.get_by_role("link", name="Book the venue").is_visible()
    overdue = lane(page, "overdue")
    assert overdue.get_by_role("link", name="Collect links, events and community news").is_visible()
    assert overdue.get_by_role(
        "link", name="Confirm the guest, the recording date and the consent to publish"
    ).is_visible()
    waiting = lane(page, "waiting")
    assert waiting.get_by_role("link", name=RELEASE_TASK).is_visible()
    assert "Waiting for Dr. Lin" in waiting.inner_text()
    assert waiting.locator(".follow-up-due").inner_text() == "Follow-up due"
    blocked = lane(page, "blocked")
    item = blocked.locator(".lane-item", has=page.get_by_role("link", name=PREP_TASK))
    # The missing item is named, with the engine's reason.
    assert "guest prep document: No approved artifact yet" in item.inner_text()
    assert "1 needs-review" in item.inner_text()
    # Lanes come before the workflows, and each count matches what it lists.
    assert page.locator("#lane-today").evaluate(
        "(lane) => lane.compareDocumentPosition(document.getElementById('workflows-title')) & 4"
    )
    for name in ("today", "overdue", "waiting", "blocked"):
        shown = lane(page, name).locator(".lane-item").count()
        assert lane(page, name).locator(".lane-count").inner_text() == str(shown)
    # A task opens from its lane.
    waiting.get_by_role("link", name=RELEASE_TASK).click()
    assert page.url == f"{product.url}/work/tasks/{demo.TASK_IDS['release']}"
    screenshot(page, "home-task", tmp_path)


@pytest.mark.parametrize("page", [375], indirect=True)
def test_home_on_a_phone_has_no_sideways_scrolling(
    page: Any, product: Product, tmp_path: Path
) -> None:
    sign_in(page, product.url)
    assert lane(page, "blocked").is_visible()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    screenshot(page, "home-phone", tmp_path, keep=True)


def test_approving_from_the_queue_unblocks_the_task_and_clears_the_queue(
    page: Any, product: Product, tmp_path: Path
) -> None:
    sign_in(page, product.url)
    screenshot(page, "home", tmp_path, keep=True)
    review_link = page.get_by_role("navigation", name="Sections").get_by_role("link", name="Review")
    assert review_link.locator(".nav-count").inner_text() == "1"
    review_link.click()
    assert page.url == product.url + "/work/review"
    # The filters narrow the queue, and keep it when nothing matches.
    page.get_by_label("Type").select_option("transcript")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(lambda url: "type=transcript" in url)
    assert (
        page.locator("#queue-empty").inner_text() == "Nothing waits for review with these filters."
    )
    page.get_by_label("Type").select_option("podcast-doc")
    page.get_by_label("Storage").select_option("google-drive")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(lambda url: "storageProvider=google-drive" in url)
    item = page.locator(".review-item", has_text=PREP_ARTIFACT)
    assert item.is_visible()
    screenshot(page, "review-queue", tmp_path, keep=True)

    # Approving swaps the queue in place: the page is not reloaded.
    page.evaluate("() => { window.sameDocument = true; }")
    item.get_by_role("button", name="Approve").click()
    page.locator("#queue-empty").wait_for()
    assert page.evaluate("() => window.sameDocument === true")
    assert page.locator("#queue-count").inner_text() == "0"
    assert review_link.locator(".nav-count").count() == 0
    assert product.engine.store.get("artifacts", demo.ARTIFACT_IDS["prep-doc"])["status"] == (
        "approved"
    )

    page.goto(product.url + "/work")
    assert lane(page, "blocked").get_by_role("link", name=PREP_TASK).count() == 0


def test_rejecting_with_a_note_works_without_javascript(browser: Any, product: Product) -> None:
    artifact = artifacts.register_artifact(
        product.engine,
        {
            "type": "transcript",
            "title": "Transcript draft for review",
            "storageUri": "https://www.dropbox.com/s/demo/transcript-v2.txt",
            "status": "needs-review",
        },
        "service:podcast-assistant",
    )
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, product.url, target="/work/review")
        item = page.locator(".review-item", has_text="Transcript draft for review")
        item.get_by_label("Note for the author").fill("Speaker names are missing")
        with page.expect_navigation():
            item.get_by_role("button", name="Reject").click()
        assert page.url == product.url + "/work/review"
        assert page.locator(".review-item", has_text="Transcript draft for review").count() == 0
    finally:
        context.close()
    stored = product.engine.store.get("artifacts", artifact["id"])
    assert (stored["status"], stored["reviewNote"]) == ("rejected", "Speaker names are missing")


def test_notifications_open_their_task_and_are_dismissed(
    page: Any, product: Product, tmp_path: Path
) -> None:
    engine = product.engine
    for message in ("Venue contract arrived", "Newsletter stats are in"):
        engine.store.create("notifications", notifications.record(engine, message=message))
    sign_in(page, product.url)
    bell = page.get_by_role("link", name="Notifications")
    unread = int(bell.locator(".nav-count").inner_text())
    assert unread >= 3  # the demo's due follow-up and the two above
    bell.click()
    assert page.url == product.url + "/work/notifications"
    page.get_by_role("link", name=f"Follow up: {RELEASE_TASK} — waiting for Dr. Lin").click()
    assert page.url == f"{product.url}/work/tasks/{demo.TASK_IDS['release']}"

    page.goto(product.url + "/work/notifications")
    page.locator(".notification", has_text="Venue contract arrived").get_by_role(
        "button", name="Dismiss"
    ).click()
    page.locator(".notification", has_text="Venue contract arrived").wait_for(state="detached")
    assert bell.locator(".nav-count").inner_text() == str(unread - 1)
    screenshot(page, "notifications", tmp_path)

    page.get_by_role("button", name="Dismiss all").click()
    page.locator("#notifications-empty").wait_for()
    assert bell.locator(".nav-count").count() == 0
    page.get_by_role("link", name="Show dismissed too").click()
    expect(
        page.locator(".notification.dismissed", has_text="Venue contract arrived")
    ).to_be_visible()


@pytest.mark.parametrize(
    ("zone", "expected"),
    [("Pacific/Pago_Pago", "today"), ("Pacific/Kiritimati", "overdue")],
)
def test_the_team_time_zone_decides_what_is_overdue(
    page: Any, tmp_path_factory: pytest.TempPathFactory, zone: str, expected: str
) -> None:
    # Pago Pago (UTC-11) and Kiritimati (UTC+14) never share a calendar day: a task dated
    # Pago Pago's today is due today there and already overdue in Kiritimati.
    for product in start_product(tmp_path_factory.mktemp("zone"), {"DATAOPS_TIMEZONE": zone}):
        tasks.create_task(
            product.engine,
            {"description": "Send the sponsor report", "date": day_in("Pacific/Pago_Pago")},
            None,
        )
        sign_in(page, product.url)
        expect(
            lane(page, expected).get_by_role("link", name="Send the sponsor report")
        ).to_be_visible()
        other = "overdue" if expected == "today" else "today"
        expect(lane(page, other).get_by_role("link", name="Send the sponsor report")).to_have_count(
            0
        )
