"""HTTP plumbing: problem documents, body limits, request ids, health, OpenAPI coverage."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator
from starlette.routing import Route
from starlette.testclient import TestClient

from node.errors import PROBLEM_BASE
from node.web.api import spec_of
from node.web.openapi import openapi_path

PROBLEM = "application/problem+json"


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_readyz_reports_a_stale_schema(client: TestClient) -> None:
    from node.db import migrate as migrations

    node = client.app.state.node  # type: ignore[attr-defined]
    migrations.downgrade(node.db, "0001")
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == PROBLEM_BASE + "not-ready"
    finally:
        migrations.upgrade(node.db)


def test_unknown_path_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == PROBLEM_BASE + "not-found"
    assert body["status"] == 404
    assert body["instance"] == "/api/v1/nothing-here"


def test_wrong_method_is_a_problem_document(client: TestClient) -> None:
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.json()["type"] == PROBLEM_BASE + "method-not-allowed"


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert generated.headers["x-request-id"] != "bad id with spaces"
    assert len(generated.headers["x-request-id"]) == 16


def test_body_over_the_limit_is_refused(client: TestClient) -> None:
    limit = client.app.state.node.settings["server.max_body_bytes"]  # type: ignore[attr-defined]
    response = client.post(
        "/api/v1/auth/login",
        content=b"{" + b" " * limit + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["type"] == PROBLEM_BASE + "body-too-large"


def test_streamed_body_over_the_limit_is_refused(client: TestClient) -> None:
    limit = client.app.state.node.settings["server.max_body_bytes"]  # type: ignore[attr-defined]

    def chunks():  # no Content-Length: the limit must hold while streaming
        for _ in range(limit // 1000 + 2):
            yield b" " * 1000

    response = client.post(
        "/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_malformed_json_and_wrong_media_type(client: TestClient) -> None:
    bad = client.post(
        "/api/v1/auth/login", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400
    assert bad.json()["type"] == PROBLEM_BASE + "malformed-json"
    form = client.post("/api/v1/auth/login", content=b"a=b", headers={"content-type": "text/plain"})
    assert form.status_code == 415


def _app_routes(client: TestClient) -> list[Route]:
    return [r for r in client.app.routes if isinstance(r, Route)]  # type: ignore[attr-defined]


def test_every_route_declares_who_may_call_it(client: TestClient) -> None:
    undeclared = [route.path for route in _app_routes(client) if spec_of(route) is None]
    assert undeclared == []


def test_openapi_covers_every_endpoint_and_is_valid(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    served = set()
    for route in _app_routes(client):
        spec = spec_of(route)
        assert spec is not None
        served.add((openapi_path(spec.path), spec.method.lower()))
    assert documented == served
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert op["summary"], (path, method)
            assert op["description"].startswith("Who may call:"), (path, method)
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                Draft202012Validator.check_schema(body["schema"])
    json.dumps(document)  # serialisable as is
