"""Every contract message the code can produce is asserted, literally, by some test."""

from __future__ import annotations

import re
from pathlib import Path

from dataops.model import messages

TESTS = Path(__file__).parent


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]*\}", template)
    return re.compile(".+?".join(re.escape(part) for part in parts))


def test_every_message_is_asserted_by_a_test() -> None:
    sources = "\n".join(
        path.read_text() for path in TESTS.rglob("*.py") if path.name != "test_messages.py"
    )
    sources += "\n".join(path.read_text() for path in (TESTS.parent / "examples").glob("*"))
    templates = {
        name: value
        for name, value in vars(messages).items()
        if name.isupper() and isinstance(value, str)
    }
    unasserted = [
        f"{name}: {template!r}"
        for name, template in templates.items()
        if not _pattern(template).search(sources)
    ]
    assert not unasserted, "messages never asserted by a test:\n" + "\n".join(unasserted)
