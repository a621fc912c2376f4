"""Published Austrian figures the payslip reproduces.

No worked 2026 payslip example of the BMF or the ÖGK (Brutto-Netto-Rechner, Lohnsteuer-
richtlinien) was reachable offline. Two kinds of cases stand in for them:

* the published 2026 tables, where they fix a figure of the payslip directly: the reduced
  unemployment rates at the band limits, the ceilings, the marginal-employment threshold, the
  Vienna housing rate, the DZ of a Land and the monthly Familienbonus Plus;
* the 2026 results of an independent public calculator (jobs.at Brutto-Netto-Rechner, "Dein
  Einkommen 2026"), employee side only: social insurance and Lohnsteuer of a regular month and
  of the 13th and 14th salary. Not an authority's example: a cross-check, named as such.

Nothing here is computed by this plugin's code.
"""

from __future__ import annotations

from decimal import Decimal

from plugins.payroll.contract import ReferenceCase
from plugins.payroll.model import Period

MARCH = Period(2026, 3)
_BANDS = (
    "Dachverband / ÖGK Arbeitslosenversicherung 2026 at low incomes (§ 2a AMPFG), as published "
    "in https://berichte.infomedia.co.at/1638/Eisner%20Gunda%20WIN2026/Eisner%20Gunda%20WIN2026/14 "
    "and https://linda.lindeverlag.at/Dokument/602084: monthly base up to 2 225 € 0 %, above "
    "2 225 up to 2 427 € 1 %, above 2 427 up to 2 630 € 2 %, above 2 630 € 2,95 %"
)
_CEILINGS = (
    "SV-Werte 2026 (Aufwertungszahl 1,073), https://linda.lindeverlag.at/Dokument/602084 and "
    "https://www.klienten-info.net/newsletter/?art_id=2892&kicat=2: Höchstbeitragsgrundlage "
    "6 930 € a month, 13 860 € a year for Sonderzahlungen; Geringfügigkeitsgrenze 551,10 €"
)


def _band(case_id: str, gross: str, rate: str) -> ReferenceCase:
    return ReferenceCase(
        id=case_id,
        period=MARCH,
        params={},
        gross=Decimal(gross),
        expected={"line:av:employee_rate": Decimal(rate), "line:av:employer_rate": Decimal("2.95")},
        source=f"{_BANDS}; gross {gross} € is its own contribution base",
    )


def _calculator_cases(
    gross: str, sv: str, tax: str, net: str, sv_special: str, tax_first: str, tax_second: str
) -> tuple[ReferenceCase, ...]:
    """A regular month, the 14th salary (June) and the 13th (November) of a white-collar
    worker outside Vienna, as the calculator shows them."""
    source = (
        f"jobs.at Brutto-Netto-Rechner, https://www.jobs.at/brutto/{gross[:-3]}, table "
        f"'Dein Einkommen 2026' (Angestellte, no credits): gross {gross} € → SV {sv}, "
        f"Lohnsteuer {tax}, net {net}; Urlaubszuschuss SV {sv_special}, Lohnsteuer "
        f"{tax_first}; Weihnachtsgeld SV {sv_special}, Lohnsteuer {tax_second} "
        "(independent calculator, not an official example)"
    )
    params = {"state": "oberoesterreich"}
    twice = str(2 * Decimal(gross))
    return (
        ReferenceCase(
            id=f"jobs-at-{gross}-regular",
            period=MARCH,
            params=params,
            gross=Decimal(gross),
            expected={
                "employee_contributions": Decimal(sv),
                "income_tax_withheld": Decimal(tax),
                "net_pay": Decimal(net),
            },
            source=source,
        ),
        ReferenceCase(
            id=f"jobs-at-{gross}-urlaubszuschuss",
            period=Period(2026, 6),
            params={**params, "special_payment": "first"},
            gross=Decimal(twice),
            expected={
                "extra:sv_employee_regular": Decimal(sv),
                "extra:tax_regular": Decimal(tax),
                "extra:sv_employee_special": Decimal(sv_special),
                "extra:tax_special": Decimal(tax_first),
            },
            source=source,
        ),
        ReferenceCase(
            id=f"jobs-at-{gross}-weihnachtsgeld",
            period=Period(2026, 11),
            params={**params, "special_payment": "second"},
            gross=Decimal(twice),
            expected={
                "extra:sv_employee_special": Decimal(sv_special),
                "extra:tax_special": Decimal(tax_second),
            },
            source=source,
        ),
    )


REFERENCE_CASES: tuple[ReferenceCase, ...] = (
    _band("ampfg-band-0-at-2225", "2225.00", "0.00"),
    _band("ampfg-band-1-at-2225.01", "2225.01", "1.00"),
    _band("ampfg-band-1-at-2427", "2427.00", "1.00"),
    _band("ampfg-band-2-at-2630", "2630.00", "2.00"),
    _band("ampfg-full-rate-above-2630", "2630.01", "2.95"),
    ReferenceCase(
        id="asvg-ceiling-monthly-6930",
        period=MARCH,
        params={},
        gross=Decimal("9000.00"),
        expected={
            "line:kv:base": Decimal("6930.00"),
            "line:pv:base": Decimal("6930.00"),
            "line:av:base": Decimal("6930.00"),
        },
        source=f"{_CEILINGS}: a monthly gross of 9 000 € bears contributions on 6 930 €",
    ),
    ReferenceCase(
        id="asvg-ceiling-special-13860",
        period=Period(2026, 6),
        params={"special_payment": "first", "special_payment_amount": "15000.00"},
        gross=Decimal("20000.00"),
        expected={"line:kv_sz:base": Decimal("13860.00"), "line:kv:base": Decimal("5000.00")},
        source=f"{_CEILINGS}: a first special payment of 15 000 € bears contributions on "
        "13 860 €; the regular 5 000 € stays below the monthly ceiling",
    ),
    ReferenceCase(
        id="asvg-marginal-551.10",
        period=MARCH,
        params={},
        gross=Decimal("551.10"),
        expected={
            "employee_contributions": Decimal("0.00"),
            "line:uv:employer_rate": Decimal("1.10"),
        },
        source=f"{_CEILINGS}; § 5 Abs. 2 ASVG and ÖGK (https://www.gesundheitskasse.at/"
        "cdscontent/?contentid=10007.895936&portal=oegkdgportal): marginal employment bears "
        "accident insurance (1,1 %, employer) only",
    ),
    ReferenceCase(
        id="wbf-vienna-0.75",
        period=MARCH,
        params={"state": "wien"},
        gross=Decimal("3000.00"),
        expected={
            "line:wbf:employee_rate": Decimal("0.75"),
            "line:wbf:employer_rate": Decimal("0.75"),
        },
        source="Wohnbauförderungsbeitrag Wien 2026: 1,5 %, 0,75 % each side "
        "(https://www.forum-media.at/news/Recht-Steuern/Arbeitsrecht/Erhoehung-der-"
        "Lohnnebenkosten-in-Wien?print=1)",
    ),
    ReferenceCase(
        id="wbf-tirol-0.50-dz-0.39",
        period=MARCH,
        params={"state": "tirol"},
        gross=Decimal("3000.00"),
        expected={
            "line:wbf:employee_rate": Decimal("0.50"),
            "line:dz:employer_rate": Decimal("0.39"),
        },
        source="ÖGK Wohnbauförderungsbeitrag 0,5 % + 0,5 % outside Vienna (https://www."
        "gesundheitskasse.at/cdscontent/?contentid=10007.895936&portal=oegkdgportal); DZ "
        "2026 Tirol 0,39 % (RdW 2026/1, https://360.lexisnexis.at/d/"
        "z_rdw_2026_1_RdW_2026_01_012_007340e610)",
    ),
    *(
        ReferenceCase(
            id=f"familienbonus-plus-monthly-{name}",
            period=MARCH,
            params={param: 1},
            gross=Decimal("5000.00"),
            expected={"extra:family_bonus": Decimal(amount)},
            source="BMF, Familienbonus Plus (https://www.bmf.gv.at/themen/steuern/sparen-beim-"
            f"steuern/familienbonus-plus.html): {amount} € a month for {who}; fully used at "
            "this pay",
        )
        for name, param, amount, who in (
            ("under-18", "family_bonus_children_under_18", "166.68", "a child under 18"),
            ("18-plus", "family_bonus_children_18_plus", "58.34", "a child of 18 or more"),
        )
    ),
    *(
        case
        for gross, sv, tax, net, sv_special, tax_first, tax_second in (
            ("2470.00", "422.86", "160.59", "1886.55", "398.16", "87.11", "124.31"),
            ("3060.00", "552.94", "298.57", "2208.49", "522.34", "115.06", "152.26"),
            ("3250.00", "587.28", "345.27", "2317.45", "554.78", "124.51", "161.71"),
        )
        for case in _calculator_cases(gross, sv, tax, net, sv_special, tax_first, tax_second)
    ),
)
