"""The payroll conformance kit on the built-in countries that compute payroll.

Every test of :mod:`plugins.payroll.kit_checks` runs here on France and Belgium, parametrized
by the kit (its grid of grosses, sampled months of their law, their params).
"""

from plugins.payroll.kit_checks import *  # noqa: F403

PAYROLL_COUNTRIES = ["FR", "BE"]
