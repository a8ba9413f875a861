"""Demo workflows: three realistic templates (a podcast episode, a newsletter issue, an event
with a public page), one bundle of each dated around today, and a weekly recurring task.

`load_demo_workflows` is idempotent: templates and the recurring config have fixed ids, and a
template that already has a bundle is not instantiated again. Everything goes through the same
use cases as the API, so the demo data passes every rule.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from dataops.engine import bundles, recurring, templates
from dataops.engine.context import Engine
from dataops.model.ids import derived_id
from dataops.model.values import add_days, parse_calendar_date
from dataops.store.base import AlreadyExists

_DOCS = "https://github.com/example-community/process-docs/blob/main"

PODCAST_EPISODE: dict[str, Any] = {
    "name": "Podcast episode",
    "type": "podcast",
    "emoji": "🎙️",
    "tags": ["podcast"],
    "phases": [
        {"id": "preparation", "name": "Preparation", "stage": "preparation"},
        {"id": "recording", "name": "Recording", "stage": "announced"},
        {"id": "publishing", "name": "Publishing", "stage": "after-event"},
    ],
    "sourceDocIds": ["sop/podcast-episode.md"],
    "references": [{"name": "Podcast SOP", "url": f"{_DOCS}/sop/podcast-episode.md"}],
    "bundleLinkDefinitions": [
        {"name": "Episode page"},
        {"name": "Spotify"},
        {"name": "YouTube"},
        {"name": "Recording folder"},
    ],
    "triggerType": "manual",
    "taskDefinitions": [
        {
            "refId": "confirm-guest",
            "description": "Confirm the guest, the recording date and the consent to publish",
            "offsetDays": -21,
            "phase": "preparation",
            "systems": ["email"],
            "proofRequirement": {"type": "comment", "label": "Guest confirmation"},
        },
        {
            "refId": "guest-prep-doc",
            "description": "Review the guest prep document drafted by the podcast assistant",
            "offsetDays": -10,
            "phase": "preparation",
            "systems": ["google-drive"],
            "instructionsUrl": f"{_DOCS}/sop/podcast-episode.md#guest-prep",
            "instructionDocId": "sop/podcast-episode.md",
            "instructionStepId": "guest-prep",
            "proofRequirement": {"type": "artifact", "label": "Approved guest prep doc"},
        },
        {
            "refId": "announce-recording",
            "description": "Announce the recording in the community channels",
            "offsetDays": -7,
            "phase": "preparation",
            "proofRequirement": {"type": "url", "label": "Announcement post"},
            "stageOnComplete": "announced",
        },
        {
            "refId": "record",
            "description": "Record the episode and upload the raw audio to Dropbox",
            "offsetDays": 0,
            "phase": "recording",
            "isMilestone": True,
            "systems": ["dropbox", "riverside"],
            "proofRequirement": {"type": "artifact", "label": "Raw recording"},
        },
        {
            "refId": "studio-invoice",
            "description": "Upload the studio invoice",
            "offsetDays": 2,
            "phase": "recording",
            "proofRequirement": {"type": "file", "label": "Studio invoice (PDF)"},
        },
        {
            "refId": "transcript",
            "description": "Review the transcript and the show notes",
            "offsetDays": 5,
            "phase": "publishing",
            "proofRequirement": {"type": "artifact", "label": "Approved transcript"},
        },
        {
            "refId": "publish-episode",
            "description": "Publish the episode page",
            "offsetDays": 10,
            "phase": "publishing",
            "isMilestone": True,
            "requiredLinkName": "Episode page",
            "proofRequirement": {"type": "url", "label": "Published episode page"},
            "stageOnComplete": "after-event",
        },
        {
            "refId": "check-platforms",
            "description": "Check that the episode is live on Spotify and YouTube",
            "offsetDays": 11,
            "phase": "publishing",
            "systems": ["spotify", "youtube"],
            "proofRequirement": {"type": "external-status", "label": "Platform status"},
        },
        {
            "refId": "wrap-up",
            "description": "Thank the guest and archive the episode notes",
            "offsetDays": 14,
            "phase": "publishing",
            "proofRequirement": {"type": "comment", "label": "Wrap-up note", "required": False},
            "stageOnComplete": "done",
        },
    ],
}

NEWSLETTER_ISSUE: dict[str, Any] = {
    "name": "Newsletter issue",
    "type": "newsletter",
    "emoji": "📰",
    "tags": ["newsletter"],
    "phases": [
        {"id": "drafting", "name": "Drafting", "stage": "preparation"},
        {"id": "sending", "name": "Sending", "stage": "announced"},
        {"id": "follow-up", "name": "Follow-up", "stage": "after-event"},
    ],
    "sourceDocIds": ["sop/newsletter.md"],
    "references": [{"name": "Newsletter SOP", "url": f"{_DOCS}/sop/newsletter.md"}],
    "bundleLinkDefinitions": [{"name": "Web version"}],
    "triggerType": "manual",
    "taskDefinitions": [
        {
            "refId": "collect",
            "description": "Collect links, events and community news",
            "offsetDays": -6,
            "phase": "drafting",
            "proofRequirement": {"type": "comment", "label": "List of items"},
        },
        {
            "refId": "draft",
            "description": "Draft the issue and get it reviewed",
            "offsetDays": -3,
            "phase": "drafting",
            "systems": ["google-drive"],
            "proofRequirement": {"type": "artifact", "label": "Approved newsletter draft"},
        },
        {
            "refId": "schedule",
            "description": "Schedule the issue in the mailing tool",
            "offsetDays": -1,
            "phase": "sending",
            "systems": ["mailchimp"],
            "proofRequirement": {"type": "external-status", "label": "Scheduled for sending"},
            "stageOnComplete": "announced",
        },
        {
            "refId": "web-version",
            "description": "Publish the web version of the issue",
            "offsetDays": 0,
            "phase": "sending",
            "isMilestone": True,
            "requiredLinkName": "Web version",
            "stageOnComplete": "after-event",
        },
        {
            "refId": "stats",
            "description": "Record open and click rates",
            "offsetDays": 3,
            "phase": "follow-up",
            "proofRequirement": {"type": "comment", "label": "Open and click rates"},
            "stageOnComplete": "done",
        },
    ],
}

COMMUNITY_EVENT: dict[str, Any] = {
    "name": "Community event",
    "type": "event",
    "emoji": "🎤",
    "tags": ["event"],
    "phases": [
        {"id": "planning", "name": "Planning", "stage": "preparation"},
        {"id": "promotion", "name": "Promotion", "stage": "announced"},
        {"id": "after", "name": "After the event", "stage": "after-event"},
    ],
    "sourceDocIds": ["sop/community-event.md"],
    "references": [{"name": "Event SOP", "url": f"{_DOCS}/sop/community-event.md"}],
    "bundleLinkDefinitions": [{"name": "Event page"}, {"name": "Meetup"}, {"name": "Recording"}],
    "triggerType": "manual",
    "taskDefinitions": [
        {
            "refId": "venue",
            "description": "Book the venue",
            "offsetDays": -30,
            "phase": "planning",
            "proofRequirement": {"type": "file", "label": "Venue booking confirmation"},
        },
        {
            "refId": "event-page",
            "description": "Create the public event page",
            "offsetDays": -21,
            "phase": "planning",
            "systems": ["luma"],
            "requiredLinkName": "Event page",
            "proofRequirement": {"type": "artifact", "label": "Approved event page"},
            "stageOnComplete": "announced",
        },
        {
            "refId": "promote",
            "description": "Promote the event in the newsletter and on social media",
            "offsetDays": -14,
            "phase": "promotion",
            "proofRequirement": {"type": "url", "label": "Promotion post"},
        },
        {
            "refId": "day-before",
            "description": "Run the day-before checklist with the speakers",
            "offsetDays": -1,
            "phase": "promotion",
        },
        {
            "refId": "host",
            "description": "Host the event",
            "offsetDays": 0,
            "phase": "promotion",
            "isMilestone": True,
            "stageOnComplete": "after-event",
        },
        {
            "refId": "recording",
            "description": "Publish the recording",
            "offsetDays": 7,
            "phase": "after",
            "systems": ["youtube"],
            "proofRequirement": {"type": "url", "label": "Recording link"},
        },
        {
            "refId": "venue-invoice",
            "description": "Pay the venue invoice and upload it",
            "offsetDays": 10,
            "phase": "after",
            "requiresFile": True,
            "stageOnComplete": "done",
        },
    ],
}

WEEKLY_INBOX: dict[str, Any] = {
    "description": "Triage the community inbox and answer open questions",
    "cronExpression": "0 9 * * MON",
}

# (template, bundle title, anchor date offset from today)
DEMO_WORKFLOWS: tuple[tuple[dict[str, Any], str, int], ...] = (
    (PODCAST_EPISODE, "Episode 12: Data contracts in practice", 14),
    (NEWSLETTER_ISSUE, "Community newsletter #48", 5),
    (COMMUNITY_EVENT, "Community meetup: shipping data products", 30),
)
RECURRING_WEEKS = 4


def demo_id(name: str) -> str:
    """A fixed id per demo record, the same on every machine."""
    return derived_id("demo", name)


def workflows_loaded(engine: Engine) -> bool:
    template_ids = [demo_id(body["name"]) for body, _, _ in DEMO_WORKFLOWS]
    return len(engine.store.get_many("templates", template_ids)) == len(template_ids) and (
        engine.store.get("recurring_configs", demo_id("weekly-inbox")) is not None
    )


def load_demo_workflows(engine: Engine) -> None:
    """Load (or complete) the demo workflows; running it again changes nothing."""
    today = engine.today()
    for template_body, title, anchor_offset in DEMO_WORKFLOWS:
        template_id = demo_id(template_body["name"])
        if engine.store.get("templates", template_id) is None:
            with contextlib.suppress(AlreadyExists):  # a concurrent load made it first
                templates.create_template(engine, template_body, template_id)
        if not engine.store.query("bundles", "GSI-Template", template_id, limit=1).items:
            anchor = add_days(today, anchor_offset)
            bundles.create_bundle(
                engine, {"title": title, "anchorDate": anchor, "templateId": template_id}
            )
    config_id = demo_id("weekly-inbox")
    if engine.store.get("recurring_configs", config_id) is None:
        with contextlib.suppress(AlreadyExists):
            recurring.create_config(engine, WEEKLY_INBOX, config_id)
    config = recurring.get_config(engine, config_id)
    start = parse_calendar_date(today)
    assert start is not None
    days = [start + timedelta(days=offset) for offset in range(RECURRING_WEEKS * 7)]
    recurring.generate_for_days(engine, days, [config])
