"""Payroll law as data and plain functions, shared by every country plugin.

* :mod:`plugins.payroll.model` — periods, contracts, payslips and the declarations a country
  produces (plain frozen dataclasses, amounts as ``Decimal``);
* :mod:`plugins.payroll.law` — versioned law parameters read from a country's data file, each
  value with its effective dates and source, and the record of which ones a payslip used;
* :mod:`plugins.payroll.params` — a country's payroll params: JSON Schema, coercion of text
  input (the CLI's ``--param k=v``), validation with one clear message;
* :mod:`plugins.payroll.solve` — the inverse of any payslip computation (employer cost → gross).

The contract a country implements is :class:`plugins.payroll.contract.Payroll`, exposed by
:meth:`plugins.jurisdiction.Jurisdiction.payroll`.
"""
