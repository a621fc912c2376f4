"""Where the models live: every model module is listed here so migrations see all tables."""

from importlib import import_module

from sqlalchemy import MetaData

from node.db import Base

MODEL_MODULES = (
    "node.audit.models",
    "node.identity.models",
    "node.members.models",
    "node.members.iban_changes",
    "node.shares.models",
    "node.clients.models",
    "node.ledger.models",
    "node.activities.models",
    "node.payouts.models",
    "node.expenses.models",
    "node.transfers.models",
    "node.invoices.models",
    "node.invoices.reminder_models",
    "node.quotes.models",
    "node.payments.models",
    "node.guarantee.models",
    "node.payroll.models",
    "node.federation.keystore",
    "node.federation.models",
    "node.federation.attestation_models",
    "node.fx.models",
    "node.postings.models",
    "node.hosting.models",
    "node.chains.models",
    "node.chains.self_billing_models",
    "node.settlement.models",
)


def metadata() -> MetaData:
    """The complete metadata, after importing every model module."""
    for module in MODEL_MODULES:
        import_module(module)
    return Base.metadata
