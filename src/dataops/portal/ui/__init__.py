"""The operator UI under `/work`: one module per area, each exposing `routes: list[Route]`.
A part of the UI adds its module to `MODULES` (one line) and its page to
`dataops.portal.navigation.NAVIGATION` (one line)."""

from __future__ import annotations

from types import ModuleType

from starlette.routing import Route

from dataops.portal.ui import (
    artifacts,
    home,
    notifications,
    recurring,
    review,
    tasks,
    team,
    template_editor,
    workflow_list,
    workflows,
)

MODULES: tuple[ModuleType, ...] = (
    workflow_list,
    workflows,
    tasks,
    artifacts,
    template_editor,
    recurring,
    team,
    home,
    review,
    notifications,
)


def routes() -> list[Route]:
    """Every page and form handler of the UI's modules."""
    found: list[Route] = []
    for module in MODULES:
        found.extend(module.routes)
    return found
