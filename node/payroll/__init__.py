"""Salaries out of activity budgets: payroll profiles, employment contracts and work
declarations, salary requests, payslips and their documents, payroll runs, periodic declarations.

The law is the jurisdiction's (:class:`plugins.payroll.contract.Payroll`); this package keeps the
records and moves the money through the payout primitive (:func:`node.payouts.service.payout`).
See ``docs/payroll.md``.
"""
