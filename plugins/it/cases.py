"""Published examples the Italian computation reproduces (the conformance kit runs them).

Two kinds: the Agenzia delle Entrate's worked examples of the cuneo fiscale sum (the gross of
each case is the input that gives the example's employment income; the expected figures are the
example's), and the 2026 contribution minimums of INPS circular 6/2026, whose published figure
is the expected INPS base of a period of one paid day or one hour below it. No official worked
payslip of the 2026 IRPEF withholding or of the INPS contributions was reachable; the annual
IRPEF figures the Agenzia publishes are reproduced in ``tests/plugins/it/test_payroll_it_sources.py``
(``docs/payroll-it.md#reference-cases``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from plugins.payroll.contract import ReferenceCase
from plugins.payroll.model import Contract, ContractKind, PayBasis, Period

CIRCULAR_4E_2025 = (
    "Agenzia delle Entrate, circolare n. 4/E del 16 maggio 2025, § 1.2 "
    "(https://www.agenziaentrate.gov.it/portale/documents/20143/8410823/"
    "Circolare+lavoro+dipendente+LB2025+DD+IRPEF+n.+4+del+16+maggio+2025.pdf)"
)


INPS_CIRCULAR_6_2026 = (
    "INPS, circolare n. 6 del 30 gennaio 2026 "
    "(https://www.inps.it/it/it/inps-comunica/atti/circolari-messaggi-e-normativa.html)"
)


def _days(days: int, end: date) -> Contract:
    """A fixed-term contract paid by the day, from 1 January to ``end``."""
    return Contract(
        kind=ContractKind.FIXED_TERM,
        basis=PayBasis.DAILY,
        days=days,
        start=date(2026, 1, 1),
        end=end,
    )


REFERENCE_CASES: tuple[ReferenceCase, ...] = (
    ReferenceCase(
        id="ade-4e-2025-example-1-62-days",
        period=Period(2026, 3),
        params={"contribution_floor": False},
        gross=Decimal("2206.45"),
        contract=_days(62, date(2026, 3, 3)),
        expected={
            "extra:taxable_income": Decimal("2000.00"),
            "line:cuneo_exempt_sum:employee_amount": Decimal("-106.00"),
            "extra:exempt_sum": Decimal("106.00"),
        },
        source=CIRCULAR_4E_2025 + ", example 1: employment income 2 000 € over 62 days "
        "(1 January to 3 March), brought to a year above 8 500 €: 5.3 % × 2 000 = 106 €. The "
        "gross 2 206,45 gives that employment income after 9.19 % IVS and the FIS share; the "
        "INPS floor is off because the example is about the tax sum only.",
    ),
    ReferenceCase(
        id="ade-4e-2025-example-2-92-days",
        period=Period(2026, 4),
        params={"contribution_floor": False},
        gross=Decimal("3309.68"),
        contract=_days(92, date(2026, 4, 2)),
        expected={
            "extra:taxable_income": Decimal("3000.00"),
            "extra:employment_income_annual": Decimal("11902.17"),
            "line:cuneo_exempt_sum:employee_amount": Decimal("-159.00"),
        },
        source=CIRCULAR_4E_2025 + ", example 2: 3 000 € over 92 days, reddito annuale teorico "
        "3 000 / 92 × 365 = 11 902,17 €, band 5.3 %, sum 5.3 % × 3 000 = 159 €. The gross "
        "3 309,68 gives that employment income.",
    ),
    ReferenceCase(
        id="inps-6-2026-daily-minimum",
        period=Period(2026, 1),
        params={},
        gross=Decimal("40.00"),
        contract=_days(1, date(2026, 1, 1)),
        expected={"extra:inps_base": Decimal("58.13")},
        source=INPS_CIRCULAR_6_2026 + ": minimale di retribuzione giornaliera 2026 of 58,13 € "
        "(9.5 % of the FPLD minimum pension of 611,85 €). One paid day at 40 € pays "
        "contributions on 58,13 €.",
    ),
    ReferenceCase(
        id="inps-6-2026-hourly-minimum",
        period=Period(2026, 2),
        params={},
        gross=Decimal("5.00"),
        contract=Contract(basis=PayBasis.HOURLY, hours=Decimal(1)),
        expected={"extra:inps_base": Decimal("8.72")},
        source=INPS_CIRCULAR_6_2026 + ": retribuzione minima oraria for part-time work on a "
        "40-hour week, 8,72 €. One paid hour at 5 € pays contributions on 8,72 €.",
    ),
)
