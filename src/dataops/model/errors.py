"""The one error hierarchy. Every error carries the contract's message; the API maps the type to
an HTTP status, the CLI to an exit code."""

from __future__ import annotations


class DataOpsError(Exception):
    """Base class: `message` is the exact text clients see."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(DataOpsError):
    """Bad input (400)."""


class Unauthorized(DataOpsError):
    """No or bad credentials (401)."""


class Forbidden(DataOpsError):
    """Authenticated, but not allowed (403)."""


class NotFound(DataOpsError):
    """The record or route does not exist (404)."""


class MethodNotAllowed(DataOpsError):
    """The route exists, the method does not (405)."""


class Conflict(DataOpsError):
    """The request contradicts the current state (409)."""


class PreconditionFailed(DataOpsError):
    """`If-Match` named a stale version (412)."""


class TooLarge(DataOpsError):
    """Body or file over its limit (413)."""


class TooManyRequests(DataOpsError):
    """Throttled (429); `retry_after` is the whole seconds until trying again makes sense."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(DataOpsError):
    """A backing service (binary storage) cannot serve the request right now (503)."""
