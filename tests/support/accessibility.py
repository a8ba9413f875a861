"""Accessibility checks in the browser tests: the vendored axe-core (tests/support/axe/) runs
in the page as it stands and the test fails on any serious or critical violation, listing each
rule with the elements it found.

axe is evaluated through the browser's debugging protocol, which the page's strict
Content-Security-Policy does not govern: the page keeps the very policy it is served with.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "axe" / "axe.min.js"
BLOCKING = ("serious", "critical")

_RUN = """async (blocking) => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => blocking.includes(v.impact))
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary),
    }));
}"""


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical violations of the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_source())
    found: list[dict[str, Any]] = page.evaluate(_RUN, list(BLOCKING))
    return found


def assert_accessible(page: Any, where: str = "") -> None:
    found = violations(page)
    lines = [
        f"{v['impact']} {v['id']} ({v['help']}):\n    " + "\n    ".join(v["nodes"]) for v in found
    ]
    assert not found, f"axe found on {where or page.url}:\n" + "\n".join(lines)
