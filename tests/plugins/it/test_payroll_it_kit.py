"""The payroll conformance kit (plugins.payroll.kit) run on Italy's payroll."""

from plugins.payroll.kit_checks import *  # noqa: F403

PAYROLL_COUNTRIES = ["IT"]
