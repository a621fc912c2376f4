"""Browser tests: a real Chromium (Debian's package, driven by selenium) against a live server.

The node runs in-process under uvicorn on a free loopback port, so the test can prepare data with
the same ``node`` fixture the API tests use. Chromium is installed by ``scripts/install-browser``
(called by ``.ci/run``); without it these tests are skipped with that instruction as the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from node.app import create_app
from node.runtime import Node

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1280,900",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(node: Node) -> Iterator[str]:
    """Serve the test node on http://127.0.0.1:<port> in a background thread."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(node), host="127.0.0.1", port=port, log_config=None, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """A headless Chromium driven by selenium, with a fresh profile."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()) or shutil.which("chromedriver") is None:
        missing = "Chromium is not installed: run scripts/install-browser (as root)"
        if os.environ.get("COOPNODE_REQUIRE_BROWSER"):  # .ci/run installs it: missing = failure
            pytest.fail(missing)
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()
