"""Published Dutch examples the payroll reproduces: rows of the Belastingdienst's white monthly
table 2026 (witte maandtabel loonbelasting/premie volksverzekeringen, Nederland, standaard,
uitgave januari 2026), the table the Rekenvoorschriften say is binding.

Each row gives, for a table wage, the withholding without and with the loonheffingskorting and
the arbeidskorting set off ("verrekende arbeidskorting"), below the AOW age and at it (born in
1946 or later, without and with the alleenstaande-ouderenkorting). The rows were read as
transcribed, with the annual figures of two of them, in the "Verification — cent-exact worked
examples" of the NL specification (``NL.md``) of a public open-source take-home-pay project
that checks its engine against them (``scripts/tax-tests/nl.mjs``). No official worked example
of the employer premiums was found (docs/payroll-nl.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from plugins.payroll.contract import ReferenceCase
from plugins.payroll.model import Period

TABLE = (
    "Belastingdienst, Witte Maandloon-tabel loonbelasting/premie volksverzekeringen Nederland "
    "Standaard 2026 (https://download.belastingdienst.nl/belastingdienst/dl/rekenhulpen/"
    "loonheffing/2026/v01/pdf/wit_mnd_nl_std_20260101.pdf), row "
)
AOW = {"age_group": "aow_from_1946"}

#: Table wage: below AOW (zonder lhk, met lhk, verrekende arbeidskorting), AOW age born 1946
#: or later (zonder lhk, met lhk excl. AOK, met lhk incl. AOK, verrekende arbeidskorting).
ROWS: dict[str, tuple[tuple[str, str, str], tuple[str, str, str, str]]] = {
    "2700.00": (("965.25", "267.50", "452.33"), ("481.92", "0.00", "0.00", "187.08")),
    "3001.50": (("1073.00", "388.58", "458.25"), ("535.75", "21.58", "0.00", "228.92")),
    "4000.50": (("1443.83", "820.92", "460.67"), ("863.83", "405.33", "360.33", "230.17")),
    "6502.50": (("2383.58", "2083.58", "297.83"), ("1803.58", "1653.58", "1608.58", "148.83")),
    "8001.00": (("3121.42", "2921.17", "200.25"), ("2541.42", "2441.25", "2396.25", "100.17")),
    "11002.50": (("4607.08", "4602.25", "4.83"), ("4027.08", "4024.50", "3979.50", "2.58")),
}
#: Annual intermediate figures published with two rows (below the AOW age).
ANNUAL = {
    "4000.50": {
        "annual_table_wage": "48006",
        "annual_tax_before_credits": "17326",
        "general_tax_credit": "1947",
        "labour_tax_credit": "5528",
    },
    "6502.50": {
        "annual_table_wage": "78030",
        "annual_tax_before_credits": "28603",
        "general_tax_credit": "26",
        "labour_tax_credit": "3574",
    },
}


def _case(
    wage: str, column: str, params: Mapping[str, Any], expected: Mapping[str, str], ident: str
) -> ReferenceCase:
    return ReferenceCase(
        id=f"witte-maandtabel-2026-{wage}-{ident}",
        period=Period(2026, 1),
        params=dict(params),
        gross=Decimal(wage),
        expected={key: Decimal(value) for key, value in expected.items()},
        source=f"{TABLE}{wage}, {column}",
    )


def _cases() -> Iterator[ReferenceCase]:
    for wage, (young, aow) in ROWS.items():
        without, with_credit, labour = young
        annual = {f"extra:{key}": value for key, value in ANNUAL.get(wage, {}).items()}
        yield _case(
            wage,
            "jonger dan de AOW-leeftijd, met loonheffingskorting and verrekende arbeidskorting",
            {},
            {
                "income_tax_withheld": with_credit,
                "extra:labour_tax_credit_applied_monthly": labour,
                **annual,
            },
            "met-lhk",
        )
        yield _case(
            wage,
            "jonger dan de AOW-leeftijd, zonder loonheffingskorting",
            {"apply_tax_credit": False},
            {"income_tax_withheld": without},
            "zonder-lhk",
        )
        aow_without, aow_with, aow_single, aow_labour = aow
        yield _case(
            wage,
            "AOW-leeftijd, geboren in 1946 of later, zonder loonheffingskorting",
            {**AOW, "apply_tax_credit": False},
            {"income_tax_withheld": aow_without},
            "aow-zonder-lhk",
        )
        yield _case(
            wage,
            "AOW-leeftijd, geboren in 1946 of later, met loonheffingskorting exclusief "
            "alleenstaande-ouderenkorting, and verrekende arbeidskorting",
            AOW,
            {
                "income_tax_withheld": aow_with,
                "extra:labour_tax_credit_applied_monthly": aow_labour,
            },
            "aow-met-lhk",
        )
        yield _case(
            wage,
            "AOW-leeftijd, geboren in 1946 of later, met loonheffingskorting inclusief "
            "alleenstaande-ouderenkorting",
            {**AOW, "single_elderly_credit": True},
            {"income_tax_withheld": aow_single},
            "aow-met-lhk-aok",
        )


REFERENCE_CASES: tuple[ReferenceCase, ...] = tuple(_cases())
