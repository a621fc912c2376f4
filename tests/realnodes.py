"""The harness of the multi-node tests: real ``coopnode`` processes on 127.0.0.1, each with its
own folder, database and keys, driven through the CLI and the API as their admins would.

* :class:`RealNode` — init, migrate, serve (and serve again after a stop), its database;
* :func:`cli` / :func:`ok` — run ``coopnode`` in a node's folder;
* :func:`peer_with` — record a node as an active peer from its descriptor (setup shortcut);
* :func:`own_database` — a fixture: a fresh PostgreSQL database per node on that engine;
* :class:`Api`, :func:`sign_in`, :func:`create_admin`, :func:`login` — API calls as a login;
* :func:`eventually` — poll until something holds, with a deadline, naming what never happened.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pyotp
import pytest
from sqlalchemy import create_engine, make_url, text

from federation.keys import b64url_decode
from node.db import Database
from node.federation import peers
from node.federation.models import PeerState
from tests.conftest import POSTGRES_URL
from tests.test_server_process import COOPNODE, free_port, node_environment, wait_until_healthy

T = TypeVar("T")
WAIT_SECONDS = 30
PASSWORD = "correct horse battery staple"  # a test login


class RealNode:
    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environ = {**node_environment(folder), "COOPNODE_BASE_URL": self.url}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "serve.log"

    def run(self, *args: str) -> None:
        result = subprocess.run(
            [str(COOPNODE), *args],
            cwd=self.folder,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    def start(self) -> None:
        self.run("init")
        self.run("migrate")
        self.serve()

    def serve(self) -> None:
        """Start ``coopnode serve`` (again, after :meth:`stop`: same folder, port and database)."""
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(COOPNODE), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.folder,
                env=self.environ,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_healthy(self.process, self.url, self.log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def database(self) -> Database:
        return Database(self.environ["COOPNODE_DATABASE_URL"])

    def descriptor(self) -> dict[str, object]:
        token = httpx.get(f"{self.url}/.well-known/coopnode", timeout=5, trust_env=False).text
        return dict(json.loads(b64url_decode(token.split(".")[1])))


def peer_with(db: Database, other: RealNode) -> int:
    """Peer ``db``'s node with ``other`` from its descriptor (the fingerprint: its current key)."""
    descriptor = other.descriptor()
    keys = descriptor["keys"]
    assert isinstance(keys, dict)
    fingerprint = keys["keys"][-1]["kid"]
    with db.transaction() as session:
        return peers.add_peer(session, descriptor, fingerprint, state=PeerState.ACTIVE).id


def cli(node: RealNode, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COOPNODE), *args],
        cwd=node.folder,
        env=node.environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(node: RealNode, *args: str) -> str:
    result = cli(node, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def own_database(engine: str) -> Iterator[str | None]:
    """None on SQLite (the node's own file); on PostgreSQL a new, empty database's URL."""
    if engine == "sqlite":
        yield None
        return
    assert POSTGRES_URL
    name = f"coopnode_peering_{uuid.uuid4().hex[:12]}"
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


class Api:
    """One login's calls to one real node's API."""

    def __init__(self, node: RealNode, token: str) -> None:
        self.node = node
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = httpx.request(
            method,
            self.node.url + path,
            headers=self.headers,
            timeout=10,
            trust_env=False,
            **kwargs,
        )
        assert response.status_code == expect, f"{method} {path}: {response.text}"
        return response.json()


def sign_in(node: RealNode, email: str, totp: str | None = None) -> Api:
    body = {"email": email, "password": PASSWORD}
    if totp is not None:
        body["totp"] = pyotp.TOTP(totp).now()
    response = httpx.post(f"{node.url}/api/v1/auth/login", json=body, timeout=10, trust_env=False)
    assert response.status_code == 200, response.text
    return Api(node, response.json()["access_token"])


def create_admin(node: RealNode) -> Api:
    """``coopnode create-admin`` (password from the environment, TOTP secret printed once)."""
    node.environ["COOPNODE_ADMIN_PASSWORD"] = PASSWORD
    printed = ok(node, "create-admin", "--email", "admin@coop.example")
    secret = re.search(r"secret: (\S+)", printed)
    assert secret is not None, printed
    return sign_in(node, "admin@coop.example", secret.group(1))


def login(admin: Api, role: str, email: str) -> tuple[int, Api]:
    """A new login created by the admin through the API, signed in; returns (user id, api)."""
    body = {"email": email, "role": role, "password": PASSWORD}
    created = admin.call("POST", "/api/v1/users", 201, json=body)
    secret = created.get("totp", {}).get("secret")
    return created["id"], sign_in(admin.node, email, secret)


def eventually(what: str, probe: Callable[[], T | None], *nodes: RealNode) -> T:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} never happened\n" + "\n".join(n.log.read_text() for n in nodes))
