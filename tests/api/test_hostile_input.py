"""Every route answers hostile input with a 4xx JSON error, never a 500 (section 10.2)."""

from __future__ import annotations

from starlette.testclient import TestClient

from dataops.engine.context import Engine
from tests.support.hostile import assert_handled, hostile_bodies, operations, seed


def test_every_route_survives_hostile_bodies_and_ids(client: TestClient, engine: Engine) -> None:
    ids = seed(client)
    ops = operations(engine)
    assert len(ops) >= 30
    requests = 0
    for operation in ops:
        for path in operation.expand(ids):
            bodies = list(hostile_bodies()) if operation.method in ("POST", "PUT") else [b""]
            for body in bodies:
                response = client.request(
                    operation.method,
                    path,
                    content=body,
                    headers={"content-type": "application/json"},
                )
                assert_handled(response, f"{operation.method} {path} {body[:60]!r}", operation)
                requests += 1
    assert requests > 1000


def test_every_list_survives_hostile_query_strings(client: TestClient, engine: Engine) -> None:
    seed(client)
    queries = [
        "limit=-1",
        "limit=99999999999999999999",
        "cursor=%00",
        "cursor=eyJwIjo5OSwiYyI6bnVsbH0",
        "date=2026-02-30",
        "startDate=x&endDate=y",
        "status=%00",
        "taskId=" + "a" * 5000,
        "all=maybe",
        "entityId=",
        "category=../../etc",
        "tag=%ff",
    ]
    for operation in operations(engine):
        if operation.method != "GET" or "{" in operation.path:
            continue
        for query in queries:
            response = client.get(f"{operation.path}?{query}")
            assert_handled(response, f"GET {operation.path}?{query}", operation)
