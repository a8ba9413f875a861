"""Hand-built multipart/form-data bodies, byte for byte, so tests control exactly what a client
sends (control characters in filenames, missing boundaries, truncated bodies)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

BOUNDARY = "dataops-test-boundary-7MA4YWxkTrZu0gW"


@dataclass(frozen=True)
class Part:
    """One part: a text field (`filename=None`) or a file part."""

    name: str
    content: bytes
    filename: bytes | str | None = None
    content_type: str | None = None

    def encode(self) -> bytes:
        disposition = f'Content-Disposition: form-data; name="{self.name}"'.encode()
        if self.filename is not None:
            raw = self.filename if isinstance(self.filename, bytes) else self.filename.encode()
            disposition += b'; filename="' + raw + b'"'
        lines = [disposition]
        if self.content_type is not None:
            lines.append(f"Content-Type: {self.content_type}".encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.content


def field(name: str, value: str) -> Part:
    return Part(name, value.encode())


def file_part(
    content: bytes,
    filename: bytes | str = "invoice.pdf",
    content_type: str | None = "application/pdf",
    name: str = "file",
) -> Part:
    return Part(name, content, filename, content_type)


def body(parts: Iterable[Part], boundary: str = BOUNDARY, *, closed: bool = True) -> bytes:
    """The encoded body; `closed=False` leaves out the closing delimiter (a truncated upload)."""
    delimiter = f"--{boundary}".encode()
    out = b"".join(delimiter + b"\r\n" + part.encode() + b"\r\n" for part in parts)
    return out + (delimiter + b"--\r\n" if closed else b"")


def content_type(boundary: str = BOUNDARY) -> str:
    return f"multipart/form-data; boundary={boundary}"


def headers(boundary: str = BOUNDARY) -> dict[str, str]:
    return {"content-type": content_type(boundary)}


def stored_blobs(root: Path) -> list[str]:
    """Every file under the blob directory, as paths relative to it (partial files included)."""
    if not root.exists():
        return []
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
