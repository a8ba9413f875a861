"""The quick schemathesis run of `make test` (tests/support/schemathesis_run.py): no server
error, every answer with a documented status, content type, headers and schema, invalid data
refused. `make fuzz` runs the long profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.schemathesis_run import QUICK, operations_tested, run

pytestmark = pytest.mark.live


def test_the_engine_honours_its_openapi_document(tmp_path: Path) -> None:
    result = run(tmp_path, QUICK)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-20_000:]
    tested, documented = operations_tested(report)
    assert tested == documented >= 50
