"""Where things may live: storage providers, which of them DataOps owns, provider inference
and agreement with the URI, storage URIs and artifact metadata
(docs/api.md#field-rules, docs/storage-policy.md). What counts as signed, a credential or a
secret is model/secrets.py's to decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from dataops.model import jsonvalue, messages
from dataops.model.errors import Invalid
from dataops.model.records import (
    STORAGE_URI_SCHEMES,
    Code,
    Field,
    api_message,
    problems,
    scheme_of,
)
from dataops.model.secrets import holds_secret, is_secret_key


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


def infer_provider(uri: str) -> StorageProvider:
    """Provider from a storage URI (first match wins)."""
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


# --- checks with the contract's messages (docs/api.md#field-rules) --------------------------------

METADATA_MAX_BYTES = 4096


def check_storage_uri(uri: Any, spec: Field) -> None:
    """A non-empty URI with an allowed scheme that names a place, and is neither signed nor
    temporary nor carrying credentials (docs/api.md#artifacts)."""
    if not isinstance(uri, str) or not uri.strip():
        raise Invalid(messages.STORAGE_URI_INVALID)
    for problem in problems([spec], {spec.name: uri}):
        if problem.code is Code.BAD_SCHEME:
            break  # the contract's words follow
        if not problem.code.is_limit:
            raise Invalid(api_message(problem))
    scheme = scheme_of(uri)
    if scheme not in STORAGE_URI_SCHEMES:
        raise Invalid(messages.URI_SCHEME.format(field=spec.name))
    rest = uri.strip()[len(scheme) + 1 :]
    if not rest.startswith("//") or not rest[2:].split("/", 1)[0].split("?", 1)[0]:
        raise Invalid(messages.STORAGE_URI_NO_LOCATION)


_PROVIDER_SCHEMES = {StorageProvider.S3: "s3", StorageProvider.LOCAL_DEV: "local-dev"}


def check_provider_agrees(provider: str, uri: str) -> None:
    """`s3` <-> `s3://` and `local-dev` <-> `local-dev://`, both ways (docs/api.md#field-rules):
    a local file cannot pass as `unknown`, and an `s3` record always names an object."""
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
            if isinstance(value, str) and holds_secret(value):
                raise Invalid(messages.SECRET_VALUE.format(path=here))
            if isinstance(value, Mapping | list):
                stack.append((here, value))
