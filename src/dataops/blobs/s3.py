"""The S3 blob store: DataOps-owned binaries in a private bucket, as `s3://<bucket>/<key>`.

The engine hashes every byte it sends and sends the SHA-256 along (`ChecksumSHA256`), so S3
refuses bytes that changed on the way; streams above one part go up as a multipart upload whose
whole-object SHA-256 we compute ourselves (S3 only keeps a checksum of checksums for those),
and a failed multipart upload is aborted so no parts are left behind. Downloads and direct
uploads use presigned URLs made per request with a short expiry: they are handed to the client
and never stored or logged. The endpoint comes from boto3's own variables (`AWS_ENDPOINT_URL`,
`AWS_ENDPOINT_URL_S3`), so an emulator needs no code here.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

from dataops.blobs.base import (
    CHUNK_SIZE,
    BlobInfo,
    BlobMissingError,
    BlobReader,
    BlobStore,
    ChecksumMismatchError,
    PresignedUpload,
    StoredBlob,
    check_key,
)
from dataops.model import messages
from dataops.model.errors import ServiceUnavailable
from dataops.model.files import content_disposition
from dataops.model.storage_policy import StorageProvider

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("dataops.blobs.s3")
_Method = TypeVar("_Method", bound=Callable[..., Any])

# S3 wants parts of at least 5 MiB (but the last) and at most 10,000 of them.
MIN_PART_SIZE = 5 * 1024 * 1024
DEFAULT_PART_SIZE = 8 * 1024 * 1024
MAX_PARTS = 10_000
# Parts grow by one base size every this many parts, so 10,000 parts reach far past any upload
# (440 GB at 8 MiB) while small files keep small parts.
_PARTS_PER_STEP = 1_000
# Directly uploaded objects carry this tag until a record references them; the bucket's
# lifecycle rule expires tagged objects, so abandoned uploads do not accumulate.
PENDING_TAG_KEY = "dataops-upload"
PENDING_TAG = f"{PENDING_TAG_KEY}=pending"
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def b64_sha256(sha256_hex: str) -> str:
    """The `x-amz-checksum-sha256` form of a hex digest: base64 of the 32 raw bytes."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")


def hex_sha256(b64_digest: str) -> str | None:
    """The hex digest of an `x-amz-checksum-sha256` value; None for anything else."""
    try:
        raw = base64.b64decode(b64_digest, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 32 else None


def whole_object_sha256(head: dict[str, Any]) -> str | None:
    """The object's SHA-256 as S3 reports it, only when it covers the whole object.

    A multipart object's checksum is a checksum of its parts' checksums (`COMPOSITE`, with a
    `-<parts>` suffix on real S3): not the SHA-256 of the bytes, so it is never used as one.
    """
    value = head.get("ChecksumSHA256")
    if not isinstance(value, str) or "-" in value:
        return None
    checksum_type = head.get("ChecksumType")
    if checksum_type is None and "-" in str(head.get("ETag", "")):
        return None
    if checksum_type not in (None, "FULL_OBJECT"):
        return None
    return hex_sha256(value)


def _read_up_to(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes; fewer only at the end of the stream (reads may return short)."""
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        data = stream.read(min(remaining, CHUNK_SIZE))
        if not data:
            break
        chunks.append(data)
        remaining -= len(data)
    return b"".join(chunks)


def _unavailable_on_aws_errors(method: _Method) -> _Method:
    """S3 that cannot be reached or refuses us (credentials, bucket, throttling) is a 503 for
    the client, not a crash; the log names the failure, never a URL."""

    @functools.wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return method(*args, **kwargs)
        except (BotoCoreError, ClientError) as exc:
            reason = type(exc).__name__
            if isinstance(exc, ClientError):
                reason = str(exc.response.get("Error", {}).get("Code", "")) or reason
            log.error("S3 %s failed: %s", method.__name__, reason)
            raise ServiceUnavailable(messages.BINARY_STORAGE_UNAVAILABLE) from None

    return cast(_Method, guarded)


def _is_missing(exc: Exception) -> bool:
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return False
    error = exc.response.get("Error", {})
    return str(error.get("Code", "")) in _MISSING_CODES


def s3_client(region: str = "") -> S3Client:
    """A client signing with SigV4 (presigned URLs then carry `X-Amz-Signature`, and checksum
    and content headers are signed), endpoint and credentials from the usual variables."""
    import boto3
    from botocore.config import Config

    config = Config(signature_version="s3v4", retries={"mode": "standard", "max_attempts": 5})
    return boto3.client("s3", region_name=region or None, config=config)


class S3BlobStore(BlobStore):
    """Objects under `<prefix>/<key>` of one bucket; the record's URI names bucket and full key."""

    provider = StorageProvider.S3
    remote = True

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: S3Client | None = None,
        region: str = "",
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.part_size = part_size
        self._client = client if client is not None else s3_client(region)

    # --- naming ----------------------------------------------------------------------------

    def object_key(self, key: str) -> str:
        """The S3 key of an engine key: below the configured prefix."""
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri_for(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.object_key(key)}"

    def key_for(self, uri: str) -> str | None:
        """Engine keys under this bucket and prefix only: any other bucket, prefix or shape of
        key names nothing this store serves."""
        start = f"s3://{self.bucket}/" + (f"{self.prefix}/" if self.prefix else "")
        if not uri.startswith(start):
            return None
        key = uri.removeprefix(start)
        try:
            return check_key(key)
        except ValueError:
            return None

    def contains(self, uri: str) -> bool:
        """Every key below the prefix, however spelled. Scheme and bucket are compared without
        case (S3 has no upper-case bucket names, so `S3://Bucket/...` can only mean ours);
        keys are case-sensitive, so another case of the prefix is another place."""
        scheme, separator, rest = uri.partition("://")
        if not separator or scheme.lower() != "s3":
            return False
        bucket, _, key = rest.partition("/")
        if bucket.lower() != self.bucket.lower():
            return False
        return not self.prefix or key.startswith(f"{self.prefix}/")

    # --- writes ----------------------------------------------------------------------------

    @_unavailable_on_aws_errors
    def put(
        self, key: str, stream: BinaryIO, *, content_type: str, sha256: str | None = None
    ) -> StoredBlob:
        check_key(key)
        first = _read_up_to(stream, self.part_size)
        second = _read_up_to(stream, self.part_size) if len(first) == self.part_size else b""
        if not second:
            return self._put_whole(key, first, content_type, sha256)
        return self._put_multipart(key, [first, second], stream, content_type, sha256)

    def _put_whole(
        self, key: str, data: bytes, content_type: str, expected: str | None
    ) -> StoredBlob:
        digest = hashlib.sha256(data).hexdigest()
        if expected is not None and digest != expected:
            raise ChecksumMismatchError(key)
        self._client.put_object(
            Bucket=self.bucket,
            Key=self.object_key(key),
            Body=data,
            ContentType=content_type,
            ChecksumSHA256=b64_sha256(digest),
        )
        return StoredBlob(key, self.uri_for(key), len(data), digest)

    def _part_size(self, number: int) -> int:
        return self.part_size * (1 + (number - 1) // _PARTS_PER_STEP)

    def _put_multipart(
        self,
        key: str,
        first_parts: list[bytes],
        stream: BinaryIO,
        content_type: str,
        expected: str | None,
    ) -> StoredBlob:
        object_key = self.object_key(key)
        upload_id = self._client.create_multipart_upload(
            Bucket=self.bucket,
            Key=object_key,
            ContentType=content_type,
            ChecksumAlgorithm="SHA256",
        )["UploadId"]
        try:
            whole = hashlib.sha256()
            size = 0
            completed: list[dict[str, Any]] = []
            pending = list(first_parts)
            while pending:
                data = pending.pop(0)
                number = len(completed) + 1
                if number > MAX_PARTS:
                    raise ValueError(f"{key}: more than {MAX_PARTS} parts")
                whole.update(data)
                size += len(data)
                part_checksum = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
                answer = self._client.upload_part(
                    Bucket=self.bucket,
                    Key=object_key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=data,
                    ChecksumSHA256=part_checksum,
                )
                completed.append(
                    {"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": part_checksum}
                )
                if not pending:
                    following = _read_up_to(stream, self._part_size(number + 1))
                    if following:
                        pending.append(following)
            digest = whole.hexdigest()
            if expected is not None and digest != expected:
                raise ChecksumMismatchError(key)
            self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=object_key,
                UploadId=upload_id,
                MultipartUpload={"Parts": cast(Any, completed)},
            )
        except BaseException:
            self._abort(object_key, upload_id)
            raise
        return StoredBlob(key, self.uri_for(key), size, digest)

    def _abort(self, object_key: str, upload_id: str) -> None:
        """Drop the parts of a failed multipart upload (they would be billed forever)."""
        try:
            self._client.abort_multipart_upload(
                Bucket=self.bucket, Key=object_key, UploadId=upload_id
            )
        except Exception:
            log.exception(
                "could not abort the multipart upload of %s; the bucket's lifecycle rule "
                "for incomplete multipart uploads will remove its parts",
                object_key,
            )

    @_unavailable_on_aws_errors
    def delete(self, key: str) -> bool:
        if self.head(key) is None:
            return False
        self._client.delete_object(Bucket=self.bucket, Key=self.object_key(key))
        return True

    # --- reads -----------------------------------------------------------------------------

    @_unavailable_on_aws_errors
    def open(self, key: str) -> BlobReader:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except Exception as exc:
            if _is_missing(exc):
                raise BlobMissingError(key) from None
            raise
        return BlobReader(cast(BinaryIO, answer["Body"]), int(answer["ContentLength"]))

    @_unavailable_on_aws_errors
    def head(self, key: str) -> BlobInfo | None:
        try:
            answer = self._client.head_object(
                Bucket=self.bucket, Key=self.object_key(key), ChecksumMode="ENABLED"
            )
        except Exception as exc:
            if _is_missing(exc):
                return None
            raise
        return BlobInfo(
            key,
            int(answer["ContentLength"]),
            sha256=whole_object_sha256(cast(dict[str, Any], answer)),
            content_type=answer.get("ContentType"),
        )

    def list_objects(self) -> Iterator[BlobInfo]:
        """Every object below the prefix, a page (up to 1,000 keys) at a time."""
        start = f"{self.prefix}/" if self.prefix else ""
        token: str | None = None
        while True:
            page = self._list_page(start, token)
            for entry in page.get("Contents", []):
                yield BlobInfo(entry["Key"].removeprefix(start), int(entry["Size"]))
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return

    @_unavailable_on_aws_errors
    def _list_page(self, start: str, token: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": start}
        if token:
            params["ContinuationToken"] = token
        return cast(dict[str, Any], self._client.list_objects_v2(**params))

    # --- presigned URLs --------------------------------------------------------------------

    @_unavailable_on_aws_errors
    def presigned_get_url(
        self, key: str, *, filename: str, content_type: str, expires_in: int
    ) -> str | None:
        return self._client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.object_key(key),
                "ResponseContentDisposition": content_disposition(filename),
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires_in,
        )

    @_unavailable_on_aws_errors
    def presign_upload(
        self, key: str, *, content_type: str, sha256: str, size: int, expires_in: int
    ) -> PresignedUpload | None:
        """A PUT whose signature covers the content type, the length, the SHA-256 and the
        pending tag: S3 refuses the PUT without those headers or with other bytes."""
        check_key(key)
        checksum = b64_sha256(sha256)
        url = self._client.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.object_key(key),
                "ContentType": content_type,
                "ContentLength": size,
                "ChecksumSHA256": checksum,
                "Tagging": PENDING_TAG,
            },
            ExpiresIn=expires_in,
        )
        headers = {
            "Content-Type": content_type,
            "x-amz-checksum-sha256": checksum,
            "x-amz-tagging": PENDING_TAG,
        }
        return PresignedUpload(url, headers)

    @_unavailable_on_aws_errors
    def mark_registered(self, key: str) -> None:
        self._client.delete_object_tagging(Bucket=self.bucket, Key=self.object_key(key))

    def close(self) -> None:
        self._client.close()
