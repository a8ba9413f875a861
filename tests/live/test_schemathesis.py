"""The quick schemathesis run of `make test` (tests/support/schemathesis_run.py): no server
error, every answer with a documented status, content type, headers and schema, invalid data
refused. `make fuzz` runs the long profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.schemathesis_run import QUICK, assert_honoured

pytestmark = pytest.mark.live


def test_the_engine_honours_its_openapi_document(tmp_path: Path) -> None:
    assert_honoured(tmp_path, QUICK)
