"""A small client of the engine's HTTP API, for commands that run on another machine than the
engine: an assistant registers its outputs through the public entry point (the portal's
`/work/api`, or an engine's `/api`) as a service, with the token in `DATAOPS_SERVICE_TOKEN`.

An output goes up as a direct upload (docs/api.md#artifacts): the engine hands out a presigned PUT
for exactly the file's size and SHA-256, the bytes go straight to the blob store, and the
registration then verifies them before it records the artifact. Standard library only: the
command needs no HTTP dependency of its own.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from dataops.engine.artifact_binaries import AssistantOutput, open_output, read_output
from dataops.model import messages
from dataops.model.errors import DataOpsError

TIMEOUT_SECONDS = 60


class RemoteError(DataOpsError):
    """The remote engine refused, or could not be reached; nothing more was sent."""


@dataclass(frozen=True)
class RemoteEngine:
    """The engine's API under `base_url` (`https://portal.example/work` reaches
    `/work/api/...`; `http://127.0.0.1:8000` reaches `/api/...`)."""

    base_url: str
    token: str

    @classmethod
    def connect(cls, url: str, token: str | None) -> RemoteEngine:
        parsed = urllib.parse.urlsplit(url.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise RemoteError(messages.REMOTE_URL_INVALID.format(url=url))
        if not token:
            raise RemoteError(messages.REMOTE_TOKEN_MISSING)
        return cls(url.strip().rstrip("/"), token)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                answer: dict[str, Any] = json.load(response)
                return answer
        except urllib.error.HTTPError as exc:
            raise RemoteError(
                messages.REMOTE_REFUSED.format(
                    url=self.base_url, status=exc.code, error=_error_text(exc)
                )
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RemoteError(
                messages.REMOTE_UNREACHABLE.format(url=self.base_url, reason=reason)
            ) from None


def _error_text(exc: urllib.error.HTTPError) -> str:
    """The engine's `{"error": ...}`, or the start of whatever else answered (a proxy's page)."""
    raw = exc.read(4096)
    try:
        error = json.loads(raw).get("error")
    except (ValueError, AttributeError):
        error = None
    return error if isinstance(error, str) else raw.decode("utf-8", "replace")[:200] or exc.reason


def _put_binary(url: str, headers: dict[str, str], source: BinaryIO, size: int) -> None:
    """The bytes to the presigned URL, streamed (never read into memory at once)."""
    request = urllib.request.Request(
        url, data=source, method="PUT", headers={**headers, "Content-Length": str(size)}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):
            pass
    except urllib.error.HTTPError as exc:
        raise RemoteError(messages.REMOTE_UPLOAD_FAILED.format(status=exc.code)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RemoteError(messages.REMOTE_UPLOAD_FAILED.format(status=reason)) from None


def register_output(remote: RemoteEngine, path: Path, output: AssistantOutput) -> dict[str, Any]:
    """The remote twin of engine/artifact_binaries.register_output: the same artifact, with the
    service as `createdBy`, the bytes sent to the presigned URL the engine hands out."""
    with open_output(path) as source:
        read = read_output(path, source)
        upload = remote.post(
            "/api/artifacts/uploads",
            {
                "filename": read.filename,
                "contentType": read.content_type,
                "sizeBytes": read.size,
                "checksum": read.checksum,
            },
        )["upload"]
        _put_binary(upload["url"], upload["headers"], source, read.size)
    body = {"uploadId": upload["id"], **output.fields()}
    artifact: dict[str, Any] = remote.post("/api/artifacts", body)["artifact"]
    return artifact
