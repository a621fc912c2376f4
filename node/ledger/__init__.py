"""The double-entry ledger: the single source of truth for every amount the co-op holds or owes.

* :mod:`node.ledger.entries` — pure: drafts of journal entries, the balance rule, canonical
  content, digests and the hash chain.
* :mod:`node.ledger.models` — accounts, journal entries, postings (immutable in the database).
* :mod:`node.ledger.service` — posting with idempotency keys, reversals, balances, chain checks.
* :mod:`node.ledger.reports` — trial balance, account statements, journal exports.

Amounts are signed integers of the currency's minor unit: a debit is positive, a credit negative,
so an entry balances when its postings sum to zero per currency.
"""
