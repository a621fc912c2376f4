"""The invoice tests' Belgian node (VAT number, enterprise number) and their ``setup`` fixture."""

from tests.node.invoices.test_invoices import settings, setup

__all__ = ["settings", "setup"]
