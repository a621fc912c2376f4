"""``GET /.well-known/coopnode``: the node's signed descriptor (being built)."""

from typing import Any

ROUTES: list[Any] = []
