"""Fixtures of the in-process refusal tests: a Belgian node able to issue invoices, and its
signing identity (those of the value chain tests)."""

from __future__ import annotations

from tests.node.chains.conftest import receiver, settings

__all__ = ["receiver", "settings"]
