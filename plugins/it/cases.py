"""Published examples the Italian computation reproduces (the conformance kit runs them).

Only the Agenzia delle Entrate's worked examples of the cuneo fiscale could be found for the
2025-2026 law; no official worked payslip of the 2026 IRPEF or of INPS contributions was
reachable (``docs/payroll-it.md#reference-cases``). The gross of each case is an input chosen so
that the period's employment income is the example's; the expected figures are the example's.
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
)
