"""Published Belgian examples the payroll reproduces (the conformance kit replays them): the
SPF Finances withholding simulator, ONSS instructions, social secretariats' payslips."""

from __future__ import annotations

from decimal import Decimal

from plugins.payroll.contract import ReferenceCase
from plugins.payroll.model import Period

_DUX = (
    "https://github.com/Jspmoi19/duxsalary (test_profils.py: payslips and simulations of "
    "Belgian social secretariats recorded 29/09 and 01/10/2026): "
)
_SPF_SIMULATOR = (
    "SPF Finances, simulateur du précompte professionnel 2026 (SimulateurPrP2026, "
    "https://finances.belgium.be/fr/entreprises/personnel_et_remuneration/precompte_professionnel/calcul), "
)

REFERENCE_CASES: tuple[ReferenceCase, ...] = (
    ReferenceCase(
        id="spf-key-formula-single-3500",
        period=Period(2026, 10),
        params={},
        gross=Decimal("3500.00"),
        expected={
            "line:onss_employee:employee_amount": Decimal("457.45"),
            "extra:taxable_remuneration": Decimal("3042.55"),
            "income_tax_withheld": Decimal("617.41"),
        },
        source=_SPF_SIMULATOR
        + "single, no child, taxable 3 042,55 → 617,41 (same figure in the independent "
        "calculateur-de-salaire.be 2026 table, as recorded in DuxSalary test_profils.py, test 4)",
    ),
    ReferenceCase(
        id="spf-key-formula-single-4000",
        period=Period(2026, 10),
        params={},
        gross=Decimal("4000.00"),
        expected={"income_tax_withheld": Decimal("826.70")},
        source=_SPF_SIMULATOR + "single, no child, gross 4 000 → 826,70 (DuxSalary test 4)",
    ),
    ReferenceCase(
        id="spf-key-formula-single-5000",
        period=Period(2026, 10),
        params={},
        gross=Decimal("5000.00"),
        expected={"income_tax_withheld": Decimal("1245.27")},
        source=_SPF_SIMULATOR + "single, no child, gross 5 000 → 1 245,27 (DuxSalary test 4)",
    ),
    ReferenceCase(
        id="spf-key-formula-marital-quotient-taxable-2500",
        period=Period(2026, 9),
        params={"marital_status": "married_one_income"},
        gross=Decimal("2635.19"),
        expected={
            "extra:taxable_remuneration": Decimal("2500.00"),
            "extra:withholding_before_work_bonus": Decimal("35.99"),
        },
        source=_SPF_SIMULATOR
        + "married, spouse without income, taxable 2 500 → 35,99 before the fiscal work bonus "
        "(run 29/09/2026, DuxSalary test 5); gross 2 635,19 gives that taxable in September",
    ),
    ReferenceCase(
        id="spf-key-formula-single-taxable-2500",
        period=Period(2026, 9),
        params={},
        gross=Decimal("2635.19"),
        expected={"extra:withholding_before_work_bonus": Decimal("381.01")},
        source=_SPF_SIMULATOR + "single, taxable 2 500 → 381,01 (DuxSalary test 5)",
    ),
    ReferenceCase(
        id="wage-calculator-single-3000-september",
        period=Period(2026, 9),
        params={},
        gross=Decimal("3000.00"),
        expected={
            "line:onss_employee:employee_amount": Decimal("392.10"),
            "line:work_bonus_a:employee_amount": Decimal("-110.54"),
            "extra:taxable_remuneration": Decimal("2718.44"),
            "extra:withholding_before_work_bonus": Decimal("474.50"),
            "extra:fiscal_work_bonus": Decimal("36.63"),
            "income_tax_withheld": Decimal("437.87"),
            "line:special_social_security:employee_amount": Decimal("19.24"),
            "net_pay": Decimal("2261.33"),
        },
        source="Worked example « isolé, 0 enfant, brut 3 000,00 €, 14/09/2026 » of the design "
        "spec of https://github.com/VicdSpt/Wage_Calculator (§ 8.2), computed from SPF "
        "formule-clé 2026 (ESS-SR/2025-0928), ONSS instructions 2026/3 (work bonus, "
        "special contribution)",
    ),
    ReferenceCase(
        id="group-s-work-bonus-capped-2257",
        period=Period(2026, 9),
        params={},
        gross=Decimal("2257.00"),
        expected={
            "line:onss_employee:employee_amount": Decimal("294.99"),
            "line:work_bonus_a:employee_amount": Decimal("-127.54"),
            "line:work_bonus_b:employee_amount": Decimal("-167.45"),
        },
        source=_DUX + "Group S payroll simulation, employee CP 336, gross 2 257 in September "
        "2026: volet A 127,54, volet B cut to 167,45 by the 294,99 contribution (test 3)",
    ),
    ReferenceCase(
        id="blue-collar-108-onss-778.87",
        period=Period(2026, 7),
        params={"category": "blue_collar", "joint_committee": "140.03"},
        gross=Decimal("778.87"),
        expected={
            "extra:onss_base": Decimal("841.18"),
            "line:onss_employee:employee_amount": Decimal("109.94"),
            "line:onss_employer:employer_amount": Decimal("210.30"),
            "line:holiday_fund_quarterly:employer_amount": Decimal("46.85"),
        },
        source=_DUX + "validated blue-collar payslip, CP 140.03, July 2026: 778,87 × 108 % = "
        "841,18; personal ONSS 109,94; employer 30,57 % (19,88 + 5,12 + 5,57 holiday, ONSS "
        "TechLib 2026/3, worker code 015) = 257,15 = 210,30 + 46,85 (test 1)",
    ),
    ReferenceCase(
        id="onss-structural-reduction-white-collar-3000",
        period=Period(2026, 9),
        params={},
        gross=Decimal("3000.00"),
        expected={
            "line:onss_employer:employer_amount": Decimal("750.00"),
            "line:structural_reduction:employer_amount": Decimal("-164.80"),
            "employer_cost": Decimal("3585.20"),
        },
        source="ONSS, Instructions administratives 2026/3, réduction structurelle catégorie 1 "
        "(https://www.socialsecurity.be/employer/instructions/dmfa/fr/latest/instructions/"
        "deductions/structuralreduction_targetgroupreductions/structuralreduction.html): "
        "S = 9 000, R = 0,14 × (11 687,74 − S) + 0,16 × (9 738,14 − S) = 494,39 a quarter, "
        "164,80 a month; cost 3 000 + 25 % − 164,80",
    ),
)
