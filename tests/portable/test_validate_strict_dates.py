"""The export validator judges dates and timestamps with the API's own functions
(model/values.py), so a date the API refuses is an error in an export too: written straight
into the export files here, past the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dataops.portable.validate import validate_export
from tests.portable.builder import valid_records, write_export_dir
from tests.support.dates import NOT_DATES, NOT_TIMESTAMPS


@pytest.mark.parametrize("date", NOT_DATES)
def test_the_validator_refuses_what_the_api_refuses(
    tmp_path: Path, client: TestClient, date: str
) -> None:
    api = client.post("/api/tasks", json={"description": "Record", "date": date})
    assert api.status_code == 400

    records = valid_records()
    records["tasks"][0]["date"] = date
    records["bundles"][0]["anchor_date"] = date
    write_export_dir(tmp_path, records)

    assert validate_export(tmp_path).errors == [
        "tasks[0] field date must be a YYYY-MM-DD date",
        "bundles[0] field anchor_date must be a YYYY-MM-DD date",
    ]


@pytest.mark.parametrize("moment", NOT_TIMESTAMPS)
def test_the_validator_refuses_timestamps_the_api_refuses(
    tmp_path: Path, client: TestClient, moment: str
) -> None:
    task = client.post("/api/tasks", json={"description": "Record", "date": "2026-12-01"})
    api = client.put(f"/api/tasks/{task.json()['id']}", json={"followUpAt": moment})
    assert api.status_code == 400

    records = valid_records()
    records["tasks"][0]["created_at"] = moment
    records["artifacts"][0]["reviewed_at"] = moment
    write_export_dir(tmp_path, records)

    assert validate_export(tmp_path).errors == [
        "tasks[0] field created_at must be a parseable date or timestamp",
        "artifacts[0] field reviewed_at must be a parseable date or timestamp",
    ]


def test_plain_dates_in_an_export_are_valid(tmp_path: Path) -> None:
    records = valid_records()
    records["tasks"][0]["date"] = "2026-12-01"
    records["bundles"][0]["anchor_date"] = "2026-12-01"
    write_export_dir(tmp_path, records)
    assert validate_export(tmp_path).errors == []
