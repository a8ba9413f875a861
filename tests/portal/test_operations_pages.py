"""Part 3's pages without a browser (the browser tests walk them in tests/browser/): every
refusal is the engine's words at the form with the engine's status (200 for htmx, which swaps
the fragment in), and nothing changes; stale edits are 412s that show the fresh record; user
text is escaped; secrets shown once are never cached; a member is refused with the engine's
message."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.portal.conftest import BOB, start_product
from tests.portal.ui_support import Site, start_site, text_of
from tests.support.dates import day_in

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from start_site(tmp_path_factory.mktemp("operations-pages"))


@pytest.fixture
def template(site: Site) -> dict[str, Any]:
    answer = site.api(
        "POST",
        "/templates",
        {
            "name": "Episode",
            "type": "podcast",
            "taskDefinitions": [{"refId": "record", "description": "Record", "offsetDays": 0}],
        },
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()["template"]
    return created


def stored(site: Site, template_id: str) -> dict[str, Any]:
    found = site.engine.store.get("templates", template_id)
    assert found is not None
    return dict(found)


def test_user_text_is_escaped(site: Site) -> None:
    answer = site.api(
        "POST",
        "/templates",
        {
            "name": HOSTILE,
            "type": "podcast",
            "phases": [{"id": "p", "name": HOSTILE}],
            "references": [{"name": HOSTILE, "url": "https://example.org/guide"}],
            "taskDefinitions": [{"refId": "r", "description": HOSTILE, "offsetDays": 0}],
        },
    )
    assert answer.status_code == 201, answer.text
    template_id = answer.json()["template"]["id"]
    for path in ("/work/templates", f"/work/templates/{template_id}"):
        page = site.page(path)
        assert page.status_code == 200
        assert HOSTILE not in page.text
        assert html.escape(HOSTILE, quote=False) in page.text


def test_a_refused_new_template_keeps_what_was_typed(site: Site) -> None:
    before = site.engine.store.count("templates")
    answer = site.post("/work/templates", {"name": "Course", "type": "", "description": "Plan"})
    assert answer.status_code == 400
    assert "Missing required field: type" in text_of(answer.text)
    assert 'value="Course"' in answer.text
    assert site.engine.store.count("templates") == before


def test_a_bad_task_definition_is_refused_in_the_engines_words(
    site: Site, template: dict[str, Any]
) -> None:
    url = f"/work/templates/{template['id']}/tasks"
    form = {"etag": site.etag(f"/templates/{template['id']}"), "index": "0", "action": "save"}
    answer = site.post(
        url, {**form, "refId": "record", "description": "Record", "offsetDays": "soon"}
    )
    assert answer.status_code == 400
    assert "taskDefinitions[0] is missing required field: offsetDays" in text_of(answer.text)
    assert stored(site, template["id"])["taskDefinitions"][0]["offsetDays"] == 0
    # The same through htmx: 200, so htmx swaps the page with the message in.
    again = site.post(
        url,
        {**form, "refId": "record", "description": "Record", "offsetDays": "soon"},
        **{"HX-Request": "true"},
    )
    assert again.status_code == 200
    assert "taskDefinitions[0] is missing required field: offsetDays" in text_of(again.text)


def test_a_template_keeps_at_least_one_task(site: Site, template: dict[str, Any]) -> None:
    form = {"etag": site.etag(f"/templates/{template['id']}"), "index": "0", "action": "remove"}
    answer = site.post(f"/work/templates/{template['id']}/tasks", form)
    assert answer.status_code == 400
    assert "taskDefinitions must be a non-empty array" in text_of(answer.text)
    assert len(stored(site, template["id"])["taskDefinitions"]) == 1


def test_stale_edits_are_refused_and_show_the_fresh_template(
    site: Site, template: dict[str, Any]
) -> None:
    seen = site.etag(f"/templates/{template['id']}")
    assert site.api("PUT", f"/templates/{template['id']}", {"name": "Renamed"}).is_success
    answer = site.post(
        f"/work/templates/{template['id']}/basics",
        {"etag": seen, "name": "Mine", "type": "podcast"},
    )
    assert answer.status_code == 412
    assert "Precondition failed: the record was changed by someone else" in text_of(answer.text)
    assert 'value="Renamed"' in answer.text
    assert stored(site, template["id"])["name"] == "Renamed"
    # A part that is gone (another tab removed it) is stale too.
    gone = site.post(
        f"/work/templates/{template['id']}/phases",
        {"etag": site.etag(f"/templates/{template['id']}"), "index": "3", "action": "remove"},
    )
    assert gone.status_code == 412


def test_editing_phases_references_and_links(site: Site, template: dict[str, Any]) -> None:
    base = f"/work/templates/{template['id']}"

    def send(part: str, **fields: str) -> None:
        answer = site.post(
            f"{base}/{part}", {"etag": site.etag(f"/templates/{template['id']}"), **fields}
        )
        assert answer.status_code == 303, text_of(answer.text)

    send("phases", action="add", name="Recording day", stage="preparation")
    send("phases", action="add", name="Recording day")
    assert [p["id"] for p in stored(site, template["id"])["phases"]] == [
        "recording-day",
        "recording-day-2",
    ]
    send("phases", action="save", index="1", name="Publishing", stage="")
    send("references", action="add", name="Guide", url="https://example.org/guide")
    send("links", action="add", name="Episode page")
    send("tasks", action="add", description="Publish", offsetDays="2", proofType="artifact")
    send("tasks", action="up", index="1")
    record = stored(site, template["id"])
    assert record["phases"][1] == {"id": "recording-day-2", "name": "Publishing"}
    assert [d["refId"] for d in record["taskDefinitions"]] == ["publish", "record"]
    assert record["taskDefinitions"][0]["proofRequirement"] == {"type": "artifact"}
    send("references", action="remove", index="0")
    send("links", action="remove", index="0")
    send("phases", action="remove", index="0")
    send("phases", action="remove", index="0")
    record = stored(site, template["id"])
    assert "references" not in record and "bundleLinkDefinitions" not in record
    assert "phases" not in record
    bad = site.post(
        f"{base}/references",
        {
            "etag": site.etag(f"/templates/{template['id']}"),
            "action": "add",
            "name": "X",
            "url": "ftp://x",
        },
    )
    assert bad.status_code == 400
    assert "references" in text_of(bad.text)


def test_a_missing_template_is_the_engines_404(site: Site) -> None:
    answer = site.page("/work/templates/no-such-template")
    assert answer.status_code == 404
    assert "Template not found" in text_of(answer.text)


def test_the_team_page_shows_secrets_once_and_never_caches_them(site: Site) -> None:
    answer = site.post("/work/team/users", {"name": "Hedy", "email": "hedy@example.com"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert "Hedy was added." in text_of(answer.text)
    assert 'id="secret-value"' in answer.text
    again = site.page("/work/team")
    assert 'id="secret-value"' not in again.text
    refused = site.post("/work/team/users", {"name": "Hedy 2", "email": "not an email"})
    assert refused.status_code == 400
    assert "email must be an email address" in text_of(refused.text)
    assert 'value="Hedy 2"' in refused.text
    token = site.post("/work/team/tokens", {"name": "bot", "expiresInDays": "a year"})
    assert token.status_code == 400
    assert "expiresInDays must be a whole number of days from 1 to 3650" in text_of(token.text)
    assert site.engine.store.count("service_tokens") == 0


def test_a_member_is_refused_with_the_engines_message(tmp_path: Path) -> None:
    for product in start_product(tmp_path):
        with product.sign_in(BOB) as bob:
            page = bob.get("/work/team")
            assert page.status_code == 200
            assert "Add a person" not in page.text
            refused = bob.post("/work/team/users/ada/role", data={"role": "member"})
            assert refused.status_code == 403
            assert "Only a lead can manage the team" in text_of(refused.text)
            tokens = bob.post("/work/team/tokens", data={"name": "bot"})
            assert tokens.status_code == 403
        assert product.engine.store.get("users", "ada")["role"] == "lead"  # type: ignore[index]


def test_recurring_refusals(site: Site) -> None:
    bad = site.post("/work/recurring", {"description": "Inbox", "cronExpression": "mondays"})
    assert bad.status_code == 400
    assert "Invalid cron expression format" in text_of(bad.text)
    made = site.api(
        "POST",
        "/recurring",
        {"description": "Paused", "cronExpression": "0 9 * * MON", "enabled": False},
    ).json()["recurringConfig"]
    refused = site.post(
        f"/work/recurring/{made['id']}/generate",
        {"startDate": "2026-12-01", "endDate": "2026-12-07"},
    )
    assert refused.status_code == 409
    assert "This recurring config is disabled; enable it to generate its tasks" in text_of(
        refused.text
    )
    stale = site.post(
        f"/work/recurring/{made['id']}",
        {"etag": '"99"', "description": "x", "cronExpression": "0 9 * * MON"},
    )
    assert stale.status_code == 412


def test_the_workflows_list_filters_and_archives(site: Site, template: dict[str, Any]) -> None:
    made = site.api(
        "POST",
        "/bundles",
        {"templateId": template["id"], "title": "Filtered one", "anchorDate": "2026-12-10"},
    )
    assert made.status_code == 201
    bundle = made.json()["bundle"]
    listed = site.page(f"/work/workflows?template={template['id']}&stage=nonsense")
    assert listed.status_code == 200
    assert "Filtered one" in listed.text
    other = site.page("/work/workflows?stage=done")
    assert "Filtered one" not in other.text
    archived = site.post(
        f"/work/workflows/{bundle['id']}/archive", {"next": "https://evil.example/"}
    )
    assert (archived.status_code, archived.headers["location"]) == (303, "/work")
    assert site.engine.store.get("bundles", bundle["id"])["status"] == "archived"  # type: ignore[index]
    missing = site.post("/work/workflows/nope/archive", {})
    assert missing.status_code == 404
    assert "Bundle not found" in text_of(missing.text)


def test_forms_start_from_the_teams_day(tmp_path: Path) -> None:
    # Kiritimati (UTC+14) and Pago Pago (UTC-11) never share a calendar day, so at any hour at
    # least one of them is not on the UTC day: the portal must ask the engine, not its clock.
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        for product in start_product(tmp_path / zone.replace("/", "-"), {"DATAOPS_TIMEZONE": zone}):
            with product.sign_in() as client:
                made = client.post(
                    "/work/api/templates",
                    json={
                        "name": "Episode",
                        "type": "podcast",
                        "taskDefinitions": [
                            {"refId": "record", "description": "Record", "offsetDays": 0}
                        ],
                    },
                )
                assert made.status_code == 201, made.text
                template = made.json()["template"]
                before = day_in(zone)
                page = client.get(f"/work/templates/{template['id']}").text
                after = day_in(zone)
            anchor = page.split('name="anchorDate"', 1)[1].split(">", 1)[0]
            assert f'value="{before}"' in anchor or f'value="{after}"' in anchor, (zone, anchor)


def test_a_deactivated_persons_next_page_is_the_login_page(tmp_path: Path) -> None:
    for product in start_product(tmp_path):
        with product.sign_in(BOB) as bob, product.sign_in() as ada:
            assert bob.get("/work").status_code == 200  # the portal now remembers Bob's session
            gone = ada.post("/work/api/team/users/bob/deactivate")
            assert gone.status_code == 200, gone.text
            page = bob.get("/work/team", follow_redirects=False)
            assert page.status_code == 303
            assert page.headers["location"] == "/login?next=%2Fwork%2Fteam"
            assert 'dataops_session=""' in page.headers["set-cookie"]  # the cookie is dropped
            refused = bob.post("/work/recurring", data={"description": "x"})
            assert refused.status_code == 401
