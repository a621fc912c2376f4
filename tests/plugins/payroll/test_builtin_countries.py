"""The payroll conformance kit on the built-in countries.

Every test of :mod:`plugins.payroll.kit_checks` runs here on France, parametrized by the kit
(its grid of grosses, sampled months of its law, its params); each other country runs the same
checks from its own folder (``tests/plugins/<cc>/test_payroll_<cc>_kit.py``). The last test
makes sure no built-in country with payroll is left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

from node.docs_payroll_params import builtin_jurisdictions
from plugins.payroll.kit_checks import *  # noqa: F403

PAYROLL_COUNTRIES = ["FR"]
TESTS = Path(__file__).resolve().parents[1]


def _kit_countries(path: Path) -> set[str]:
    """The ``PAYROLL_COUNTRIES`` a test module assigns."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PAYROLL_COUNTRIES" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


def test_every_builtin_country_with_payroll_runs_the_kit() -> None:
    covered = set(PAYROLL_COUNTRIES)
    for path in TESTS.glob("*/test_payroll_*_kit.py"):
        covered |= _kit_countries(path)
    with_payroll = {code for code, j in builtin_jurisdictions().items() if j.payroll()}
    assert with_payroll == covered
    assert len(with_payroll) == 9
