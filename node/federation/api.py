"""``POST /federation/v1/inbox`` and the admin endpoints of the outbox (being built)."""

from typing import Any

ROUTES: list[Any] = []
