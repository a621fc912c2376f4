"""Real nodes for the demo: each ``coopnode`` in its own folder (configuration, SQLite database,
log), served on 127.0.0.1, and the logins that call its API.

Nothing here reads a node's database: the demo knows only what the commands print and the API
answers.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pyotp

COOPNODE = Path(sys.executable).with_name("coopnode")
LOOPBACK = "127.0.0.1"
PASSWORD = secrets.token_urlsafe(18)  # every demo login's, new each run
STARTUP_SECONDS = 60
WAIT_SECONDS = 60
STOP_SECONDS = 15
T = TypeVar("T")


class DemoError(Exception):
    """A step did not give what it should; the message says which, in one line."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, probe: Callable[[], T | None], seconds: float = WAIT_SECONDS) -> T:
    """``probe()`` once it is not None; polls until ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise DemoError(f"{what}: not within {seconds:g} s")
        time.sleep(0.3)


class Api:
    """One login's calls to one node's API (a bearer token, loopback only, no proxy)."""

    def __init__(self, url: str, token: str) -> None:
        self.client = httpx.Client(
            base_url=url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
            trust_env=False,
        )

    def request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.client.request(method, path, json=body)  # None: no body

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        """The answer's JSON; a DemoError when the status is not ``expect``."""
        response = self.request(method, path, body)
        if response.status_code != expect:
            raise DemoError(f"{method} {path}: {response.status_code} {response.text[:600]}")
        return response.json()

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None, expect: int = 200) -> Any:
        return self.call("POST", path, body, expect)

    def close(self) -> None:
        self.client.close()


def sign_in(url: str, email: str, totp_secret: str | None = None, password: str = PASSWORD) -> Api:
    body = {"email": email, "password": password}
    if totp_secret is not None:
        body["totp"] = pyotp.TOTP(totp_secret).now()
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        response = client.post("/api/v1/auth/login", json=body)
    if response.status_code != 200:
        raise DemoError(f"sign-in of {email} at {url}: {response.text[:300]}")
    return Api(url, response.json()["access_token"])


@dataclass
class Node:
    """One co-op's node: ``code`` is its country, the folder holds everything it writes."""

    code: str
    name: str
    folder: Path
    settings: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    apis: list[Api] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "serve.log"

    def environ(self) -> dict[str, str]:
        """The caller's environment without its COOPNODE_* settings, plus this node's."""
        own = {k: v for k, v in os.environ.items() if not k.startswith("COOPNODE_")}
        return {
            **own,
            "COOPNODE_CONFIG": str(self.folder / "coopnode.toml"),
            "COOPNODE_DATABASE_URL": f"sqlite:///{self.folder / 'node.db'}",
            "COOPNODE_BASE_URL": self.url,
            "COOPNODE_HOST": LOOPBACK,
            "COOPNODE_PORT": str(self.port),
            "COOPNODE_NAME": self.name,
            "COOPNODE_COUNTRY": self.code,
            "COOPNODE_ADMIN_PASSWORD": PASSWORD,
            **self.settings,
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``coopnode ARGS`` as this node's admin does, in its folder."""
        return subprocess.run(  # noqa: S603 (our own entry point, fixed arguments)
            [str(COOPNODE), *args],
            cwd=self.folder,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def coopnode(self, *args: str) -> str:
        """Run ``coopnode ARGS``; its standard output, or a DemoError when it fails."""
        done = self.run(*args)
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            raise DemoError(
                f"{self.code}: coopnode {args[0]}: {said[-1] if said else done.returncode}"
            )
        return done.stdout

    def start(self) -> Api:
        """Set up (init, migrate, first admin), serve, and sign the admin in."""
        self.folder.mkdir(parents=True)
        self.coopnode("init")
        self.coopnode("migrate")
        printed = self.coopnode(
            "create-admin", "--email", f"admin@coop-{self.code.lower()}.example"
        )
        secret = re.search(r"secret: (\S+)", printed)
        if secret is None:
            raise DemoError(f"{self.code}: create-admin printed no TOTP secret")
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603
                [str(COOPNODE), "serve", "--host", LOOPBACK, "--port", str(self.port)],
                cwd=self.folder,
                env=self.environ(),
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        wait_for(f"{self.code}: /healthz", self._healthy, STARTUP_SECONDS)
        return self.sign_in(f"admin@coop-{self.code.lower()}.example", secret.group(1))

    def _healthy(self) -> bool | None:
        if self.process is not None and self.process.poll() is not None:
            raise DemoError(f"{self.code}: coopnode serve exited with {self.process.returncode}")
        try:
            response = httpx.get(f"{self.url}/readyz", timeout=2, trust_env=False)
        except httpx.TransportError:
            return None
        return True if response.status_code == 200 else None

    def sign_in(self, email: str, totp_secret: str | None = None, password: str = PASSWORD) -> Api:
        api = sign_in(self.url, email, totp_secret, password)
        self.apis.append(api)
        return api

    def stop(self) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL if it does not end in time."""
        for api in self.apis:
            api.close()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_SECONDS)


@contextmanager
def running(nodes: list[Node]) -> Iterator[dict[str, Api]]:
    """Start every node; stop them all on the way out, whatever happened (error, Ctrl-C)."""
    try:
        yield {node.code: node.start() for node in nodes}
    finally:
        for node in nodes:
            node.stop()
