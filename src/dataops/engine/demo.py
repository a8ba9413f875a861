"""Demo data for a local installation: one podcast episode whose tasks need an approved
artifact, a link, a comment and a file, with artifacts in every review state that matters.

Everything goes through the engine's use cases (validation, refs, audit events), with fixed ids,
so loading twice changes nothing and a half-finished load completes on the next run.
"""

from __future__ import annotations

import hashlib
import io
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from dataops.engine import artifacts, bundles, tasks, users
from dataops.engine.binaries import blobs_of
from dataops.engine.context import Engine
from dataops.engine.demo_workflows import demo_id, load_demo_workflows, workflows_loaded
from dataops.model.values import add_days
from dataops.store.base import Item

# The demo acts as the engine itself and as the assistant's service identity: actors every
# export knows (neither is a user).
DEMO_ACTOR = "system"
ASSISTANT_ACTOR = "service:podcast-assistant"
# The demo's second person: reviews what others registered (under the `separate` review policy
# nobody approves their own artifacts). `dataops setup-local` gives the account a password.
REVIEWER_EMAIL = "reviewer@example.com"


def _silence(seconds: int) -> bytes:
    """A WAV file of silence (8 kHz, 16-bit mono), standing in for the raw recording."""
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 8000 * seconds)
    return out.getvalue()


# The recording is a DataOps-owned binary: the demo stores it, then registers what it stored.
RECORDING = _silence(2)
RECORDING_KEY = "demo/episode-42/raw.wav"
_RECORDING_SHA256 = hashlib.sha256(RECORDING).hexdigest()
RECORDING_CHECKSUM = f"sha256:{_RECORDING_SHA256}"


BUNDLE_ID = demo_id("bundle:episode-42")
TASK_IDS = {
    name: demo_id(f"task:{name}")
    for name in ("prep-doc", "episode-page", "summary", "invoice", "recording", "release")
}
ARTIFACT_IDS = {
    name: demo_id(f"artifact:{name}") for name in ("prep-doc", "transcript", "recording")
}


@contextmanager
def _next_id(engine: Engine, record_id: str) -> Iterator[None]:
    """The next id the engine hands out is `record_id` (use cases allocate their record's id
    first); later ones (audit events) stay random."""
    original = engine.new_id
    pending = [record_id]

    def new_id() -> str:
        return pending.pop() if pending else original()

    engine.new_id = new_id
    try:
        yield
    finally:
        engine.new_id = original


def _once(engine: Engine, table: str, record_id: str, create: Callable[[], Any]) -> None:
    if engine.store.get(table, record_id) is None:
        with _next_id(engine, record_id):
            create()


def demo_loaded(engine: Engine) -> bool:
    """True when every demo record that a load creates by id exists."""
    return all(
        engine.store.get("artifacts", artifact_id) is not None
        for artifact_id in ARTIFACT_IDS.values()
    ) and workflows_loaded(engine)


def load_demo(engine: Engine) -> None:
    """Load the demo episode and the demo workflows; a second run does nothing."""
    anchor = add_days(engine.today(), 14)
    _once(
        engine,
        "bundles",
        BUNDLE_ID,
        lambda: bundles.create_bundle(
            engine,
            {
                "title": "Episode 42: Dr. Lin on community data",
                "description": "Demo episode: guest prep, recording, transcript, publishing.",
                "anchorDate": anchor,
                "emoji": "🎙️",
                "tags": ["podcast", "demo"],
                "bundleLinks": [
                    {"name": "Luma page", "url": ""},
                    {"name": "Spotify episode", "url": ""},
                ],
            },
        ),
    )
    for name, body in _task_bodies(anchor, engine.today()).items():
        _once(
            engine,
            "tasks",
            TASK_IDS[name],
            partial(tasks.create_task, engine, body, DEMO_ACTOR),
        )
    _load_artifacts(engine)
    load_demo_workflows(engine)


def _task_bodies(anchor: str, today: str) -> dict[str, dict[str, Any]]:
    common = {"bundleId": BUNDLE_ID, "source": "manual", "tags": ["podcast", "demo"]}
    return {
        "prep-doc": {
            **common,
            "description": "Review the guest prep document from the podcast assistant",
            "date": add_days(anchor, -7),
            "proofRequirement": {"type": "artifact", "label": "guest prep document"},
        },
        "episode-page": {
            **common,
            "description": "Publish the episode page on Luma",
            "date": add_days(anchor, -5),
            "requiredLinkName": "Luma page",
            "proofRequirement": {"type": "url", "label": "Luma page"},
        },
        "summary": {
            **common,
            "description": "Write the episode summary for the newsletter",
            "date": add_days(anchor, 1),
            "proofRequirement": {"type": "comment", "label": "episode summary"},
        },
        "invoice": {
            **common,
            "description": "Upload the studio invoice",
            "date": add_days(anchor, 3),
            "requiresFile": True,
            "proofRequirement": {"type": "file", "label": "studio invoice"},
        },
        "recording": {
            **common,
            "description": "Archive the raw recording",
            "date": anchor,
            "proofRequirement": {"type": "artifact", "label": "raw recording"},
        },
        # Waiting on the guest; its follow-up fell due yesterday (a notification says so).
        "release": {
            **common,
            "description": "Get the signed recording release from Dr. Lin",
            "date": add_days(anchor, -10),
            "status": "waiting",
            "waitingFor": "Dr. Lin",
            "followUpAt": f"{add_days(today, -1)}T09:00:00.000Z",
        },
    }


def _load_artifacts(engine: Engine) -> None:
    prep, transcript, recording = (
        ARTIFACT_IDS["prep-doc"],
        ARTIFACT_IDS["transcript"],
        ARTIFACT_IDS["recording"],
    )
    # The assistant's draft: a Google Doc waiting for the operator's review.
    _once(
        engine,
        "artifacts",
        prep,
        lambda: artifacts.register_artifact(
            engine,
            {
                "type": "podcast-doc",
                "title": "Guest prep: Dr. Lin",
                "description": "Background, suggested questions and pronunciation notes.",
                "status": "needs-review",
                "sourceType": "assistant-output",
                "storageUri": "https://docs.google.com/document/d/1demoGuestPrepDrLin/edit",
                "assistantJobId": "podcast-assistant/run-42",
                "contentType": "application/vnd.google-apps.document",
                "dataClass": "internal",
                "tags": ["guest-prep"],
                "metadata": {"model": "podcast-assistant-v3", "promptTokens": 5400},
            },
            ASSISTANT_ACTOR,
        ),
    )
    # Artifacts attached to the bundle count for all of its tasks once approved, so the demo
    # attaches the reviewed outputs to their tasks and only the transcript to the episode.
    _attach_once(engine, prep, {"taskId": TASK_IDS["prep-doc"]})
    # The transcript: a Dropbox file, still a draft.
    _once(
        engine,
        "artifacts",
        transcript,
        lambda: artifacts.register_artifact(
            engine,
            {
                "type": "transcript",
                "title": "Episode 42 transcript (draft)",
                "storageUri": "https://www.dropbox.com/scl/fi/demo42/ep42-transcript.txt?rlkey=demo&dl=0",
                "filename": "ep42-transcript.txt",
                "contentType": "text/plain",
                "sizeBytes": 48213,
                "dataClass": "internal",
            },
            DEMO_ACTOR,
        ),
    )
    _attach_once(engine, transcript, {"bundleId": BUNDLE_ID})
    # The raw recording: a binary DataOps owns (in the configured blob store), approved.
    _once(
        engine,
        "artifacts",
        recording,
        lambda: artifacts.register_artifact(
            engine,
            {
                "type": "recording",
                "title": "Episode 42 raw recording",
                **_stored_recording(engine),
                "filename": "raw.wav",
                "contentType": "audio/wav",
                "sourceType": "manual-upload",
                "dataClass": "private",
            },
            DEMO_ACTOR,
        ),
    )
    _attach_once(engine, recording, {"taskId": TASK_IDS["recording"]})
    stored = engine.store.get("artifacts", recording)
    if stored is not None and stored.get("status") == "draft":
        reviewer = demo_reviewer(engine)["id"]
        artifacts.approve_artifact(engine, recording, {"note": "Levels checked."}, reviewer)


def demo_reviewer(engine: Engine, password: str | None = None) -> Item:
    """The demo's second person (a member), created on first use."""
    found = users.find_by_email(engine, REVIEWER_EMAIL)
    if found is not None:
        return found
    return users.add_user(engine, email=REVIEWER_EMAIL, name="Reviewer", password=password)


def _stored_recording(engine: Engine) -> dict[str, Any]:
    """Put the recording into the blob store: an artifact that points there must name an
    object that exists with the size and checksum it claims."""
    blobs = blobs_of(engine)
    stored = blobs.put(
        RECORDING_KEY,
        io.BytesIO(RECORDING),
        content_type="audio/wav",
        sha256=_RECORDING_SHA256,
    )
    return {
        "storageProvider": blobs.provider.value,
        "storageUri": stored.uri,
        "checksum": stored.checksum,
        "sizeBytes": stored.size,
    }


def _attach_once(engine: Engine, artifact_id: str, targets: dict[str, str]) -> None:
    stored = engine.store.get("artifacts", artifact_id)
    if stored is not None and any(stored.get(name) != value for name, value in targets.items()):
        artifacts.attach_artifact(engine, artifact_id, targets, DEMO_ACTOR)
