"""Published Hungarian payroll examples of 2026 that the computation reproduces.

Each expected figure is one a source printed (or the sum of two figures one source printed,
said so in the case); none is computed by this plugin. NAV publishes no worked payslip for
2026 that the search reached; the tax authority's own figures are the under-25 cap and its tax
value, the rest comes from published 2026 salary calculators and press examples, named as such.
"""

from __future__ import annotations

from decimal import Decimal

from plugins.payroll.contract import ReferenceCase
from plugins.payroll.model import Period

EXACT = Decimal(0)
ONE_FORINT = Decimal(1)
MARCH = Period(2026, 3)
FEBRUARY = Period(2026, 2)

_NAV_UNDER_25 = (
    "NAV, « 25 év alatti fiatalok kedvezménye » "
    "(https://nav.gov.hu/ado/szja/25-ev-alatti-fiatalok-kedvezmenye): "
)
_CALCULATOR = (
    "Bérkalkulátor 2026 of matekmegoldasok.hu (https://matekmegoldasok.hu/penzugy/berkalkulator, "
    "« 2026-os adószabályokkal », citing Szja tv., Tbj. and 426/2025. (XII. 23.) Korm. "
    "rendelet; a published calculator, not the tax authority): "
)
_MANDINER = (
    "Mandiner, 9 January 2026, « Az Orbán-kormány belekezdett … » "
    "(https://mandiner.hu/gazdasag/2026/01/az-orban-kormany-belekezdett-penzeso-hullik-a-csaladokra), "
    "worked example of a two-child family on the October 2025 median gross of 575 000 HUF "
    "(press example, not the tax authority): "
)

REFERENCE_CASES: tuple[ReferenceCase, ...] = (
    ReferenceCase(
        id="nav-under-25-cap-tax-value",
        period=MARCH,
        params={},
        gross=Decimal("715765"),
        expected={"income_tax_withheld": Decimal("107365")},
        source=_NAV_UNDER_25 + "the 2026 monthly cap of 715 765 HUF « 107 365 forint "
        "adómegtakarítást jelent », i.e. the 15 % tax on that wage without the allowance",
        tolerance=EXACT,
    ),
    ReferenceCase(
        id="nav-under-25-cap-exempt",
        period=MARCH,
        params={"under_25": True},
        gross=Decimal("715765"),
        expected={
            "income_tax_withheld": Decimal("0"),
            "extra:under_25_exemption": Decimal("715765"),
        },
        source=_NAV_UNDER_25 + "« Az adóalapból levonható kedvezmény 2026-ban havonta "
        "maximum 715 765 forint »: a wage at the cap bears no tax",
        tolerance=EXACT,
    ),
    ReferenceCase(
        id="calculator-minimum-wage-net",
        period=MARCH,
        params={},
        gross=Decimal("322800"),
        expected={"net_pay": Decimal("214662")},
        source=_CALCULATOR + "« Minimálbér 322 800 Ft, nettó 214 662 Ft »",
        tolerance=EXACT,
    ),
    ReferenceCase(
        id="calculator-guaranteed-minimum-net",
        period=MARCH,
        params={"secondary_education_job": True},
        gross=Decimal("373200"),
        expected={"net_pay": Decimal("248178"), "extra:applicable_minimum_wage": Decimal("373200")},
        source=_CALCULATOR + "« Garantált bérmin. 373 200 Ft, nettó 248 178 Ft »",
        tolerance=EXACT,
    ),
    ReferenceCase(
        id="calculator-gross-500000",
        period=MARCH,
        params={},
        gross=Decimal("500000"),
        expected={
            "income_tax_withheld": Decimal("75000"),
            "line:tb_jarulek:employee_amount": Decimal("92500"),
            "net_pay": Decimal("332500"),
            "line:szocho:employer_amount": Decimal("65000"),
            "employer_cost": Decimal("565000"),
        },
        source=_CALCULATOR + "default example « Bruttó bér 500 000 Ft; SZJA (15%) 75 000 Ft; "
        "TB járulék (18,5%) 92 500 Ft; Nettó bér 332 500 Ft; Szocho (13%) 65 000 Ft; Teljes "
        "bérköltség 565 000 Ft »",
        tolerance=EXACT,
    ),
    ReferenceCase(
        id="accountant-minimum-wage-employer-cost",
        period=MARCH,
        params={},
        gross=Decimal("322800"),
        expected={"employer_cost": Decimal("364764")},
        source="A. Takács könyvelőiroda, « 2026-os minimálbér változások – munkaviszony » "
        "(https://atakacs.hu/hu/berszamfejtes/2026-os-minimalber-valtozasok-1-munkaviszony): "
        "« a szociális hozzájárulási adóval a költség havi 364 764 Ft-ra emelkedik » "
        "(accounting firm, not the tax authority)",
        tolerance=EXACT,
    ),
    ReferenceCase(
        id="press-median-wage-no-allowance",
        period=FEBRUARY,
        params={},
        gross=Decimal("575000"),
        expected={"net_pay": Decimal("382375")},
        source=_MANDINER + "the mother's net « 382 375 forint » without any allowance (printed "
        "for December 2025; the rates are unchanged in 2026)",
        tolerance=EXACT,
    ),
    ReferenceCase(
        id="press-median-wage-two-children-mother",
        period=FEBRUARY,
        params={"mother_exemption": "two_children_under_40"},
        gross=Decimal("575000"),
        expected={"income_tax_withheld": Decimal("0"), "net_pay": Decimal("468625")},
        source=_MANDINER + "from January 2026 the mother under 40 with two children is exempt, "
        "« neki havonta 86 250 forinttal több marad »: 382 375 + 86 250 = 468 625",
        tolerance=EXACT,
    ),
    ReferenceCase(
        id="press-median-wage-two-children-father",
        period=FEBRUARY,
        params={"family_dependants": 2, "family_beneficiaries": 2},
        gross=Decimal("575000"),
        expected={"net_pay": Decimal("462375")},
        source=_MANDINER + "the father claims the family allowance, « két gyermek esetén a "
        "duplájára, 80 000 forintra emelkedik »: 382 375 + 80 000 = 462 375. Tolerance 1 HUF: "
        "the press rounds the tax value of 2 × 266 670 HUF (80 000.50) to 80 000",
        tolerance=ONE_FORINT,
    ),
)
