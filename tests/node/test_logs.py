"""Structured logs: JSON lines carrying the request id; secrets never in them."""

from __future__ import annotations

import json
import logging

import pytest
from starlette.testclient import TestClient

from node.logs import JsonFormatter, request_id_var


def test_json_formatter_includes_request_id_and_extras() -> None:
    token = request_id_var.set("req-1")
    try:
        record = logging.LogRecord(
            "coopnode.test", logging.INFO, __file__, 1, "hello %s", ("x",), None
        )
        record.status = 200
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "hello x"
    assert line["request_id"] == "req-1"
    assert line["status"] == 200
    assert line["level"] == "info"


def test_each_request_logs_one_access_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="coopnode.access"):
        client.get("/healthz", headers={"X-Request-ID": "trace-me"})
    records = [r for r in caplog.records if r.name == "coopnode.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert line["method"] == "GET"


def test_logs_do_not_carry_secrets(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    settings = client.app.state.node.settings  # type: ignore[attr-defined]
    with caplog.at_level(logging.DEBUG):
        client.get("/readyz")
        client.get("/nowhere")
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert settings["security.secret_key"] not in text
    assert settings["security.encryption_key"] not in text
