"""Cross-site request forgery: a write that a session cookie authenticates must come from the
portal's own pages. Browsers send `Origin` with every such write, and it must be the portal's
origin; a client that sends no `Origin` (a script with a cookie jar) proves itself with the
`X-CSRF-Token` header instead, which only the session's own pages show (an HMAC of the session
id, so nothing is stored). Requests that only read, and bearer-token requests, need neither."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from starlette.datastructures import Headers

CSRF_HEADER = "x-csrf-token"
# The same token in a form field, for pages' own forms when a browser withholds `Origin`.
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfGuard:
    """Knows the portal's origins and derives each session's token from the portal secret, so
    every portal instance of a deployment agrees on it."""

    def __init__(self, origins: Iterable[str], secret: str) -> None:
        self.origins = frozenset(origins)
        self._key = hmac.new(secret.encode(), b"dataops portal csrf", hashlib.sha256).digest()

    def token(self, session_id: str) -> str:
        mac = hmac.new(self._key, session_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def passes(
        self, method: str, headers: Headers, session_id: str, form_token: str | None = None
    ) -> bool:
        """Whether a request authenticated by `session_id`'s cookie may do what it asks."""
        if method.upper() in SAFE_METHODS:
            return True
        origins = headers.getlist("origin")
        if origins:
            return len(origins) == 1 and origins[0] in self.origins
        tokens = headers.getlist(CSRF_HEADER)
        offered = tokens[0] if len(tokens) == 1 else form_token if not tokens else None
        return offered is not None and hmac.compare_digest(
            offered.encode(), self.token(session_id).encode()
        )
