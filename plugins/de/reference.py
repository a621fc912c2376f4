"""Published examples the German payroll reproduces (``GermanyPayroll.reference_cases``).

Each expected figure comes from the source it cites; ``docs/payroll-de.md#reference-cases``
lists them and says where no published example could be found.
"""

from __future__ import annotations

from decimal import Decimal

from plugins.payroll.contract import ReferenceCase
from plugins.payroll.model import Period

_AAV = (
    "https://www.aav-paff.com/sozialversicherungswerte (Sozialversicherungswerte 2026: maximum "
    "monthly employer subsidy for the privately insured, which equals the employer's statutory "
    "share at the ceiling of 5.812,50 EUR with the average Zusatzbeitrag 2,9 %): "
)
_CARE_TABLE = (
    "https://mhplus-app.de/media/magazine/epaper-BKK-Pflegeversicherung/index.html (BKK "
    "Pflegeversicherung brochure, table of the care insurance shares from 2025: contribution "
    "3,6 %, employer 1,8 %; employee "
)

_REGULAR: tuple[ReferenceCase, ...] = (
    ReferenceCase(
        id="employer-health-and-care-at-the-ceiling",
        period=Period(2026, 3),
        params={},
        gross=Decimal("6000.00"),
        expected={
            "line:health:employer_amount": Decimal("508.59"),
            "line:care:employer_amount": Decimal("104.63"),
        },
        source=_AAV + "KV 508,59 EUR, Pflege 104,63 EUR",
    ),
    ReferenceCase(
        id="care-rate-childless",
        period=Period(2026, 3),
        params={"childless": True},
        gross=Decimal("3000.00"),
        expected={
            "line:care:employee_rate": Decimal("2.4"),
            "line:care:employer_rate": Decimal("1.8"),
        },
        source=_CARE_TABLE + "childless 2,4 %)",
    ),
    ReferenceCase(
        id="care-rate-three-children",
        period=Period(2026, 3),
        params={"care_reduction_children": 3},
        gross=Decimal("3000.00"),
        expected={"line:care:employee_rate": Decimal("1.3")},
        source=_CARE_TABLE + "parents of 3 children 1,3 %)",
    ),
    ReferenceCase(
        id="care-rate-five-children",
        period=Period(2026, 3),
        params={"care_reduction_children": 6},
        gross=Decimal("3000.00"),
        expected={"line:care:employee_rate": Decimal("0.8")},
        source=_CARE_TABLE + "parents of 5 or more children 0,8 %)",
    ),
    ReferenceCase(
        id="care-rate-saxony",
        period=Period(2026, 3),
        params={"state": "SN"},
        gross=Decimal("3000.00"),
        expected={
            "line:care:employee_rate": Decimal("2.3"),
            "line:care:employer_rate": Decimal("1.3"),
        },
        source="https://www.allgaeuer-zeitung.de/pflege/pflege-warum-zahlen-arbeitnehmer-in-"
        "sachsen-einen-hoeheren-beitrag-108181852 (care insurance since 2025 per the BMG: in "
        "Saxony the employer pays 1,3 %, the employee with children 2,3 %)",
    ),
)

_MINIJOB_2026 = (
    "https://www.minijobs-aktuell.de/minijob-zentrale-senkt-u1-beitraege-2026 ('Beispiel 2026: "
    "Ein Minijobber verdient monatlich 550 Euro', employer charges at the Minijob-Zentrale's "
    "2026 rates): "
)
_TRANSITION_2026 = (
    "https://www.haufe.de/steuern/steuerwissen-tipps/beitraege-fuer-midijobber-richtig-"
    "berechnen_170_665146.html and https://ikk-suedwest.de/arbeitgeber/beitraege/"
    "uebergangsbereich (the published 2026 formulas with F = 0,6619: BE = 1,145937223 × AE − "
    "291,8744452, employee base = 1,431639227 × AE − 863,2784538), evaluated by hand at "
)

_LOW_PAY: tuple[ReferenceCase, ...] = (
    ReferenceCase(
        id="minijob-550-employer-charges",
        period=Period(2026, 3),
        params={"u1_rate": "1.0"},
        gross=Decimal("550.00"),
        expected={
            "line:minijob_health:employer_amount": Decimal("71.50"),
            "line:minijob_pension:employer_amount": Decimal("82.50"),
            "line:flat_tax:employer_amount": Decimal("11.00"),
            "line:levy_u1:employer_amount": Decimal("4.40"),
            "line:levy_u2:employer_amount": Decimal("1.21"),
            "line:levy_insolvency:employer_amount": Decimal("0.83"),
        },
        source=_MINIJOB_2026 + "KV 71,50, RV 82,50, Pauschsteuer 11,00, U1 4,40, U2 1,21, "
        "Insolvenzgeldumlage 0,83 EUR",
    ),
    ReferenceCase(
        id="minijob-603-pension-top-up",
        period=Period(2026, 3),
        params={},
        gross=Decimal("603.00"),
        expected={
            "line:minijob_pension:employee_amount": Decimal("21.71"),
            "net_pay": Decimal("581.29"),
        },
        source="https://www.smart-rechner.de/minijob/ratgeber/geringfuegige_beschaeftigung.php "
        "('Beispielrechnung bei 603 Euro': Rentenanteil 3,6 % 21,71 EUR, Nettolohn 581,29 EUR)",
    ),
    ReferenceCase(
        id="transition-1000-bases",
        period=Period(2026, 3),
        params={},
        gross=Decimal("1000.00"),
        expected={
            "extra:transition_total_base": Decimal("854.06"),
            "extra:transition_employee_base": Decimal("568.36"),
            "line:pension:base": Decimal("854.06"),
        },
        source=_TRANSITION_2026 + "AE = 1.000 EUR: BE 854,06 EUR, employee base 568,36 EUR",
    ),
    ReferenceCase(
        id="transition-1000-employee-pension",
        period=Period(2026, 3),
        params={},
        gross=Decimal("1000.00"),
        expected={"line:pension:employee_amount": Decimal("52.86")},
        source="https://rvrecht.deutsche-rentenversicherung.de/SharedDocs/rvRecht/07_AktuelleWerte/"
        "A-C/awert_bytuebergangsb.html (DRV: the employee's pension share is the employee base "
        "'mal 9,3 %', rounded) with the 2026 employee base of "
        + _TRANSITION_2026
        + "AE = 1.000 EUR: 568,36 × 9,3 % = 52,86 EUR",
    ),
    ReferenceCase(
        id="transition-upper-limit-meets-the-gross",
        period=Period(2026, 3),
        params={},
        gross=Decimal("2000.00"),
        expected={
            "extra:transition_total_base": Decimal("2000.00"),
            "extra:transition_employee_base": Decimal("2000.00"),
        },
        source=_TRANSITION_2026 + "AE = 2.000 EUR: both bases 2.000,00 EUR",
    ),
)

REFERENCE_CASES: tuple[ReferenceCase, ...] = (*_REGULAR, *_LOW_PAY)
