"""A refusal whose form is not on the page it leads back to (the row was archived or removed
meanwhile, or the visitor may not see that form): the page shows it at its top instead, so no
engine message is ever lost."""

from __future__ import annotations

from collections.abc import Iterable

from dataops.portal.ui.kit import Failure


def unplaced(failure: Failure | None, forms: Iterable[str]) -> Failure | None:
    """`failure` when none of the page's `forms` shows it, else None."""
    if failure is None or failure.form in set(forms):
        return None
    return failure
