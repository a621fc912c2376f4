"""Expenses: a member files a cost with its receipt; staff approve (a payout reimburses it from
the activity's budget, without social charges) or refuse it with a reason."""
