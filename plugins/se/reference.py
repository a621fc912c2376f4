"""Published examples the Swedish payroll reproduces (run by the conformance kit).

The tax cases are rows of Skatteverket's published monthly tax tables for 2026 (``30B``,
column 1: pay of workers under 66; column 3: pay of those who had turned 66 at the start of the
year), each row's amount as published; the gross asked for is a
pay inside the row. The employer cases are published worked examples of the contribution rates.
"""

from __future__ import annotations

from decimal import Decimal

from plugins.payroll.contract import ReferenceCase
from plugins.payroll.model import Period

_TABLES = (
    "Skatteverket, Skattetabeller för månadslön 2026 (open data, dataset 'Skattetabeller', "
    "https://skatteverket.entryscape.net/rowstore/dataset/88320397-5c32-4c16-ae79-d36d95b17b95; "
    "consulted through the copy fetched 2026-01-07 in hartmark/kvitty-app "
    "public/tax-tables-2026.json), period 30B, "
)

# (table, row from, row to, column 1 as published, gross asked for, what the row covers)
_ROWS: tuple[tuple[int, int, int, int, str, str], ...] = (
    (29, 2001, 2100, 150, "2050.00", "pension fee above the tax it can be offset against"),
    (30, 2101, 2200, 152, "2200.00", "pension fee partly offset, fees not reducible"),
    (29, 4901, 5000, 412, "4950.00", "rising basic deduction"),
    (30, 5901, 6000, 496, "5901.00", "rising basic deduction, another table"),
    (33, 9901, 10000, 1196, "9950.50", "rising basic deduction, job tax credit band 2"),
    (33, 12901, 13000, 1815, "13000.00", "earned income credit below its maximum"),
    (33, 14601, 14700, 2159, "14650.00", "flat basic deduction, public service fee capped"),
    (33, 16901, 17000, 2662, "16999.99", "job tax credit band 3"),
    (33, 19901, 20000, 3391, "19950.00", "last row of 100 kr"),
    (33, 20001, 20200, 3439, "20001.00", "first row of 200 kr"),
    (33, 25201, 25400, 4722, "25300.00", "falling basic deduction"),
    (33, 29801, 30000, 5878, "30000.00", "the 30 000 kr row"),
    (33, 35001, 35200, 7185, "35100.50", "falling basic deduction, earned income credit capped"),
    (33, 39801, 40000, 8402, "40000.00", "job tax credit at its maximum"),
    (33, 41001, 41200, 8798, "41100.00", "lowest basic deduction"),
    (29, 72201, 72400, 20268, "72300.00", "state income tax above the skiktgräns"),
    (29, 79801, 80000, 23992, "80000.00", "last row of the table"),
)


# The same for column 3 (pay to those who had turned 66 at the start of the year), for a
# worker born in 1955.
_OLDER_ROWS: tuple[tuple[int, int, int, int, str, str], ...] = (
    (29, 2001, 2100, 150, "2100.00", "pension fee not offset"),
    (29, 4901, 5000, 350, "5000.00", "förhöjt grundavdrag, lowest bands"),
    (30, 5901, 6000, 424, "5999.00", "another table"),
    (33, 9901, 10000, 771, "10000.00", "older workers' job tax credit, 22 % band"),
    (33, 12901, 13000, 1018, "12950.00", "older workers' job tax credit, 7 % band"),
    (33, 19901, 20000, 1613, "20000.00", "last row of 100 kr"),
    (33, 25201, 25400, 2035, "25201.00", "förhöjt grundavdrag, middle bands"),
    (33, 29801, 30000, 2644, "30000.00", "the 30 000 kr row"),
    (33, 39801, 40000, 5143, "40000.00", "older workers' job tax credit at its maximum"),
    (33, 41001, 41200, 5539, "41200.00", "förhöjt grundavdrag, 25.10 % band"),
    (29, 72201, 72400, 16830, "72400.00", "state income tax, falling förhöjt grundavdrag"),
    (29, 79801, 80000, 20554, "79900.00", "last row of the table"),
)


def _table_case(row: tuple[int, int, int, int, str, str], column: int = 1) -> ReferenceCase:
    table, low, high, published, gross, covers = row
    older = {"birth_year": 1955} if column == 3 else {}
    return ReferenceCase(
        id=f"skv-table-{table}-{high}" + ("-column-3" if column == 3 else ""),
        period=Period(2026, 3),
        params={"tax_table": table, **older},
        gross=Decimal(gross),
        expected={"income_tax_withheld": Decimal(published)},
        source=_TABLES
        + f"table {table}, row {low}–{high} kr, column {column}: {published} kr ({covers})",
    )


REFERENCE_CASES: tuple[ReferenceCase, ...] = (
    *(_table_case(row) for row in _ROWS),
    *(_table_case(row, column=3) for row in _OLDER_ROWS),
    ReferenceCase(
        id="flex-agi-full-rate-38979",
        period=Period(2026, 1),
        params={"withholding": "none"},
        gross=Decimal("38979.17"),
        expected={"employer_contributions": Decimal("12247.25")},
        source="Flex Applications knowledge base, 'Hur hittar jag orsaken till differenser i "
        "arbetsgivaravgifter (AGI) i Flex HRM Payroll?' (2025-09-25, https://knowledge."
        "flexapplications.se/hur-hittar-jag-orsaken-till-diffar-i-skatt-och-arbetsgivaravgifter-"
        "agi-i-hrm-payroll): (35 000 + 2 625 + 1 625 / 1.2) × 31.42 % = 12 247.25 kr, the full "
        "rate, unchanged in 2026; the base 38 979.17 kr taken as the gross",
    ),
    ReferenceCase(
        id="youth-reduction-25000-april",
        period=Period(2026, 4),
        params={"birth_year": 2005, "withholding": "none"},
        gross=Decimal("25000.00"),
        expected={"line:youth_reduction:employer_amount": Decimal("-2700")},
        tolerance=Decimal("50"),
        source="Arbetet, 'Regeringen sänker arbetsgivaravgifter för unga' (2025-09-10, "
        "https://arbetet.se/2025/09/10/regeringen-sanker-arbetsgivaravgifter-for-unga-facket-"
        "gar-till-vinst-for-foretagen/), on the budget proposal enacted as SFS 2026:100: "
        "'upp till 2 700 kronor mindre i månaden' per young employee from April 2026 (a figure "
        "rounded by the source, hence the tolerance of 50 kr)",
    ),
)
