"""The long schemathesis run (`make fuzz`): the quick profile of tests/live/test_schemathesis.py
with many more examples per operation, a random seed and a half-hour budget."""

from __future__ import annotations

from pathlib import Path

from tests.support.schemathesis_run import LONG, assert_honoured


def test_the_engine_honours_its_openapi_document_at_length(tmp_path: Path) -> None:
    assert_honoured(tmp_path, LONG)
