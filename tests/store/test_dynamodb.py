"""The DynamoDB backend against the store contract, on moto in server mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dataops.store.dynamodb import DynamoDBStore
from tests.store.contract import *  # noqa: F403


@pytest.fixture
def contract_store(dynamodb_store: DynamoDBStore) -> Iterator[DynamoDBStore]:
    yield dynamodb_store
