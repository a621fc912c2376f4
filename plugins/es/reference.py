"""Published figures the Spanish payroll reproduces (run by the conformance kit).

Each expected value is quoted from its source; the inputs (a gross) are chosen so that the
published situation arises. No expected value comes from this code. Where a source rounds or
approximates, the tolerance says by how much.
"""

from __future__ import annotations

from decimal import Decimal

from plugins.payroll.contract import ReferenceCase
from plugins.payroll.model import Period

MARCH = Period(2026, 3)

_ALGORITHM = (
    "AEAT, «Algoritmo de cálculo del tipo de retención a cuenta del IRPF para los rendimientos "
    "del trabajo personal, ejercicio 2026» "
    "(https://www3.agenciatributaria.gob.es/static_files/Sede/Programas_ayuda/Retenciones/2026/"
    "ALGORITMO_2026.pdf), "
)
_ORDEN = (
    "Orden PJC/297/2026, de 30 de marzo, normas de cotización 2026 "
    "(https://www.boe.es/diario_boe/txt.php?id=BOE-A-2026-7296), "
)
_SOLIDARITY_PRESS = (
    "Europa Press, «Los salarios superiores a 5.101,2 euros al mes pagarán una cotización extra "
    "a partir de hoy», 1 January 2026 (https://www.europapress.es/economia/laboral-00346/"
    "noticia-salarios-superiores-51012-euros-mes-pagaran-cotizacion-extra-partir-hoy-"
    "20260101083851.html), figures of the Seguridad Social: "
)

REFERENCE_CASES: tuple[ReferenceCase, ...] = (
    ReferenceCase(
        id="aeat-tabla1-exclusion-situation3-12-payments",
        period=MARCH,
        params={"annual_payments": 12},
        gross=Decimal("1323.00"),
        expected={"income_tax_withheld": Decimal("0.00"), "extra:withholding_rate": Decimal(0)},
        source=_ALGORITHM + "TABLA 1 (art. 81 RIRPF): no withholding when the annual "
        "remuneration does not exceed 15 876 euros in situation 3 without descendants; "
        "12 × 1 323,00 = 15 876,00",
    ),
    ReferenceCase(
        id="aeat-tabla1-exclusion-situation3-14-payments",
        period=MARCH,
        params={"annual_payments": 14},
        gross=Decimal("1134.00"),
        expected={"income_tax_withheld": Decimal("0.00"), "extra:withholding_rate": Decimal(0)},
        source=_ALGORITHM + "TABLA 1: limit 15 876 euros (situation 3, no descendant); "
        "14 × 1 134,00 = 15 876,00",
    ),
    ReferenceCase(
        id="aeat-tabla2-worked-example-base-24000",
        period=MARCH,
        params={"annual_payments": 12},
        gross=Decimal("2317.29"),
        expected={"extra:quota_1": Decimal("5365.50")},
        tolerance=Decimal("0.02"),
        source=_ALGORITHM + "TABLA 2, worked example «Para una base de 24.000,00 … CUOTA 1 = "
        "4.225,50 + 1.140,00 = 5.365,50»; a monthly gross of 2 317,29 in 12 payments gives a "
        "withholding base of 24 000,04 (no gross in cents gives exactly 24 000), hence the "
        "tolerance of 0,02 (0,04 × 30 %)",
    ),
    ReferenceCase(
        id="orden-group-1-minimum-base",
        period=MARCH,
        params={"annual_payments": 12, "contribution_group": 1},
        gross=Decimal("1500.00"),
        expected={
            "extra:common_base": Decimal("1989.30"),
            "extra:professional_base": Decimal("1500.00"),
        },
        source=_ORDEN + "art. 3: base mínima del grupo 1 = 1 989,30 euros/mes; art. 2.2: tope "
        "mínimo de contingencias profesionales 1 424,40 euros, below the 1 500 paid",
    ),
    ReferenceCase(
        id="orden-group-9-daily-minimum-base",
        period=MARCH,
        params={"annual_payments": 12, "contribution_group": 9},
        gross=Decimal("1300.00"),
        expected={
            "extra:common_base": Decimal("1424.40"),
            "extra:professional_base": Decimal("1424.40"),
        },
        source=_ORDEN + "art. 3: grupos 8 a 11, base mínima 47,48 euros/día (30 days: the "
        "1 424,40 euros of the tope mínimo of art. 2.2)",
    ),
    ReferenceCase(
        id="orden-maximum-base",
        period=MARCH,
        params={"annual_payments": 12},
        gross=Decimal("6000.00"),
        expected={
            "extra:common_base": Decimal("5101.20"),
            "extra:professional_base": Decimal("5101.20"),
            "extra:solidarity_excess": Decimal("898.80"),
        },
        source=_ORDEN + "art. 2.1: tope máximo 5 101,20 euros mensuales; art. 17.1: the "
        "solidarity contribution is due on the remuneration above it (6 000 − 5 101,20)",
    ),
    ReferenceCase(
        id="smi-prorated-base-1424.50",
        period=MARCH,
        params={"annual_payments": 14},
        gross=Decimal("1221.00"),
        expected={"extra:remuneration_base": Decimal("1424.50")},
        source="Real Decreto 126/2026 (https://www.boe.es/eli/es/rd/2026/02/18/126/con): SMI "
        "1 221 euros/month in 14 payments; «aquellos trabajadores que tengan las pagas "
        "prorrateadas verán en su nómina una cantidad bruta mensual de 1.424,50 euros» "
        "(Noticias Trabajo / HuffPost, https://noticiastrabajo.huffingtonpost.es/amp/economia/"
        "andres-millan-abogado-si-ganas-menos-de-1424-euros-te-tienen-que-subir-el-sueldo-ya)",
    ),
    ReferenceCase(
        id="solidarity-first-tranche-5611.32",
        period=MARCH,
        params={"annual_payments": 12},
        gross=Decimal("5611.32"),
        expected={
            "extra:solidarity_excess": Decimal("510.12"),
            "extra:solidarity_contribution": Decimal("5.86"),
        },
        tolerance=Decimal("0.01"),
        source=_SOLIDARITY_PRESS + "«5.611,32 euros al mes, tendrán una cotización adicional "
        "del 1,15% sobre los 510,12 euros … unos 5,86 euros más al mes» (the article truncates "
        "510,12 × 1,15 % = 5,866; employer 0,96 % and employee 0,19 % rounded apart give 5,87)",
    ),
    ReferenceCase(
        id="solidarity-two-tranches-7651.80",
        period=MARCH,
        params={"annual_payments": 12},
        gross=Decimal("7651.80"),
        expected={"extra:solidarity_contribution": Decimal("31.36")},
        tolerance=Decimal("0.02"),
        source=_SOLIDARITY_PRESS + "«en total, la cuota de solidaridad para este salario sería "
        "de unos 31,36 euros al mes» for 7 651,80 (510,12 at 1,15 % and 2 040,48 at 1,25 %, "
        "an approximate figure: the four amounts rounded apart give 31,38)",
    ),
)
