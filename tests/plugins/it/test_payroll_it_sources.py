"""Published annual figures of the Italian income tax, reproduced through ``plugins.it.tax``.

The payslip-level reference cases (``plugins/it/cases.py``) cannot hold an annual example, so
the examples the Agenzia delle Entrate publishes for a year's income are checked here on the
tax module's annual functions. Each test names its source; the last group is a cross-check
against open-source code, not an authority (``docs/payroll-it.md#reference-cases``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from plugins.it.payroll import italy_payroll
from plugins.it.tax import TaxLaw, cents

LAW: TaxLaw = italy_payroll().law_on(date(2026, 1, 1)).tax
YEAR = Decimal(1)

ADE_RATES_PAGE = "https://www.agenziaentrate.gov.it/portale/web/english/personal-income-tax-rates-and-calculation"
CIRCULAR_4E_2025 = (
    "https://www.agenziaentrate.gov.it/portale/documents/20143/8410823/"
    "Circolare+lavoro+dipendente+LB2025+DD+IRPEF+n.+4+del+16+maggio+2025.pdf"
)


def money(amount: str) -> Decimal:
    return Decimal(amount)


# -- Agenzia delle Entrate: IRPEF rates and calculation (page updated 16 January 2026) -------


@pytest.mark.parametrize(
    ("income", "tax"),
    [
        ("28000", "6440"),  # the table: 23 % up to 28 000, i.e. 6 440 on 28 000
        ("50000", "13700"),  # the 2026 note: "the due tax is €13,700 (instead of €14,140)"
        ("60000", "18000"),  # the note's formula: 13 700 + 43 % of the part above 50 000
    ],
)
def test_ade_rates_page_cumulative_tax(income: str, tax: str) -> None:
    """ADE_RATES_PAGE, note on the 2026 budget law (L. 199/2025): the second bracket falls to
    33 %, so above 50 000 € the tax is 13 700 € plus 43 % of the excess. The page's note was
    read through a public transcription (the page itself is not reachable offline)."""
    assert LAW.gross_tax(money(income), YEAR) == money(tax)


def test_the_2026_rate_cut_is_the_published_440_at_most() -> None:
    """Same note: 13 700 instead of 14 140 (6 440 + 35 % of 22 000, the 2025 rate): 440 € less,
    the amount L. 199/2025 art. 1 c. 4 takes back above 200 000 € of income."""
    with_35 = money("6440") + money("22000") * money("0.35")
    assert with_35 == money("14140")
    assert with_35 - LAW.gross_tax(money("50000"), YEAR) == money("440")


# -- Agenzia delle Entrate, circolare 4/E of 16 May 2025, § 1.2: the cuneo fiscale sum ------


def test_circular_4e_example_1_with_its_reddito_complessivo() -> None:
    """CIRCULAR_4E_2025 § 1.2 example 1: reddito complessivo 6 000 €, 2 000 € of employment
    income over 62 days; the annual theoretical income (2 000 : 62 × 365) falls in the
    8 501 – 15 000 band: 5.3 % × 2 000 = 106 €. (The circular prints 11.744,19 for the annual
    income; 2 000 / 62 × 365 is 11 774,19 — a misprint that does not move the band.)"""
    annual = money("2000") * 365 / 62
    assert cents(annual) == money("11774.19")
    rate = LAW.exempt_sum_rate(annual, money("6000"))
    assert rate == money("5.3")
    assert cents(money("2000") * rate / 100) == money("106.00")


def test_circular_4e_example_2_two_contracts() -> None:
    """CIRCULAR_4E_2025 § 1.2 example 2: 2 000 € over 62 days and 1 000 € over 30 days; annual
    theoretical income (3 000 : 92 × 365) 11 902,17 €; 5.3 % × 3 000 = 159 €."""
    annual = money("3000") * 365 / 92
    assert cents(annual) == money("11902.17")
    rate = LAW.exempt_sum_rate(annual, annual)
    assert cents(money("3000") * rate / 100) == money("159.00")


def test_circular_4e_example_3_band_bound_is_inclusive() -> None:
    """CIRCULAR_4E_2025 § 1.2 example 3: 4 500 € taxable in Italy and 10 500 € exempt make a
    reddito complessivo of 15 000 € (L. 207/2024 art. 1 c. 9), in the band "from 8 501 to
    15 000" (5.3 %), applied to the taxable 4 500 €: 238,50 €. 15 000 is inside the band."""
    rate = LAW.exempt_sum_rate(money("15000"), money("15000"))
    assert rate == money("5.3")
    assert cents(money("4500") * rate / 100) == money("238.50")
    assert LAW.exempt_sum_rate(money("15000.01"), money("15000.01")) == money("4.8")


# -- Cross-check only: figures of open-source Italian payroll code (not an authority) -------
#
# BernardoGiordano/stipendio.top, README.md ("Formule di Calcolo Rapido", 2026) gives the same
# 6 440 / 13 700 cumulative formulas as above. The figures below are hand-worked examples of
# the statutory formulas (TUIR art. 13 with its four-decimal ratio, L. 207/2024 art. 1 c. 6,
# DL 3/2020 art. 1) found in the test files of public open-source Italian payroll engines by
# code search; they check this module against independent arithmetic, not against the law's
# publisher.


@pytest.mark.parametrize(
    ("income", "deduction"),
    [
        ("20000", "2642.21"),  # 1 910 + 1 190 × 0.6153 (8 000 / 13 000 = 0.615384…)
        ("25000.00", "2184.53"),  # 1 910 + 1 190 × 0.2307; no 65 €: not above 25 000
        ("25000.01", "2249.53"),  # the same plus the 65 € of art. 13 c. 1.1
        ("30000", "1801.19"),  # 1 910 × 0.9090 (not 0.90909…) + 65
        ("40000", "868.10"),  # 1 910 × 0.4545
    ],
)
def test_cross_check_employment_deduction(income: str, deduction: str) -> None:
    assert cents(LAW.employment_deduction(money(income))) == money(deduction)


def test_cross_check_ratio_is_cut_to_four_decimals() -> None:
    """TUIR art. 13 c. 6: 0.623381 is taken as 0.6233 (cut, not rounded)."""
    assert LAW.ratio(money("0.623381")) == money("0.6233")
    assert LAW.ratio(money("0.99999")) == money("0.9999")
    assert LAW.ratio(money("0")) == 0


@pytest.mark.parametrize(
    ("income", "deduction"),
    [("20000", "0"), ("20000.01", "1000"), ("32000", "1000"), ("36000", "500"), ("40000", "0")],
)
def test_cross_check_additional_deduction(income: str, deduction: str) -> None:
    assert LAW.additional_deduction(money(income)) == money(deduction)


def test_cross_check_integrative_treatment_and_no_tax_area() -> None:
    """9 500 €: gross tax 2 185 > 1 955 − 75, so 1 200 € of trattamento integrativo; the
    deduction of 1 955 € leaves 230 € of tax. 8 500 € (8 500 × 23 % = 1 955) is the no tax
    area of employment income."""
    income = money("9500")
    assert LAW.gross_tax(income, YEAR) == money("2185")
    assert LAW.integrative_treatment(income, income) == money("1200")
    assert LAW.gross_tax(income, YEAR) - LAW.employment_deduction(income) == money("230")
    assert LAW.gross_tax(money("8500"), YEAR) == LAW.employment_deduction(money("8500"))
