"""Where to go after login: only a path of the portal itself, so a link that carries `next`
can never send a person who just logged in to another site (no open redirect)."""

from __future__ import annotations

import urllib.parse

HOME = "/work"
_LOOPS = ("/login", "/logout")
_MAX_LENGTH = 2048


def safe_next(raw: str | None) -> str:
    """`raw` when it is a local path (`/work/...`), else the home page."""
    if not raw or len(raw) > _MAX_LENGTH:
        return HOME
    # Browsers read `\` as `/` and drop tabs and newlines, so `/\evil.example` and `/\t/evil`
    # lead off-site; any such character, or a control character, disqualifies the value.
    if any(char == "\\" or ord(char) < 0x20 or ord(char) == 0x7F for char in raw):
        return HOME
    if not raw.startswith("/") or raw.startswith("//"):
        return HOME
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme or parts.netloc:
        return HOME
    decoded = urllib.parse.unquote(parts.path)
    if decoded.startswith(("//", "/\\")) or any(decoded == loop for loop in _LOOPS):
        return HOME
    return raw
