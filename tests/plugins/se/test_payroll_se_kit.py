"""The payroll conformance kit (plugins.payroll.kit) run on Sweden's payroll."""

from plugins.payroll.kit_checks import *  # noqa: F403

PAYROLL_COUNTRIES = ["SE"]
