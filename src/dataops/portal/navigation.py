"""The navigation every page shows, in one list: a part of the UI that adds a page adds one line
here (and its module to `ui/__init__.py`). An item whose page is not served (yet) is left out,
so the navigation never links to a missing page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str

    def is_current(self, path: str, items: Iterable[NavItem]) -> bool:
        """Whether `path` belongs to this item: the longest item path it starts with."""
        owners = [item for item in items if path == item.path or path.startswith(item.path + "/")]
        return bool(owners) and max(owners, key=lambda item: len(item.path)) == self


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Work", "/work"),
    NavItem("Workflows", "/work/workflows"),
    NavItem("Review", "/work/review"),
    NavItem("Templates", "/work/templates"),
    NavItem("Recurring", "/work/recurring"),
    NavItem("Team", "/work/team"),
)


def served(items: Iterable[NavItem], paths: Iterable[str]) -> tuple[NavItem, ...]:
    """The items whose page is among the served GET `paths`."""
    available = set(paths)
    return tuple(item for item in items if item.path in available)
