"""The real thing: ``coopnode init``, ``migrate`` and ``serve`` as processes, called over loopback.

In-process tests use Starlette's TestClient; this one proves the installed entry point, uvicorn,
the settings from the environment and a clean shutdown on SIGTERM work together.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.process

COOPNODE = Path(sys.executable).with_name("coopnode")
STARTUP_SECONDS = 30
SHUTDOWN_SECONDS = 15


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def node_environment(folder: Path) -> dict[str, str]:
    """The caller's environment without any COOPNODE_* setting, plus this node's own."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("COOPNODE_")}
    environ["COOPNODE_CONFIG"] = str(folder / "coopnode.toml")
    environ["COOPNODE_DATABASE_URL"] = f"sqlite:///{folder / 'node.db'}"
    return environ


def coopnode(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COOPNODE), *args],
        cwd=folder,
        env=node_environment(folder),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """A migrated node served by ``coopnode serve`` on 127.0.0.1; always killed at the end."""
    assert COOPNODE.exists(), f"{COOPNODE} is missing (pip install -e .)"
    for step in (("init",), ("migrate",)):
        result = coopnode(tmp_path, *step)
        assert result.returncode == 0, result.stderr
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(COOPNODE), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=node_environment(tmp_path),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, f"http://127.0.0.1:{port}", log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=SHUTDOWN_SECONDS)


def wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"coopnode serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"coopnode serve not healthy within {STARTUP_SECONDS}s:\n{log.read_text()}")


def test_serve_answers_over_loopback_and_stops_cleanly(
    served: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, base_url, log = served
    wait_until_healthy(process, base_url, log)
    with httpx.Client(base_url=base_url, timeout=5, trust_env=False) as client:
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"

        assert client.get("/readyz").status_code == 200

        openapi = client.get("/openapi.json")
        assert openapi.status_code == 200
        assert "/healthz" in openapi.json()["paths"]

        missing = client.get("/no/such/path", headers={"X-Request-ID": "process-test-1"})
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        assert missing.headers["x-request-id"] == "process-test-1"
        assert missing.json()["status"] == 404
        assert client.get("/no/such/path").headers["x-request-id"]

    process.terminate()
    code = process.wait(timeout=SHUTDOWN_SECONDS)
    output = log.read_text()
    # uvicorn shuts down gracefully, then re-raises the signal it caught, as a supervisor expects.
    assert code in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    assert "Traceback" not in output, output
