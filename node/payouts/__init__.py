"""Money out: the payout primitive, payment batches (pain.001) and their matching to bank debits.

Every payment the co-op makes from an activity's budget — salaries, expense reimbursements,
refunds, settlements between co-ops — goes through :func:`node.payouts.service.payout`, which
checks the activity's available budget (:mod:`node.payouts.available`) under a lock before it
commits the amount, so no activity ever pays out more than it holds.
"""
