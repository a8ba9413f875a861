"""The long schemathesis run (`make fuzz`): the quick profile of tests/live/test_schemathesis.py
with many more examples per operation and a random seed."""

from __future__ import annotations

from pathlib import Path

from tests.support.schemathesis_run import LONG, operations_tested, run


def test_the_engine_honours_its_openapi_document_at_length(tmp_path: Path) -> None:
    result = run(tmp_path, LONG)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-20_000:]
    tested, documented = operations_tested(report)
    assert tested == documented >= 50
