"""Where things may live, as rules on URIs: scheme allow-lists, signed and temporary URL
detection, provider inference and agreement, and secret-like metadata keys (api-contract.md
5.1, 10.13, 10.14). The API, the validator and the UI all judge URIs here.
"""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import parse_qsl, urlsplit


class StorageProvider(StrEnum):
    S3 = "s3"
    DROPBOX = "dropbox"
    GOOGLE_DRIVE = "google-drive"
    GITHUB = "github"
    EXTERNAL_URL = "external-url"
    LOCAL_DEV = "local-dev"
    UNKNOWN = "unknown"


# Providers whose binaries DataOps owns: a checksum is required, downloads go through us.
OWNED_PROVIDERS = frozenset({StorageProvider.S3, StorageProvider.LOCAL_DEV})
STORAGE_URI_SCHEMES = ("https", "http", "s3", "local-dev")
LINK_SCHEMES = ("https", "http")

# Query parameter names that make a URL signed or tokenized, normalised (lower case, `-` as `_`).
_SIGNING_PARAMS = frozenset(
    {
        "x_amz_signature",
        "x_amz_credential",
        "x_amz_security_token",
        "x_goog_signature",
        "x_goog_credential",
        "signature",
        "sig",
        "token",
        "access_token",
    }
)
_TEMPORARY_HOSTS = ("dl.dropboxusercontent.com",)
_TEMPORARY_HOST_SUFFIXES = (".googleusercontent.com",)


def infer_provider(uri: str) -> StorageProvider:
    """Provider from a storage URI (first match wins, api-contract.md 5.1)."""
    if uri.startswith("s3://"):
        return StorageProvider.S3
    if uri.startswith("local-dev://"):
        return StorageProvider.LOCAL_DEV
    if "github.com" in uri:
        return StorageProvider.GITHUB
    if "dropbox.com" in uri:
        return StorageProvider.DROPBOX
    if "drive.google.com" in uri or "docs.google.com" in uri:
        return StorageProvider.GOOGLE_DRIVE
    if re.match(r"^https?://", uri, re.IGNORECASE):
        return StorageProvider.EXTERNAL_URL
    return StorageProvider.UNKNOWN


def scheme_of(uri: str) -> str:
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", uri.strip())
    return match[1].lower() if match else ""


def _normal_param(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def is_signed_or_temporary(uri: str) -> bool:
    """A URL that stops working or grants access by itself: never stored (10.13)."""
    try:
        parts = urlsplit(uri.strip())
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if host in _TEMPORARY_HOSTS or host.endswith(_TEMPORARY_HOST_SUFFIXES):
        return True
    params = {_normal_param(name) for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if params & _SIGNING_PARAMS:
        return True
    # Azure SAS: an expiry together with permissions or a service version.
    return "se" in params and bool(params & {"sp", "sv"})


def contains_signed_url(text: str) -> bool:
    """Any URL inside free text that is signed or tokenized."""
    return any(is_signed_or_temporary(url) for url in re.findall(r"[A-Za-z][\w+.-]*://\S+", text))


_SECRET_WORDS = frozenset(
    {
        "secret",
        "secrets",
        "token",
        "tokens",
        "password",
        "passwords",
        "passwd",
        "credential",
        "credentials",
        "cookie",
        "cookies",
        "authorization",
        "signature",
        "passphrase",
    }
)
_KEY_QUALIFIERS = frozenset({"api", "private", "secret", "access", "signing"})


def key_words(key: str) -> list[str]:
    """`accessToken` -> [access, token]; `api_key`, `client-secret`, `X-API-KEY` alike."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [word.lower() for word in re.split(r"[\s_\-.]+", spaced) if word]


def is_secret_key(key: str) -> bool:
    """Judged by the last word (10.14): `accessToken` fails, `tokenCount` passes."""
    words = key_words(key)
    if not words:
        return False
    last = words[-1]
    if last in _SECRET_WORDS:
        return True
    if last in ("key", "keys") and len(words) >= 2:
        return words[-2] in _KEY_QUALIFIERS
    joined = "".join(words)
    return joined in ("apikey", "signedurl", "privatekey", "accesskey", "secretkey")
