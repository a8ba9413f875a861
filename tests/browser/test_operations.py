"""Operator UI part 3 in a real browser, against `dataops serve`: a template edited and
instantiated into a workflow; the workflows list with its filters and archiving; a recurring
config generating its tasks; a user added, given the lead role and deactivated (their session
ends); a service token created and revoked; a member refused the team page's actions. Each
page passes axe-core as it is left (tests/support/accessibility.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from dataops.engine import users
from tests.browser.ui_helpers import sign_in
from tests.portal.conftest import ADA, BOB, Product, start_product
from tests.support.accessibility import assert_accessible
from tests.support.browser import screenshot


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    yield from start_product(tmp_path_factory.mktemp("operations"))


def template_named(product: Product, name: str) -> dict[str, Any]:
    return next(t for t in product.engine.store.scan("templates") if t["name"] == name)


def form(page: Any, name: str) -> Any:
    """The form of that accessible name."""
    return page.get_by_role("form", name=name)


def test_a_template_is_edited_and_instantiated(page: Any, product: Product, tmp_path: Path) -> None:
    sign_in(page, product.url, ADA, "/work/templates")
    new = form(page, "New template")
    new.get_by_label("Name").fill("Podcast episode")
    new.get_by_label("Type").fill("podcast")
    new.get_by_label("First task").fill("Record the episode")
    new.get_by_role("button", name="Create and edit").click()
    expect(page.get_by_role("heading", name="Podcast episode", level=1)).to_be_visible()
    template_id = template_named(product, "Podcast episode")["id"]
    editor_url = f"{product.url}/work/templates/{template_id}"

    phase = form(page, "Add a phase")
    phase.get_by_label("New phase name").fill("Preparation")
    phase.get_by_label("Workflow stage").select_option("preparation")
    phase.get_by_role("button", name="Add phase").click()
    expect(form(page, "Phase Preparation")).to_be_visible()
    phase = form(page, "Add a phase")
    phase.get_by_label("New phase name").fill("Publication")
    phase.get_by_role("button", name="Add phase").click()
    expect(form(page, "Phase Publication")).to_be_visible()

    task = form(page, "Add a task")
    task.get_by_label("Task description").fill("Publish the episode page")
    task.get_by_label("Offset (days)").fill("3")
    task.get_by_label("Phase").select_option(label="Publication")
    task.get_by_label("Proof required").select_option("url")
    task.get_by_label("Proof label").fill("Episode page")
    task.get_by_role("button", name="Add task").click()
    expect(page.locator("summary", has_text="Publish the episode page")).to_be_visible()

    # The first task: moved to the preparation phase, two days before the anchor, and it now
    # needs an uploaded file.
    page.locator("summary", has_text="Record the episode").click()
    first = form(page, "Task Record the episode")
    first.get_by_label("Offset (days)").fill("-2")
    first.get_by_label("Phase").select_option(label="Preparation")
    first.get_by_label("Needs an uploaded file").check()
    first.get_by_role("button", name="Save task Record the episode").click()
    expect(page.locator("summary", has_text="Record the episode")).to_contain_text("-2 d")

    # A bad value is refused with the engine's words next to the form; nothing is stored.
    schedule = form(page, "Trigger schedule")
    schedule.get_by_label("Schedule (cron)").fill("every monday")
    schedule.get_by_role("button", name="Save schedule").click()
    expect(form(page, "Trigger schedule").get_by_role("alert")).to_contain_text("triggerSchedule")
    schedule = form(page, "Trigger schedule")
    schedule.get_by_label("Started").select_option("automatic")
    schedule.get_by_label("Schedule (cron)").fill("0 9 * * MON")
    schedule.get_by_label("Days ahead").fill("14")
    schedule.get_by_role("button", name="Save schedule").click()
    expect(form(page, "Trigger schedule").get_by_role("alert")).to_have_count(0)

    reference = form(page, "Add a reference")
    reference.get_by_label("Reference name").fill("Style guide")
    reference.get_by_label("Reference URL").fill("https://example.org/style")
    reference.get_by_role("button", name="Add reference").click()
    expect(form(page, "Reference Style guide")).to_be_visible()
    link = form(page, "Add a workflow link")
    link.get_by_label("Link name").fill("Episode page")
    link.get_by_role("button", name="Add link").click()
    expect(form(page, "Link Episode page")).to_be_visible()

    stored = product.engine.store.get("templates", template_id)
    assert stored is not None
    assert [p["name"] for p in stored["phases"]] == ["Preparation", "Publication"]
    assert stored["phases"][0]["stage"] == "preparation"
    record, publish = stored["taskDefinitions"]
    assert (record["offsetDays"], record["phase"], record["requiresFile"]) == (
        -2,
        "preparation",
        True,
    )
    assert publish["proofRequirement"] == {"type": "url", "label": "Episode page"}
    assert (publish["offsetDays"], publish["phase"]) == (3, "publication")
    assert stored["references"] == [{"name": "Style guide", "url": "https://example.org/style"}]
    assert stored["bundleLinkDefinitions"] == [{"name": "Episode page"}]
    assert (stored["triggerType"], stored["triggerSchedule"], stored["triggerLeadDays"]) == (
        "automatic",
        "0 9 * * MON",
        14,
    )
    page.goto(editor_url)
    page.locator("summary", has_text="Publish the episode page").click()
    assert_accessible(page, "the template editor")
    screenshot(page, "template-editor", tmp_path, keep=True)

    start = form(page, "Start a workflow from this template")
    start.get_by_label("Title").fill("Episode 43: Grace Hopper")
    start.get_by_label("Anchor date").fill("2026-12-10")
    start.get_by_role("button", name="Start workflow").click()
    expect(page.get_by_role("heading", name="Episode 43: Grace Hopper")).to_be_visible()
    bundle_id = next(
        b["id"] for b in product.engine.store.scan("bundles") if b["title"].startswith("Episode 43")
    )
    tasks = product.engine.store.query("tasks", "GSI-Bundle", bundle_id).items
    assert sorted((t["date"], t["description"]) for t in tasks) == [
        ("2026-12-08", "Record the episode"),
        ("2026-12-13", "Publish the episode page"),
    ]

    # The workflows list: filtered by template and stage, then archived.
    page.goto(product.url + "/work/workflows")
    filters = form(page, "Filter workflows")
    filters.get_by_label("Template").select_option(label="Podcast episode")
    filters.get_by_label("Stage").select_option("preparation")
    filters.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*template=.*stage=preparation.*"))
    row = page.get_by_role("row", name=re.compile("Episode 43: Grace Hopper"))
    expect(row).to_contain_text("0 of 2")
    assert page.get_by_role("row").count() == 2  # the header and this workflow
    assert_accessible(page, "the workflows list")
    row.get_by_role("button", name="Archive Episode 43: Grace Hopper").click()
    expect(page.get_by_role("row", name=re.compile("Episode 43"))).to_contain_text("Archived")
    bundle = product.engine.store.get("bundles", bundle_id)
    assert bundle is not None and bundle["status"] == "archived"


def test_a_stale_template_edit_shows_the_fresh_template(page: Any, product: Product) -> None:
    sign_in(page, product.url, ADA, "/work/templates")
    new = form(page, "New template")
    new.get_by_label("Name").fill("Newsletter")
    new.get_by_label("Type").fill("newsletter")
    new.get_by_label("First task").fill("Draft the issue")
    new.get_by_role("button", name="Create and edit").click()
    expect(page.get_by_role("heading", name="Newsletter", level=1)).to_be_visible()
    template_id = template_named(product, "Newsletter")["id"]
    # Someone else renames it meanwhile.
    with product.sign_in(ADA) as other:
        assert other.put(f"/work/api/templates/{template_id}", json={"name": "Weekly"}).is_success
    basics = form(page, "Name and type")
    basics.get_by_label("Name").fill("Monthly newsletter")
    basics.get_by_role("button", name="Save name and type").click()
    expect(page.get_by_role("alert").first).to_contain_text("changed by someone else")
    expect(form(page, "Name and type").get_by_label("Name")).to_have_value("Weekly")
    stored = product.engine.store.get("templates", template_id)
    assert stored is not None and stored["name"] == "Weekly"


def test_a_recurring_config_generates_its_tasks_without_javascript(
    browser: Any, product: Product
) -> None:
    """Every form of the page is a plain HTML form: this runs with JavaScript off."""
    context = browser.new_context(java_script_enabled=False)
    try:
        recurring_walk(context.new_page(), product)
    finally:
        context.close()


def recurring_walk(page: Any, product: Product) -> None:
    sign_in(page, product.url, ADA, "/work/recurring")
    new = form(page, "Add recurring work")
    new.get_by_label("Task description").fill("Check the shared inbox")
    new.get_by_label("Schedule (cron)").fill("0 9 * * MON,THU")
    new.get_by_label("Assignee").select_option(label="Bob")
    new.get_by_role("button", name="Add").click()
    page.wait_for_url(product.url + "/work/recurring")
    config = next(
        c
        for c in product.engine.store.scan("recurring_configs")
        if c["description"] == "Check the shared inbox"
    )
    assert config["assigneeId"] == "bob"

    generate = form(page, "Generate the tasks of Check the shared inbox")
    generate.get_by_label("From").fill("2026-12-01")
    generate.get_by_label("To").fill("2026-12-14")
    generate.get_by_role("button", name="Generate tasks").click()
    status = page.get_by_role("status")
    assert status.inner_text() == (
        "Generated 4 task(s) for Check the shared inbox; 0 already existed."
    )
    generated = product.engine.store.query("tasks", "GSI-Recurring", config["id"]).items
    assert sorted(t["date"] for t in generated) == [
        "2026-12-03",
        "2026-12-07",
        "2026-12-10",
        "2026-12-14",
    ]
    assert {t["assigneeId"] for t in generated} == {"bob"}
    # Again: nothing new.
    generate = form(page, "Generate the tasks of Check the shared inbox")
    generate.get_by_label("From").fill("2026-12-01")
    generate.get_by_label("To").fill("2026-12-14")
    generate.get_by_role("button", name="Generate tasks").click()
    assert "Generated 0 task(s)" in page.get_by_role("status").inner_text()

    # A window the engine refuses: its words next to the form.
    generate = form(page, "Generate the tasks of Check the shared inbox")
    generate.get_by_label("From").fill("2026-01-01")
    generate.get_by_label("To").fill("2026-12-01")
    generate.get_by_role("button", name="Generate tasks").click()
    assert "Date range must not exceed 90 days" in generate.inner_text()

    page.locator("summary", has_text="Check the shared inbox").click()
    edit = form(page, "Edit Check the shared inbox")
    edit.get_by_label("Schedule (cron)").fill("0 9 * * FRI")
    edit.get_by_role("button", name="Save").click()
    page.wait_for_url(product.url + "/work/recurring")
    form(page, "Disable Check the shared inbox").get_by_role("button").click()
    page.wait_for_url(product.url + "/work/recurring")
    stored = product.engine.store.get("recurring_configs", config["id"])
    assert stored is not None
    assert (stored["cronExpression"], stored["enabled"]) == ("0 9 * * FRI", False)
    assert (
        form(page, "Generate the tasks of Check the shared inbox")
        .get_by_role("button")
        .is_disabled()
    )


def test_a_lead_runs_the_team(browser: Any, page: Any, product: Product) -> None:
    sign_in(page, product.url, ADA, "/work/team")
    add = form(page, "Add a person")
    add.get_by_label("Name").fill("Grace")
    add.get_by_label("Email").fill("grace@example.com")
    add.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("textbox", name="Temporary password")).to_be_visible()
    temporary = page.get_by_role("textbox", name="Temporary password").input_value()
    assert len(temporary) >= 16
    assert "Grace was added." in page.get_by_role("status").first.inner_text()
    assert_accessible(page, "the team page with a temporary password")

    grace_id = next(u["id"] for u in product.engine.store.scan("users") if u["name"] == "Grace")
    form(page, "Role of Grace").get_by_label("Role of Grace").select_option("lead")
    form(page, "Role of Grace").get_by_role("button").click()
    # The role's own cell (the row always contains "Lead": an option of its select).
    grace_row = page.get_by_role("row", name=re.compile("Grace"))
    expect(grace_row.locator("td", has_text=re.compile(r"^\s*Lead\s*$"))).to_have_count(1)
    assert users.get_user(product.engine, grace_id)["role"] == "lead"

    # Grace signs in with the temporary password, in a browser of her own.
    context = browser.new_context()
    try:
        grace = context.new_page()
        sign_in(grace, product.url, {"email": "grace@example.com", "password": temporary})
        assert grace.request.get(product.url + "/work/api/me").status == 200

        form(page, "Deactivate Grace").get_by_role("button").click()
        expect(page.get_by_role("row", name=re.compile("Grace"))).to_contain_text("Deactivated")
        # Her session has ended: the engine refuses her at once, and her next page sends her
        # to the login page.
        assert grace.request.get(product.url + "/work/api/me").status == 401
        grace.goto(product.url + "/work/team")
        assert grace.url.startswith(product.url + "/login")
        # Signing in again is refused, like a wrong password.
        context.clear_cookies()
        grace.goto(product.url + "/login")
        grace.get_by_label("Email").fill("grace@example.com")
        grace.get_by_label("Password").fill(temporary)
        grace.get_by_role("button", name="Sign in").click()
        expect(grace.get_by_role("alert")).to_have_text("Invalid email or password")
    finally:
        context.close()

    # A token: shown once, usable, listed with its last use, then revoked.
    create = form(page, "Create a service token")
    create.get_by_label("Service name").fill("podcast-assistant")
    create.get_by_label("Expires after (days)").fill("90")
    create.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("textbox", name="Service token")).to_be_visible()
    token = page.get_by_role("textbox", name="Service token").input_value()
    assert token.startswith("dataops_svc_")
    with product.client(headers={"Authorization": f"Bearer {token}"}) as assistant:
        me = assistant.get("/work/api/me")
        assert me.json()["user"]["id"] == "service:podcast-assistant"
    page.goto(product.url + "/work/team")
    row = page.get_by_role("row", name=re.compile("service:podcast-assistant"))
    assert "Not used yet" not in row.inner_text()
    assert token not in page.content()
    assert_accessible(page, "the team page")
    form(page, "Revoke the token of service:podcast-assistant").get_by_role("button").click()
    expect(page.get_by_role("status").first).to_have_text("The token was revoked.")
    assert product.engine.store.count("service_tokens") == 0


def test_a_member_sees_the_team_and_is_refused_its_actions(page: Any, product: Product) -> None:
    sign_in(page, product.url, BOB, "/work/team")
    assert page.get_by_role("row", name=re.compile("^Ada ")).is_visible()
    assert "Only a lead can manage the team" in page.get_by_role("main").inner_text()
    assert page.get_by_role("form", name="Add a person").count() == 0
    assert page.get_by_role("button", name=re.compile("Deactivate")).count() == 0
    assert_accessible(page, "the team page of a member")
    # Bob sends the form anyway: the engine refuses, in its words, and nothing changes.
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    answer = page.request.post(
        product.url + "/work/team/users/ada/deactivate",
        form={"csrf_token": csrf},
        headers={"Origin": product.url},
    )
    assert answer.status == 403
    assert "Only a lead can manage the team" in answer.text()
    assert users.get_user(product.engine, "ada").get("deactivatedAt") is None


def focused(page: Any) -> str:
    return str(
        page.evaluate(
            "document.activeElement && (document.activeElement.id || document.activeElement.textContent.trim())"
        )
    )


def test_a_person_is_added_by_keyboard_alone(page: Any, product: Product) -> None:
    """From the top of the team page, Tab reaches the add form; its controls come in reading
    order, and Enter sends it."""
    sign_in(page, product.url, ADA, "/work/team")
    for _ in range(200):
        page.keyboard.press("Tab")
        if focused(page) == "add-user-name":
            break
    assert focused(page) == "add-user-name"
    page.keyboard.type("Katherine")
    page.keyboard.press("Tab")
    assert focused(page) == "add-user-email"
    page.keyboard.type("katherine@example.com")
    page.keyboard.press("Tab")
    assert focused(page) == "add-user-role"
    page.keyboard.press("Tab")
    assert focused(page) == "Add person"
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox", name="Temporary password")).to_be_visible()
    assert users.find_by_email(product.engine, "katherine@example.com") is not None
