"""Where things may live, as rules on URIs: scheme allow-lists, signed and temporary URL
detection, provider inference and agreement, and secret-like metadata keys (api-contract.md
5.1, 10.13, 10.14). The API, the validator and the UI all judge URIs here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from dataops.model import jsonvalue, messages
from dataops.model.errors import Invalid


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
    # OAuth implicit-flow tokens travel in the fragment (`#access_token=...`).
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    pairs += parse_qsl(parts.fragment, keep_blank_values=True)
    params = {_normal_param(name) for name, _ in pairs}
    if params & _SIGNING_PARAMS:
        return True
    # Azure SAS: an expiry together with permissions or a service version.
    return "se" in params and bool(params & {"sp", "sv"})


def contains_signed_url(text: str) -> bool:
    """Any URL inside free text that is signed or tokenized."""
    return any(is_signed_or_temporary(url) for url in re.findall(r"[A-Za-z][\w+.-]*://\S+", text))


# A signing parameter written out in text without a full URL (`?X-Amz-Signature=...`).
_SIGNING_ASSIGNMENT = re.compile(
    r"(?:^|[?&#;\s])(?:x[-_]amz[-_](?:signature|credential|security[-_]token)"
    r"|x[-_]goog[-_](?:signature|credential)|signature|sig|access[-_]token|token)=",
    re.IGNORECASE,
)


def is_signed_text(text: str) -> bool:
    """Free text (a metadata value) that carries a signed URL or a token assignment."""
    if "://" not in text and "=" not in text:
        return False  # neither a URL nor an assignment: most text, answered without a regex
    return contains_signed_url(text) or bool(_SIGNING_ASSIGNMENT.search(text))


_SECRET_WORDS = frozenset(
    {
        "secret",
        "secrets",
        "token",
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
    if last in ("url", "urls") and len(words) >= 2 and words[-2] == "signed":
        return True
    joined = "".join(words)
    return joined in ("apikey", "signedurl", "privatekey", "accesskey", "secretkey")


# --- checks with the contract's messages (10.13, 10.14) ----------------------------------------

METADATA_MAX_BYTES = 4096


def check_storage_uri(uri: Any) -> None:
    """A non-empty URI with an allowed scheme that names a place, and is neither signed nor
    temporary (api-contract.md 5.2 rule 6 and 10.13)."""
    if not isinstance(uri, str) or not uri.strip():
        raise Invalid(messages.STORAGE_URI_INVALID)
    scheme = scheme_of(uri)
    if scheme not in STORAGE_URI_SCHEMES:
        raise Invalid(messages.STORAGE_URI_SCHEME)
    rest = uri.strip()[len(scheme) + 1 :]
    if not rest.startswith("//") or not rest[2:].split("/", 1)[0].split("?", 1)[0]:
        raise Invalid(messages.STORAGE_URI_NO_LOCATION)
    if is_signed_or_temporary(uri):
        raise Invalid(messages.LINK_SIGNED.format(field="storageUri"))


_PROVIDER_SCHEMES = {StorageProvider.S3: "s3", StorageProvider.LOCAL_DEV: "local-dev"}


def check_provider_agrees(provider: str, uri: str) -> None:
    """`s3` <-> `s3://` and `local-dev` <-> `local-dev://`, both ways (10.13): a local file cannot
    pass as `unknown`, and an `s3` record always names an object."""
    scheme = scheme_of(uri)
    for owned, owned_scheme in _PROVIDER_SCHEMES.items():
        if (provider == owned) != (scheme == owned_scheme):
            raise Invalid(messages.STORAGE_PROVIDER_MISMATCH.format(provider=provider))


def _path(parent: str, key: str | int) -> str:
    return f"{parent}[{key}]" if isinstance(key, int) else f"{parent}.{key}"


def check_metadata(metadata: Any) -> None:
    """5.2 rule 12 with 10.14: an object of at most 4,096 bytes of UTF-8 JSON, without
    secret-like keys or signed URLs anywhere (nested objects and arrays included).

    Traversal follows the contract: the current container's entries in order, nested containers
    pushed on a stack and visited last-in first-out, so the first failure is deterministic.
    """
    if not isinstance(metadata, Mapping):
        raise Invalid(messages.METADATA_NOT_OBJECT)
    if len(jsonvalue.dumps(metadata)) > METADATA_MAX_BYTES:
        raise Invalid(messages.METADATA_TOO_LARGE)
    stack: list[tuple[str, Any]] = [("metadata", metadata)]
    while stack:
        path, container = stack.pop()
        entries: list[tuple[str | int, Any]] = (
            list(container.items())
            if isinstance(container, Mapping)
            else list(enumerate(container))
        )
        for key, value in entries:
            here = _path(path, key)
            if isinstance(key, str) and is_secret_key(key):
                raise Invalid(messages.METADATA_SECRET_KEY.format(path=here))
            if isinstance(value, str) and is_signed_text(value):
                raise Invalid(messages.METADATA_SIGNED_VALUE.format(path=here))
            if isinstance(value, Mapping | list):
                stack.append((here, value))
