"""The operator UI in a real browser, through the product as `dataops serve` runs it: the
scenarios of product.md (1, 2 and 4) done on the pages, with JavaScript, without it and by
keyboard alone; proof that reject and archive take away again; a workflow's approved artifact
unblocking a sibling task; hostile titles and URLs; a concurrent edit. Every page is checked for
console errors by the `page` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from dataops.model import messages
from tests.browser.ui_helpers import api, artifact_proof, sign_in, tab_to, workflow_with_tasks
from tests.portal.conftest import ADA, Product, start_product
from tests.support.browser import screenshot

EPISODE_PAGE = "https://example.org/episodes/50"


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    yield from start_product(tmp_path_factory.mktemp("proof-flow"))


def proof_of(product: Product, task_id: str) -> dict[str, Any]:
    with product.sign_in() as client:
        proof: dict[str, Any] = api(client, "GET", f"/tasks/{task_id}/proof")["proof"]
    return proof


def artifact_item(page: Any, title: str) -> Any:
    return page.locator("ul.artifacts > li").filter(has_text=title)


def on_a_phone(page: Any, name: str, output: Path) -> None:
    """The page at 375 px: nothing scrolls sideways; kept as `<name>-phone.png`."""
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, f"{name}-phone", output, keep=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def register(
    page: Any, title: str, url: str, summary: str = "Add an artifact to this task"
) -> None:
    page.locator("summary", has_text=summary).click()
    form = page.locator("form[data-form=register]")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Where it lives (URL)").fill(url)
    form.get_by_role("button", name="Register artifact").click()


def test_scenario_1_an_external_link_registered_approved_and_the_task_done(
    page: Any, product: Product, tmp_path: Path
) -> None:
    made = workflow_with_tasks(
        product, "Episode 50", {"description": "Publish the episode page", **artifact_proof()}
    )
    task = made["tasks"][0]
    reason = proof_of(product, task["id"])["requirements"][0]["reason"]
    sign_in(page, product.url, target=f"/work/tasks/{task['id']}")

    done = page.get_by_role("button", name="Mark done")
    expect(done).to_be_disabled()
    assert reason in page.locator("#done-blocked").inner_text()
    assert "Missing: Approved episode page" in page.locator("#requirements").inner_text()
    screenshot(page, "task-blocked", tmp_path, keep=True)
    on_a_phone(page, "task-blocked", tmp_path)

    register(page, "Episode 50 page", EPISODE_PAGE)
    item = artifact_item(page, "Episode 50 page")
    expect(item.locator(".badge")).to_have_text("Needs review")
    expect(item.get_by_role("link", name=EPISODE_PAGE)).to_have_attribute("href", EPISODE_PAGE)
    expect(done).to_be_disabled()  # a link that is not reviewed is no proof

    item.get_by_role("button", name="Approve").click()
    expect(artifact_item(page, "Episode 50 page").locator(".badge")).to_have_text("Approved")
    expect(done).to_be_enabled()
    assert "Satisfied: Approved episode page" in page.locator("#requirements").inner_text()
    done.click()
    expect(page.locator("#completed")).to_contain_text("Completed by Ada on")
    expect(page.locator(".meta .badge.task")).to_have_text("Done")
    screenshot(page, "task-done", tmp_path, keep=True)
    on_a_phone(page, "task-done", tmp_path)

    # In the workflow's context: the task is done with its proof complete.
    page.get_by_role("link", name="Episode 50", exact=True).click()
    row = page.locator("ul.tasks > li").filter(has_text="Publish the episode page")
    expect(row.locator(".badge.task")).to_have_text("Done")
    expect(row.locator(".badge.proof")).to_have_text("Proof complete")
    screenshot(page, "workflow-page", tmp_path, keep=True)
    on_a_phone(page, "workflow-page", tmp_path)

    # The artifact page: where it lives, its relationships and its history.
    page.goto(product.url + f"/work/tasks/{task['id']}")
    artifact_item(page, "Episode 50 page").get_by_role("link", name="Episode 50 page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Episode 50 page")
    relations = page.get_by_role("region", name="Relationships")
    expect(relations.get_by_role("link", name="Publish the episode page")).to_be_visible()
    history = page.get_by_role("region", name="History").inner_text()
    assert "ada" in history
    screenshot(page, "artifact-page", tmp_path, keep=True)
    on_a_phone(page, "artifact-page", tmp_path)

    # Reopened, the task is to do again and says who completed it before.
    page.goto(product.url + f"/work/tasks/{task['id']}")
    page.get_by_role("button", name="Reopen").click()
    expect(page.locator(".meta .badge.task")).to_have_text("To do")
    expect(page.get_by_role("button", name="Mark done")).to_be_enabled()


def test_scenario_1_without_javascript(browser: Any, product: Product, tmp_path: Path) -> None:
    made = workflow_with_tasks(
        product, "Episode 51", {"description": "Publish page 51", **artifact_proof()}
    )
    task = made["tasks"][0]
    context = browser.new_context(java_script_enabled=False)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        sign_in(page, product.url, target=f"/work/tasks/{task['id']}")
        assert page.get_by_role("button", name="Mark done").is_disabled()
        register(page, "Episode 51 page", "https://example.org/episodes/51")
        assert page.url == product.url + f"/work/tasks/{task['id']}"  # Post/Redirect/Get
        item = artifact_item(page, "Episode 51 page")
        assert item.locator(".badge").inner_text() == "Needs review"
        item.get_by_role("button", name="Approve").click()
        assert artifact_item(page, "Episode 51 page").locator(".badge").inner_text() == "Approved"
        page.get_by_role("button", name="Mark done").click()
        assert "Completed by Ada on" in page.locator("#completed").inner_text()
        screenshot(page, "task-done-without-javascript", tmp_path)
    finally:
        context.close()
    assert errors == []


def test_scenario_1_by_keyboard_only(page: Any, product: Product, tmp_path: Path) -> None:
    made = workflow_with_tasks(
        product, "Episode 52", {"description": "Publish page 52", **artifact_proof()}
    )
    task = made["tasks"][0]
    page.goto(product.url + f"/login?next=/work/tasks/{task['id']}")
    # The email field asks for the focus (autofocus), which Chromium does not always grant a
    # page in a fresh context: reach it by keyboard either way.
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(ADA["email"])
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(ADA["password"])
    page.keyboard.press("Enter")
    page.wait_for_url(product.url + f"/work/tasks/{task['id']}")

    tab_to(page, page.locator("summary", has_text="Add an artifact to this task"))
    page.keyboard.press("Enter")
    form = page.locator("form[data-form=register]")
    tab_to(page, form.get_by_label("Title"))
    page.keyboard.type("Episode 52 page")
    page.keyboard.press("Tab")
    page.keyboard.type("https://example.org/episodes/52")
    tab_to(page, form.get_by_role("button", name="Register artifact"))
    page.keyboard.press("Enter")
    item = artifact_item(page, "Episode 52 page")
    expect(item.locator(".badge")).to_have_text("Needs review")

    page.locator("#main").focus()
    tab_to(page, item.get_by_role("button", name="Approve"))
    page.keyboard.press("Enter")
    expect(artifact_item(page, "Episode 52 page").locator(".badge")).to_have_text("Approved")
    done = page.get_by_role("button", name="Mark done")
    expect(done).to_be_enabled()
    page.locator("#main").focus()
    tab_to(page, done)
    page.keyboard.press("Enter")
    expect(page.locator("#completed")).to_contain_text("Completed by Ada on")
    screenshot(page, "task-done-by-keyboard", tmp_path)


def test_scenario_2_an_assistant_draft_is_seen_but_is_no_proof_until_approved(
    page: Any, product: Product
) -> None:
    made = workflow_with_tasks(
        product,
        "Episode 53",
        {"description": "Review the guest prep", **artifact_proof("Prep doc")},
    )
    task = made["tasks"][0]
    with product.sign_in() as client:
        api(
            client,
            "POST",
            "/artifacts",
            {
                "type": "podcast-doc",
                "title": "Guest prep (assistant draft)",
                "storageUri": "https://docs.google.com/document/d/prep-53",
                "status": "needs-review",
                "sourceType": "assistant-output",
                "taskId": task["id"],
            },
        )
    sign_in(page, product.url, target=f"/work/tasks/{task['id']}")
    item = artifact_item(page, "Guest prep (assistant draft)")
    expect(item.locator(".badge")).to_have_text("Needs review")
    expect(page.get_by_role("button", name="Mark done")).to_be_disabled()
    item.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("button", name="Mark done")).to_be_enabled()
    page.get_by_role("button", name="Mark done").click()
    expect(page.locator("#completed")).to_contain_text("Completed by Ada")


def test_scenario_4_a_file_completes_one_task_and_the_other_stays_blocked(
    page: Any, product: Product, tmp_path: Path
) -> None:
    made = workflow_with_tasks(
        product,
        "Episode 54",
        {"description": "Upload the studio invoice", "requiresFile": True},
        {"description": "Approve the transcript", **artifact_proof("Transcript")},
    )
    invoice, transcript = made["tasks"]
    sign_in(page, product.url, target=f"/work/tasks/{invoice['id']}")
    expect(page.get_by_role("button", name="Mark done")).to_be_disabled()
    upload = page.locator("form[data-form=upload]")
    invoice_file = tmp_path / "invoice-54.pdf"
    invoice_file.write_bytes(b"%PDF-1.4 studio invoice 54\n")
    upload.get_by_label("File").set_input_files(str(invoice_file))
    upload.get_by_label("Category").select_option("invoice")
    upload.get_by_role("button", name="Upload").click()
    files = page.get_by_role("region", name="Files")
    expect(files.get_by_role("link", name="invoice-54.pdf")).to_be_visible()
    href = files.get_by_role("link", name="invoice-54.pdf").get_attribute("href")
    assert page.request.get(product.url + href).body() == invoice_file.read_bytes()
    page.get_by_role("button", name="Mark done").click()
    expect(page.locator("#completed")).to_contain_text("Completed by Ada")

    # A file is no artifact: the transcript task stays blocked.
    page.goto(product.url + f"/work/tasks/{transcript['id']}")
    expect(page.get_by_role("button", name="Mark done")).to_be_disabled()
    assert "Missing: Transcript" in page.locator("#requirements").inner_text()


def test_reject_and_archive_take_the_proof_away_again(page: Any, product: Product) -> None:
    made = workflow_with_tasks(
        product, "Episode 55", {"description": "Check the show notes", **artifact_proof("Notes")}
    )
    task = made["tasks"][0]
    with product.sign_in() as client:
        for title in ("Show notes v1", "Show notes v2"):
            body = {
                "type": "report",
                "title": title,
                "storageUri": f"https://example.org/{title[-2:]}",
            }
            made_artifact = api(client, "POST", "/artifacts", {**body, "taskId": task["id"]})
            api(client, "POST", f"/artifacts/{made_artifact['artifact']['id']}/approve")
    sign_in(page, product.url, target=f"/work/tasks/{task['id']}")
    done = page.get_by_role("button", name="Mark done")
    expect(done).to_be_enabled()

    first = artifact_item(page, "Show notes v1")
    first.locator("summary", has_text="Reject").click()
    first.get_by_label("Why it is rejected").fill("The guest's name is misspelt")
    first.get_by_role("button", name="Reject", exact=True).click()
    first = artifact_item(page, "Show notes v1")
    expect(first.locator(".badge")).to_have_text("Rejected")
    expect(first).to_contain_text("The guest's name is misspelt")
    expect(done).to_be_enabled()  # the second still counts

    artifact_item(page, "Show notes v2").get_by_role("button", name="Archive").click()
    expect(artifact_item(page, "Show notes v2").locator(".badge")).to_have_text("Archived")
    expect(page.get_by_role("button", name="Mark done")).to_be_disabled()
    assert "Missing: Notes" in page.locator("#requirements").inner_text()


def test_an_approved_workflow_artifact_unblocks_a_sibling_task(page: Any, product: Product) -> None:
    made = workflow_with_tasks(
        product,
        "Meetup 12",
        {"description": "Announce the meetup", **artifact_proof("Event page")},
        {"description": "Send the reminder", **artifact_proof("Event page")},
    )
    bundle = made["bundle"]
    announce, remind = made["tasks"]
    sign_in(page, product.url, target=f"/work/workflows/{bundle['id']}")
    register(
        page, "Meetup 12 on Luma", "https://lu.ma/meetup-12", "Add an artifact to the workflow"
    )
    item = artifact_item(page, "Meetup 12 on Luma")
    expect(item.locator(".badge")).to_have_text("Needs review")
    item.get_by_role("button", name="Approve").click()
    expect(artifact_item(page, "Meetup 12 on Luma").locator(".badge")).to_have_text("Approved")
    for task in (announce, remind):
        row = page.locator("ul.tasks > li").filter(has_text=task["description"])
        expect(row.locator(".badge.proof")).to_have_text("Proof complete")
    page.goto(product.url + f"/work/tasks/{remind['id']}")
    workflow_artifacts = page.locator("ul.artifacts > li").filter(has_text="Meetup 12 on Luma")
    expect(workflow_artifacts.locator(".badge")).to_have_text("Approved")
    page.get_by_role("button", name="Mark done").click()
    expect(page.locator("#completed")).to_contain_text("Completed by Ada")


def test_a_script_title_is_text_and_a_javascript_url_is_refused(
    page: Any, product: Product
) -> None:
    made = workflow_with_tasks(
        product, "Episode 56", {"description": "<b>Bold</b> task", **artifact_proof()}
    )
    task = made["tasks"][0]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, product.url, target=f"/work/tasks/{task['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("<b>Bold</b> task")

    register(page, "<script>alert(1)</script>", "https://example.org/x")
    item = artifact_item(page, "<script>alert(1)</script>")
    expect(item.get_by_role("link", name="<script>alert(1)</script>")).to_be_visible()
    page.reload()
    expect(artifact_item(page, "<script>alert(1)</script>")).to_have_count(1)

    register(page, "A dangerous link", "javascript:alert(2)")
    form = page.locator("form[data-form=register]")
    refusal = messages.URI_SCHEME.format(field="storageUri")
    expect(form.locator(".field-error")).to_have_text(refusal)
    url_field = form.get_by_label("Where it lives (URL)")
    expect(url_field).to_have_attribute("aria-invalid", "true")
    expect(url_field).to_have_value("javascript:alert(2)")
    expect(url_field).to_be_focused()
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert dialogs == []


def test_a_concurrent_edit_is_refused_and_the_fresh_record_shown(
    page: Any, product: Product
) -> None:
    made = workflow_with_tasks(product, "Episode 57", {"description": "Write the summary"})
    task = made["tasks"][0]
    sign_in(page, product.url, target=f"/work/tasks/{task['id']}")
    with product.sign_in() as client:
        api(client, "PUT", f"/tasks/{task['id']}", {"comment": "Written by Bob meanwhile"})
    form = page.locator("form[data-form=comment]")
    form.get_by_label("Comment").fill("Ada's summary")
    form.get_by_role("button", name="Save comment").click()
    form = page.locator("form[data-form=comment]")
    expect(form.get_by_role("alert")).to_have_text(messages.PRECONDITION_FAILED)
    expect(form.get_by_label("Comment")).to_have_value("Written by Bob meanwhile")
    # Now that the page holds the fresh record, the same edit goes through.
    form.get_by_label("Comment").fill("Ada's summary")
    form.get_by_role("button", name="Save comment").click()
    expect(page.locator("form[data-form=comment]").get_by_label("Comment")).to_have_value(
        "Ada's summary"
    )
    expect(page.locator("form[data-form=comment] .field-error")).to_have_count(0)
