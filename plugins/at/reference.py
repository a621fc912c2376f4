"""Published Austrian figures the payslip reproduces.

No worked 2026 payslip example of the BMF or the ÖGK (Brutto-Netto-Rechner, Effektiv-Tarif-
Lohnsteuertabellen 2026) was reachable offline. Three kinds of cases stand in for them:

* the authorities' 2026 figures, where they fix a figure of the payslip directly: the ÖGK's
  Beitragsrechtliche Werte 2026 (reduced unemployment rates at the band limits, the ceilings,
  the marginal-employment threshold), the BMF's Lohnsteuerrichtlinien Rz 1055a (the 2026
  Freigrenze of the sonstige Bezüge: no fixed-rate tax up to a Jahressechstel of 2 615 €) and
  the BMF's monthly Familienbonus Plus;
* other published 2026 rates read at one figure (Vienna's housing rate, a Land's DZ);
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
_OEGK = (
    "ÖGK, Beitragsrechtliche Werte 2026 (Aufwertungszahl 1,073, BGBl. II Nr. 263/2025), "
    "https://www.gesundheitskasse.at/cdscontent/?contentid=10007.908421&portal=oegkdgportal"
)
_BANDS = (
    f"{_OEGK}: Grenzbeträge zum Dienstnehmeranteil am Arbeitslosenversicherungsbeitrag ab "
    "01.01.2026 (§ 2a AMPFG): bis 2 225,00 € 0 %, über 2 225,00 bis 2 427,00 € 1 %, über "
    "2 427,00 bis 2 630,00 € 2 %, über 2 630,00 € 2,95 %"
)
_CEILINGS = (
    f"{_OEGK}: Höchstbeitragsgrundlage monatlich 6 930,00 €, jährlich für Sonderzahlungen "
    "13 860,00 €; Geringfügigkeitsgrenze monatlich 551,10 €"
)
_FREIGRENZE = (
    "BMF, Lohnsteuerrichtlinien 2002 Rz 1055a (Wartungserlass 2025), https://certexternal-www."
    "360.lexisnexis.at/d/w_bmf_2025_000001552_LStR_2002_19_2_Son_64f5fac01e: 'Die Freigrenze "
    "(Jahressechstel) für die sonstigen Bezüge gemäß § 67 Abs. 1 EStG 1988 beträgt … 2026 "
    "2.615 Euro' — no fixed-rate tax on the sonstige Bezüge while the Jahressechstel is at most "
    "that"
)


def _freigrenze(case_id: str, gross: str, why: str) -> ReferenceCase:
    """A 14th salary of one monthly pay, paid in June with the month's regular pay (half the
    gross each): the Jahressechstel is two months of that pay, at most the Freigrenze."""
    return ReferenceCase(
        id=case_id,
        period=Period(2026, 6),
        params={"special_payment": "first", "state": "oberoesterreich"},
        gross=Decimal(gross),
        expected={"extra:tax_special": Decimal("0.00")},
        source=f"{_FREIGRENZE}; {why}",
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
    _freigrenze(
        "lstr-rz1055a-freigrenze-2026-at-2615",
        "2615.00",
        "regular pay 1 307,50 € and a 14th salary of 1 307,50 €: Jahressechstel 2 615,00 €",
    ),
    _freigrenze(
        "lstr-rz1055a-freigrenze-2026-above-the-2025-value",
        "2600.00",
        "regular pay 1 300 € and a 14th salary of 1 300 €: Jahressechstel 2 600 €, above the "
        "2025 Freigrenze of 2 570 € but within the 2026 one",
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
