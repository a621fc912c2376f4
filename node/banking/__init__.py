"""Bank formats of the money core: pure functions, no database, no HTTP.

What this package owns — everything that is about a bank's file format or a payment reference,
and nothing about who owes what (that is the database side's, which calls these functions):

* :mod:`node.banking.references` — Belgian structured communications (``+++123/4567/89002+++``) and
  ISO 11649 RF creditor references: generate them for invoices, validate their checksums, find
  them in the free text of bank statements.
* :mod:`node.banking.camt` — read ISO 20022 CAMT.053 statements (``camt.053.001.02`` and ``.08``)
  safely and exactly into the frozen values of :mod:`node.banking.statement`.
* :mod:`node.banking.matching` — match statement credits to open invoices by reference, and
  statement debits to sent payouts by end-to-end id; the rest goes to an unmatched queue with a
  reason.
* :mod:`node.banking.sepa` — write payout batches as ISO 20022 pain.001 SEPA credit transfers.
* :mod:`node.banking.errors` — ``InvalidReference``, ``CamtError``, ``SepaError``.

Money is :class:`~decimal.Decimal` with an explicit ISO 4217 currency throughout; floats are
refused with ``TypeError``.
"""
