"""The payroll conformance kit (plugins.payroll.kit) run on Austria's payroll."""

from plugins.payroll.kit_checks import *  # noqa: F403

PAYROLL_COUNTRIES = ["AT"]
