"""User read routes (6.5): public fields only, never a password hash; 405 for other methods on
both paths; deeper paths 404."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from dataops.engine import users
from dataops.engine.context import Engine


def test_list_and_get_show_public_fields_only(client: TestClient, engine: Engine) -> None:
    ada = users.add_user(
        engine, email="ada@example.org", name="Ada", user_id="ada", password="s3cret-pw"
    )
    grace = users.add_user(
        engine, email="grace@example.org", name="Grace", user_id="grace", role="lead"
    )
    listed = client.get("/api/users")
    assert listed.status_code == 200
    assert listed.json() == {
        "users": [
            {
                "id": "ada",
                "name": "Ada",
                "email": "ada@example.org",
                "role": "member",
                "createdAt": ada["createdAt"],
            },
            {
                "id": "grace",
                "name": "Grace",
                "email": "grace@example.org",
                "role": "lead",
                "createdAt": grace["createdAt"],
            },
        ]
    }
    assert "passwordHash" not in listed.text
    one = client.get("/api/users/ada")
    assert one.json() == {"user": listed.json()["users"][0]}
    assert client.get("/api/users/ada/").status_code == 200
    page = client.get("/api/users?limit=1").json()
    assert [u["id"] for u in page["users"]] == ["ada"]
    rest = client.get(f"/api/users?cursor={page['nextCursor']}").json()
    assert [u["id"] for u in rest["users"]] == ["grace"]


def test_missing_user(client: TestClient) -> None:
    response = client.get("/api/users/nobody")
    assert (response.status_code, response.json()) == (404, {"error": "User not found"})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/users"),
        ("PUT", "/api/users"),
        ("DELETE", "/api/users"),
        ("PUT", "/api/users/ada"),
        ("DELETE", "/api/users/ada"),
        ("POST", "/api/users/ada"),
        ("PATCH", "/api/users/ada"),
    ],
)
def test_other_methods_are_405(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert (response.status_code, response.json()) == (405, {"error": "Method not allowed"})


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_deeper_paths_are_404(client: TestClient, method: str) -> None:
    response = client.request(method, "/api/users/ada/sessions")
    assert (response.status_code, response.json()) == (404, {"error": "Not found"})
