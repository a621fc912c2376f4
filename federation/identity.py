"""Node identity: a node is named by its canonical base URL, and everything it serves shares that origin.

A node id is ``https://host[:port]``: lowercase, no path, query, fragment, user or trailing slash, and
no explicit default port, so that two spellings of one node compare equal as plain strings. Plain
``http`` is allowed only for loopback hosts (``127.0.0.1``, ``::1``, ``localhost``) so that
development nodes and tests can run without certificates; nothing else on the network may use it.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from federation.errors import Malformed

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_MAX_LENGTH = 255


def _check_host(host: str) -> str:
    """Lowercase ``host`` and refuse anything that is neither a DNS name nor an IP literal."""
    host = host.lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    labels = host.split(".")
    if not host.isascii() or not all(_LABEL.match(label) for label in labels):
        raise Malformed(f"not a valid host name: {host!r}")
    return host


def _split(url: str) -> SplitResult:
    if not isinstance(url, str) or not url or len(url) > _MAX_LENGTH:
        raise Malformed("a node URL must be a non-empty string of at most 255 characters")
    if any(ch.isspace() or ch == "\\" for ch in url):
        raise Malformed("a node URL may not contain spaces or backslashes")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise Malformed(f"not a valid URL: {exc}") from exc
    return parts


def _origin(parts: SplitResult) -> str:
    """``scheme://host[:port]`` in canonical form; refuses non-HTTPS off loopback and userinfo."""
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise Malformed(f"a node URL must use https, not {scheme or 'nothing'!r}")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise Malformed("a node URL may not carry a user name or password")
    if not parts.hostname:
        raise Malformed("a node URL needs a host")
    host = _check_host(parts.hostname)
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        raise Malformed("plain http is allowed only for loopback node ids")
    port = parts.port
    if port == 0:
        raise Malformed("port 0 is not a valid port")
    shown = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        shown = f"{shown}:{port}"
    return f"{scheme}://{shown}"


def parse_node_id(url: str) -> str:
    """The canonical node id for ``url``, or :class:`Malformed` if it cannot name a node."""
    parts = _split(url)
    if parts.path not in ("", "/"):
        raise Malformed("a node id has no path")
    if parts.query or parts.fragment or url.rstrip("/").endswith(("?", "#")):
        raise Malformed("a node id has no query or fragment")
    return _origin(parts)


def is_node_id(value: object) -> bool:
    """True if ``value`` is already a node id in canonical form (for schema format checks)."""
    if not isinstance(value, str):
        return False
    try:
        return parse_node_id(value) == value
    except Malformed:
        return False


def origin_of(url: str) -> str:
    """The canonical origin of any URL a node serves (same rules as node ids, path allowed)."""
    return _origin(_split(url))


def check_same_origin(node_id: str, url: str) -> str:
    """Return ``url`` if it is served from the origin of ``node_id``; :class:`Malformed` otherwise.

    The inbox must sit on the node's own origin: otherwise whoever controls the descriptor could
    point peers' messages (and their receipts) at a third party.
    """
    parts = _split(url)
    if parts.query or parts.fragment:
        raise Malformed("an inbox URL has no query or fragment")
    if _origin(parts) != parse_node_id(node_id):
        raise Malformed(f"{url!r} is not on the origin of {node_id!r}")
    return url
