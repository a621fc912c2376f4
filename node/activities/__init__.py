"""Activities: a member's business unit (alone or with other members) and its budget.

Each activity has a budget account in the ledger (a liability: what the co-op holds for the
activity). Turnover credits it; contributions, expenses, salaries and payouts debit it. Its
statement is read from the ledger, never from a stored balance.
"""
