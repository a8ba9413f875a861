"""Fixity: every DataOps-owned binary checked against the records that name it
(docs/data-safety.md#fixity), and the completion receipts that name a binary that no longer
verifies.

A binary is DataOps-owned when a file record, or an artifact record, names an object inside the
configured blob store. The default check compares each object with the record's size and
SHA-256: a local file is hashed (reading a local disk is cheap); an S3 object is asked for its
size and the SHA-256 S3 stored with it (a HEAD, no transfer). `deep` re-reads S3 bytes too (and
objects S3 keeps no whole-object SHA-256 for are then hashed instead of only measured). Objects
no record names are listed as orphans (the store's temporaries and direct uploads in progress
are not). Records and objects are streamed; memory holds one entry per owned binary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dataops.blobs.base import BlobInfo, BlobMissingError, BlobStore
from dataops.engine.context import Engine
from dataops.model.tasks import TaskStatus
from dataops.model.uploads import parse_sha256_checksum


class Finding(StrEnum):
    MISSING = "missing"  # a record names an object that is not there
    CHANGED = "changed"  # the object's size or SHA-256 differs from the record's
    ORPHANED = "orphaned"  # an object no record names


@dataclass(frozen=True)
class Claim:
    """What one record says about one object."""

    record: str  # "file <id>" or "artifact <id>"
    size: int | None
    sha256: str | None  # hex


@dataclass
class Binary:
    key: str
    uri: str
    claims: list[Claim] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    finding: Finding
    uri: str
    detail: str
    records: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "finding": self.finding.value,
            "uri": self.uri,
            "records": list(self.records),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class BrokenReceipt:
    """A done task whose completion receipt names a binary that no longer verifies."""

    task_id: str
    record: str
    finding: Finding

    def as_json(self) -> dict[str, Any]:
        return {"taskId": self.task_id, "record": self.record, "finding": self.finding.value}


@dataclass
class FixityReport:
    checked: int = 0
    bytes_checked: int = 0
    deep: bool = False
    # Objects whose size could be compared but for which the store keeps no SHA-256 (S3
    # multipart uploads made elsewhere): verified by size only, unless `deep`.
    size_only: int = 0
    problems: list[Problem] = field(default_factory=list)
    receipts: list[BrokenReceipt] = field(default_factory=list)

    def count(self, finding: Finding) -> int:
        return sum(1 for problem in self.problems if problem.finding is finding)

    @property
    def holds(self) -> bool:
        """Every record holds: nothing missing or changed, no receipt broken (orphans are
        listed, but no record is wrong because of them)."""
        return not self.receipts and not any(
            problem.finding is not Finding.ORPHANED for problem in self.problems
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "holds": self.holds,
            "deep": self.deep,
            "checked": self.checked,
            "bytesChecked": self.bytes_checked,
            "sizeOnly": self.size_only,
            "missing": self.count(Finding.MISSING),
            "changed": self.count(Finding.CHANGED),
            "orphaned": self.count(Finding.ORPHANED),
            "problems": [problem.as_json() for problem in self.problems],
            "receipts": [receipt.as_json() for receipt in self.receipts],
        }


def _hex(checksum: Any) -> str | None:
    return parse_sha256_checksum(checksum) if isinstance(checksum, str) else None


def _size(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def owned_binaries(engine: Engine, blobs: BlobStore) -> dict[str, Binary]:
    """Every object the records name inside the blob store, by key, with each record's claim."""
    found: dict[str, Binary] = {}
    for table, kind in (("files", "file"), ("artifacts", "artifact")):
        for record in engine.store.scan(table):
            uri = record.get("storageUri")
            if not isinstance(uri, str) or not blobs.contains(uri):
                continue
            key = blobs.key_for(uri) or uri
            binary = found.setdefault(key, Binary(key, uri))
            binary.claims.append(
                Claim(
                    f"{kind} {record['id']}",
                    _size(record.get("sizeBytes")),
                    _hex(record.get("checksum")),
                )
            )
    return found


def _hash_object(blobs: BlobStore, key: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for chunk in blobs.open(key).chunks():
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _observe(blobs: BlobStore, key: str, deep: bool) -> tuple[int, str | None] | None:
    """(size, SHA-256 hex or None when unknown) of the object, or None when it is missing."""
    if not blobs.remote or deep:
        try:
            return _hash_object(blobs, key)
        except BlobMissingError:
            return None
    info = blobs.head(key)
    if info is None:
        return None
    return info.size, info.sha256


def _judge(binary: Binary, observed: tuple[int, str | None]) -> list[str]:
    size, sha256 = observed
    differences: list[str] = []
    for claim in binary.claims:
        if claim.size is not None and claim.size != size:
            differences.append(f"{claim.record} says {claim.size} bytes, the object has {size}")
        if claim.sha256 is not None and sha256 is not None and claim.sha256 != sha256:
            differences.append(
                f"{claim.record} says sha256:{claim.sha256}, the object has sha256:{sha256}"
            )
    return differences


def _orphans(engine: Engine, blobs: BlobStore, owned: Mapping[str, Binary]) -> Iterator[BlobInfo]:
    in_progress = {
        str(session["key"]) for session in engine.store.scan("uploads") if session.get("key")
    }
    for info in blobs.list_objects():
        if (
            info.key not in owned
            and info.key not in in_progress
            and not blobs.is_temporary(info.key)
        ):
            yield info


def verify_blobs(
    engine: Engine,
    *,
    deep: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> FixityReport:
    """Check every owned binary (`progress(done, total)` after each), list orphans, and name the
    receipts of done tasks that rely on a binary that failed."""
    blobs = engine.blobs
    report = FixityReport(deep=deep)
    if blobs is None:
        return report
    owned = owned_binaries(engine, blobs)
    failed: dict[str, Finding] = {}
    for done, binary in enumerate(owned.values(), 1):
        observed = _observe(blobs, binary.key, deep)
        records = tuple(claim.record for claim in binary.claims)
        if observed is None:
            report.problems.append(
                Problem(Finding.MISSING, binary.uri, "no object under this key", records)
            )
            failed.update(dict.fromkeys(records, Finding.MISSING))
        else:
            report.checked += 1
            report.bytes_checked += observed[0]
            if observed[1] is None:
                report.size_only += 1
            differences = _judge(binary, observed)
            if differences:
                report.problems.append(
                    Problem(Finding.CHANGED, binary.uri, "; ".join(differences), records)
                )
                failed.update(dict.fromkeys(records, Finding.CHANGED))
        if progress is not None:
            progress(done, len(owned))
    for info in _orphans(engine, blobs, owned):
        report.problems.append(
            Problem(
                Finding.ORPHANED, blobs.uri_for(info.key), f"{info.size} bytes; no record names it"
            )
        )
    order = list(Finding)
    report.problems.sort(key=lambda problem: (order.index(problem.finding), problem.uri))
    if failed:
        report.receipts = sorted(
            _broken_receipts(engine, failed), key=lambda r: (r.task_id, r.record)
        )
    return report


def _receipt_records(receipt: Mapping[str, Any]) -> Iterator[str]:
    for entry in receipt.get("requirements") or ():
        if not isinstance(entry, Mapping):
            continue
        for item in entry.get("artifacts") or ():
            if isinstance(item, Mapping) and isinstance(item.get("artifactId"), str):
                yield f"artifact {item['artifactId']}"
        for item in entry.get("files") or ():
            if isinstance(item, Mapping) and isinstance(item.get("fileId"), str):
                yield f"file {item['fileId']}"


def _broken_receipts(engine: Engine, failed: Mapping[str, Finding]) -> Iterator[BrokenReceipt]:
    """Done tasks (through GSI-Status) whose receipts name a record whose binary failed."""
    cursor: str | None = None
    while True:
        page = engine.store.query(
            "tasks", "GSI-Status", TaskStatus.DONE.value, limit=500, cursor=cursor
        )
        for task in page.items:
            receipt = task.get("completionProof")
            if not isinstance(receipt, Mapping):
                continue
            for record in dict.fromkeys(_receipt_records(receipt)):
                if record in failed:
                    yield BrokenReceipt(task["id"], record, failed[record])
        cursor = page.next_cursor
        if not cursor:
            return
