"""The load benchmark (`python -m bench load`) in its quick mode, so it keeps working: both
servers (the engine alone and through the portal's broker), every workload, zero errors, and a
report of the promised shape. Never a timing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import load


def test_quick_run_has_no_errors_and_reports_every_measure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "load.json"
    assert load.main(["--quick", "--json", str(report), "--workdir", str(tmp_path / "w")]) == 0
    rows = json.loads(report.read_text())
    measured = {(row["target"], row["workload"], row["concurrency"]) for row in rows}
    expected = {
        (target, workload, clients)
        for target in ("engine", "portal")
        for workload in ("health", *load.WORKLOADS)
        for clients in (1, 4)
    }
    assert measured == expected
    for row in rows:
        assert row["errors"] == 0, row["error_examples"]
        assert row["requests"] > 0
        assert row["throughput"] > 0
        assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
        assert row["health_throughput"] > 0 and row["ratio"] > 0
        if row["workload"] != "health":
            assert set(row["routes"]) == set(load.WORKLOADS[row["workload"]])
    out = capsys.readouterr().out
    assert out.startswith(load.HEADER)
    assert "| engine | 1,000 | mixed | 4 |" in out
    assert "| portal | 1,000 | write-heavy | 1 |" in out


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert load.percentile(values, 0.50) == 50.0
    assert load.percentile(values, 0.99) == 99.0
    assert load.percentile([3.0], 0.99) == 3.0
    assert load.percentile([], 0.5) == 0.0


def test_only_loopback_servers_are_driven() -> None:
    with pytest.raises(SystemExit, match="loopback"):
        load._check_loopback("http://example.com:8000")
    load._check_loopback("http://127.0.0.1:8000")
