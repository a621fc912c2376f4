"""The plugin's Lohnsteuer, Solidaritätszuschlag and church-tax base against the BMF's own
Programmablaufplan 2026, executed from its XML by the interpreter in ``conftest.py``.

The grid covers every tax class, grosses from 0 to 15,000 EUR a month (a coarse sweep plus the
edges of the ceilings, the Vorsorgepauschale cap, the Soli exemption and taper, the class V/VI
thresholds), child allowances, church membership, the health surcharge, Saxony, childlessness
and the care reductions, for several months of the law. Amounts must agree to the cent.
"""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from typing import Any

import pytest

from plugins.de.lohnsteuer import TaxInput, TaxLaw, withholding
from plugins.de.payroll import GermanyPayroll
from plugins.payroll.model import Period

HUNDRED = Decimal(100)
MONTHS = (Period(2026, 1), Period(2026, 7), Period(2026, 12))
#: Monthly grosses where the PAP changes course: ceilings (5,812.50 and 8,450), the employee
#: lump sum (102.50 a month), the 1,900 EUR cap, the class V/VI thresholds and zones of § 32a.
EDGES = (
    "0",
    "0.01",
    "102.49",
    "102.50",
    "1029.00",
    "1172.58",
    "2911.58",
    "5812.49",
    "5812.50",
    "5812.51",
    "8449.99",
    "8450.00",
    "8450.01",
    "15000.00",
)


def _grosses() -> list[Decimal]:
    sweep = [Decimal(cents) / HUNDRED for cents in range(0, 1_500_001, 12_347)]
    return sorted({*sweep, *(Decimal(edge) for edge in EDGES)})


def _situations() -> list[TaxInput]:
    """Every class with the plain situation, then a seeded sample of the combinations."""
    plain = [TaxInput(c, Decimal(0), Decimal("2.9"), False, False, 0, False) for c in range(1, 7)]
    choices = list(
        itertools.product(
            range(1, 7),
            ("0", "0.5", "1", "2.5"),
            ("0", "2.9", "4.4"),
            (False, True),  # Saxony
            ("parent", "childless", "2", "5"),
            (False, True),  # church
        )
    )
    sample = random.Random(2026).sample(choices, 60)
    extra = []
    for tax_class, children, surcharge, saxony, family, church in sample:
        if tax_class in (5, 6):
            children = "0"
        reductions = 0 if family in ("parent", "childless") else min(int(family) - 1, 4)
        extra.append(
            TaxInput(
                tax_class=tax_class,
                children_allowances=Decimal(children),
                health_surcharge=Decimal(surcharge),
                saxony=saxony,
                childless=family == "childless",
                care_reductions=reductions,
                church=church,
            )
        )
    return plain + extra


def _pap_inputs(tax: TaxInput, gross: Decimal) -> dict[str, Any]:
    return {
        "LZZ": 2,
        "RE4": gross * HUNDRED,
        "STKL": tax.tax_class,
        "ZKF": tax.children_allowances,
        "KVZ": tax.health_surcharge,
        "PVS": int(tax.saxony),
        "PVZ": int(tax.childless),
        "PVA": Decimal(tax.care_reductions),
        "R": int(tax.church),
    }


@pytest.fixture(scope="module")
def laws() -> dict[Period, TaxLaw]:
    payroll = GermanyPayroll()
    return {month: TaxLaw.read(payroll.law.at(month.start)) for month in MONTHS}


def test_plugin_agrees_with_the_pap_xml_to_the_cent(pap_program, laws) -> None:  # type: ignore[no-untyped-def]
    grosses = _grosses()
    situations = _situations()
    problems = []
    checked = 0
    for index, tax in enumerate(situations):
        law = laws[MONTHS[index % len(MONTHS)]]
        for gross in grosses if index < 6 else grosses[index % 3 :: 3]:
            ours = withholding(law, tax, gross)
            pap = pap_program.run(_pap_inputs(tax, gross))
            expected = (pap["LSTLZZ"], pap["SOLZLZZ"], pap["BK"])
            got = (ours.lohnsteuer * HUNDRED, ours.solidarity * HUNDRED, ours.church_base * HUNDRED)
            checked += 1
            if got != expected:
                problems.append(f"{tax} gross {gross}: ours {got}, PAP {expected}")
    assert not problems, f"{len(problems)} of {checked} differ, e.g.\n" + "\n".join(problems[:5])
    assert checked > 2000


def test_the_grid_reaches_every_branch(pap_program, laws) -> None:  # type: ignore[no-untyped-def]
    """The grid is not vacuous: it meets the Soli taper, the top rate and class V/VI minimums."""
    law = laws[MONTHS[0]]
    plain = TaxInput(1, Decimal(0), Decimal("2.9"), False, False, 0, True)
    high = withholding(law, plain, Decimal("15000.00"))
    assert high.solidarity > 0 and high.annual_tax > 0
    taper = [g for g in _grosses() if withholding(law, plain, g).solidarity > 0]
    assert taper and min(taper) < Decimal(8000)
    married = TaxInput(3, Decimal(2), Decimal("2.9"), False, False, 1, True)
    pap = pap_program.run(_pap_inputs(married, Decimal("9000.00")))
    assert pap["BK"] < pap["LSTLZZ"]  # child allowances lower the church-tax base
    assert withholding(law, married, Decimal("9000.00")).church_base * HUNDRED == pap["BK"]


@pytest.mark.parametrize(
    ("params", "pap"),
    [
        ({}, {"STKL": 1, "KVZ": "2.9"}),
        (
            {"tax_class": 3, "children_allowances": "1.5", "church_member": True, "state": "SN"},
            {"STKL": 3, "ZKF": "1.5", "R": 1, "PVS": 1, "KVZ": "2.9"},
        ),
        (
            {"tax_class": 2, "care_reduction_children": 7, "health_surcharge": "3.5"},
            {"STKL": 2, "PVA": "4", "KVZ": "3.5"},
        ),
        (
            {"tax_class": 6, "childless": True, "church_member": True},
            {"STKL": 6, "PVZ": 1, "R": 1, "KVZ": "2.9"},
        ),
    ],
)
def test_payslip_params_reach_the_pap_inputs(pap_program, params, pap) -> None:  # type: ignore[no-untyped-def]
    """The payslip passes each param to the withholding as the PAP input it stands for."""
    payroll = GermanyPayroll()
    for gross in ("2409.29", "4321.09", "7777.77", "12500.00"):
        payslip = payroll.payslip(MONTHS[1], Decimal(gross), params)
        expected = pap_program.run({"LZZ": 2, "RE4": Decimal(gross) * HUNDRED, "R": 0, **pap})
        assert Decimal(payslip.extra["lohnsteuer"]) * HUNDRED == expected["LSTLZZ"]
        assert Decimal(payslip.extra["solidarity_surcharge"]) * HUNDRED == expected["SOLZLZZ"]
        assert Decimal(payslip.extra["church_tax_base"]) * HUNDRED == expected["BK"]


@pytest.mark.parametrize("opt_out", [False, True])
@pytest.mark.parametrize("tax_class", [1, 3, 5, 6])
def test_minijob_taxed_by_class_is_the_pap_without_health_cover(  # type: ignore[no-untyped-def]
    pap_program, tax_class: int, opt_out: bool
) -> None:
    """A Minijob taxed by its class: the PAP with no health, care or unemployment cover of the
    worker's own (PKV = 1 with no premium, ALV = 1) and, when exempted, no pension (KRV = 1)."""
    payroll = GermanyPayroll()
    params = {"minijob_flat_tax": False, "tax_class": tax_class, "pension_opt_out": opt_out}
    for gross in ("0.01", "175.00", "450.00", "603.00"):
        payslip = payroll.payslip(MONTHS[1], Decimal(gross), {**params, "church_member": True})
        inputs = {"LZZ": 2, "RE4": Decimal(gross) * HUNDRED, "STKL": tax_class, "R": 1}
        pap = pap_program.run({**inputs, "KRV": int(opt_out), "ALV": 1, "PKV": 1, "PKPV": 0})
        assert Decimal(payslip.extra["lohnsteuer"]) * HUNDRED == pap["LSTLZZ"]
        assert Decimal(payslip.extra["church_tax_base"]) * HUNDRED == pap["BK"]
    assert tax_class < 5 or pap["LSTLZZ"] > 0
