"""coopnode: the node a national freelancer co-operative runs.

Package map (one concern each):

* :mod:`node.config` — settings from TOML plus ``COOPNODE_*`` overrides, validated at start-up.
* :mod:`node.errors` — the error hierarchy and stable problem types.
* :mod:`node.db` — engine, sessions, transactions, models base and migrations.
* :mod:`node.pluginhost` — loading and checking plugins.
* :mod:`node.web` — the ASGI application, API plumbing, OpenAPI, health.
* :mod:`node.identity` — users, logins, tokens, roles.
* :mod:`node.members`, :mod:`node.shares`, :mod:`node.clients` — the first business records.
* :mod:`node.audit` — who changed what, when.
* :mod:`node.cli` — the ``coopnode`` command line.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("coopnode")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
