"""Talking to DynamoDB: the boto3 client, back-off for what DynamoDB asks us to retry, and the
translation of what remains into the engine's errors (503 with `Retry-After`, 413), so that a
busy or unreachable table is never a 500.

botocore's standard retry mode already retries throttled and failed requests with exponential
back-off and jitter; what it cannot retry is answered here: transactions cancelled by a
conflicting transaction or by throttling, and the unprocessed part of a batch.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dataops.model import messages
from dataops.model.errors import ServiceUnavailable, TooLarge

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger("dataops.store.dynamodb")

# Codes DynamoDB answers when it wants the request again later.
THROTTLED = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
# The same, as reasons of a cancelled transaction.
_THROTTLED_REASONS = frozenset(
    {"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded", "InternalError"}
)
_CONFLICT_REASONS = frozenset({"TransactionConflict"})
# Attempts for what botocore does not retry (cancelled transactions, unprocessed batch items).
ATTEMPTS = 8
BASE_DELAY = 0.025
MAX_DELAY = 1.0
BOTOCORE_ATTEMPTS = 5
RETRY_AFTER_SECONDS = 1


class Cancelled(Exception):
    """A transaction cancelled because a condition failed: `reasons[i]` is write i's outcome
    (`{"Code": "ConditionalCheckFailed", "Item": <the item as it was>}` or `{"Code": "None"}`)."""

    def __init__(self, reasons: Sequence[Mapping[str, Any]]) -> None:
        super().__init__("transaction cancelled by a failed condition")
        self.reasons = list(reasons)

    def failed(self) -> list[int]:
        return [
            i for i, reason in enumerate(self.reasons) if reason.get("Code") not in (None, "None")
        ]


class Contended(Exception):
    """Writes kept colliding with other transactions on the same items: the caller's records
    are being changed right now (a version conflict to the engine, which settles it)."""


class ConditionFailed(Exception):
    """A single write's condition failed; `item` is the item as it was (None: absent)."""

    def __init__(self, item: dict[str, Any] | None) -> None:
        super().__init__("condition failed")
        self.item = item


def unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(messages.METADATA_STORE_UNAVAILABLE, RETRY_AFTER_SECONDS)


def back_off(attempt: int) -> None:
    """Full jitter: a random wait up to an exponentially growing cap."""
    time.sleep(random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**attempt)))


def make_client(endpoint: str | None, region: str | None) -> DynamoDBClient:
    """A client with botocore's standard retries (throttling, 5xx, timeouts), enough pooled
    connections for parallel scans and loads, and short timeouts (an API request should fail
    over to a 503, not hang)."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": BOTOCORE_ATTEMPTS},
        max_pool_connections=64,
        connect_timeout=3,
        read_timeout=20,
    )
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=region, config=config)


class Calls:
    """Every DynamoDB request of the store goes through here."""

    def __init__(self, client: DynamoDBClient) -> None:
        self.client = client

    def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        method: Callable[..., dict[str, Any]] = getattr(self.client, operation)
        try:
            return method(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            if code == "ConditionalCheckFailedException":
                raise ConditionFailed(exc.response.get("Item")) from None  # type: ignore[arg-type]
            if code == "TransactionConflictException":
                raise Contended() from None
            translated = _translated(operation, code, str(error.get("Message", "")))
            if translated is None:
                raise
            raise translated from None
        except BotoCoreError as exc:
            log.error("DynamoDB %s failed: %s", operation, type(exc).__name__)
            raise unavailable() from None

    def write(self, operation: str, **params: Any) -> dict[str, Any]:
        """A single-item write, retried while it collides with a transaction on the item."""
        for attempt in range(ATTEMPTS):
            try:
                return self(operation, **params)
            except Contended:
                back_off(attempt)
        raise Contended()

    def transact(self, items: list[dict[str, Any]]) -> None:
        """One TransactWriteItems; raises Cancelled when a condition failed, Contended when
        other transactions kept conflicting, ServiceUnavailable when throttled throughout."""
        from botocore.exceptions import ClientError

        throttled = False
        for attempt in range(ATTEMPTS):
            try:
                # A fresh token per attempt of ours; botocore's own retries of one attempt
                # reuse it, so a commit whose answer was lost is not applied twice.
                self("transact_write_items", TransactItems=items, ClientRequestToken=_token())
                return
            except ClientError as exc:
                reasons = exc.response.get("CancellationReasons", [])
                codes = {str(reason.get("Code")) for reason in reasons}
                if "ConditionalCheckFailed" in codes:
                    raise Cancelled(reasons) from None
                if "ValidationError" in codes:
                    text = " ".join(str(reason.get("Message", "")) for reason in reasons)
                    translated = _translated("TransactWriteItems", "ValidationException", text)
                    if translated is None:
                        raise
                    raise translated from None
                if not codes & (_THROTTLED_REASONS | _CONFLICT_REASONS):
                    raise
                throttled = bool(codes & _THROTTLED_REASONS)
            back_off(attempt)
        if throttled:
            raise unavailable()
        raise Contended()

    def batch_write(self, table: str, requests: list[dict[str, Any]]) -> None:
        """Up to 25 puts or deletes; what DynamoDB leaves unprocessed is sent again with
        back-off until none is left (503 when it never is)."""
        pending: Mapping[str, Any] = {table: requests}
        for attempt in range(ATTEMPTS + 4):
            answer = self("batch_write_item", RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}
            if not pending:
                return
            back_off(attempt)
        raise unavailable()

    def batch_get(self, table: str, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Up to 100 items by key, strongly consistent; unprocessed keys are asked again."""
        found: list[dict[str, Any]] = []
        pending: Mapping[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
        for attempt in range(ATTEMPTS + 4):
            answer = self("batch_get_item", RequestItems=pending)
            found += answer.get("Responses", {}).get(table, [])
            pending = answer.get("UnprocessedKeys") or {}
            if not pending:
                return found
            back_off(attempt)
        raise unavailable()


def _token() -> str:
    return uuid.uuid4().hex


def _translated(operation: str, code: str, message: str) -> Exception | None:
    """The engine's error for a DynamoDB error; None for a bug of ours (it stays a 500)."""
    if code in THROTTLED:
        log.warning("DynamoDB %s: %s after retries", operation, code)
        return unavailable()
    if code == "ValidationException" and "size" in message.lower():
        return TooLarge(messages.RECORD_TOO_LARGE)
    if code == "ResourceNotFoundException":
        log.error("DynamoDB %s: a table or index is missing: %s", operation, message)
        return unavailable()
    return None
