"""Published French reference payslips the payroll reproduces (the conformance kit replays
them): URSSAF's own rules, modele-social evaluated with publicodes. The full grid of 2,176 cases
is ``tests/plugins/fr/refdata`` (``make refdata``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from plugins.payroll.contract import ReferenceCase
from plugins.payroll.model import Contract, ContractKind, Period

DOCS = "docs/payroll-fr.md"
MODELE_SOCIAL = "modele-social 11.1.0 (npm, URSSAF/betagouv) evaluated with publicodes 1.10.3"


def _case(
    case_id: str,
    month: int,
    gross: str,
    params: Mapping[str, Any],
    net: str,
    cost: str,
    rgdu: str | None = None,
    contract: Contract | None = None,
) -> ReferenceCase:
    expected = {"net_before_tax": Decimal(net), "employer_cost": Decimal(cost)}
    if rgdu is not None:
        expected["line:rgdu:employer_amount"] = Decimal(rgdu)
    return ReferenceCase(
        id=case_id,
        period=Period(2026, month),
        params=params,
        gross=Decimal(gross),
        expected=expected,
        source=f"{MODELE_SOCIAL}; situation in {DOCS}#reference-cases",
        contract=contract or Contract(),
        tolerance=Decimal("0.01"),
    )


_NON_CADRE, _CADRE = {"category": "non_cadre"}, {"category": "cadre"}

#: Evaluated with modele-social 11.1.0: ``salarié . rémunération . net . à payer avant impôt``,
#: ``salarié . coût total employeur`` and ``salarié . cotisations . exonérations . RGDU`` on
#: 1 ``date`` of the month, with ``salaire brut``, ``statut cadre``, the effectif ``seuil``
#: (5 → "moins de 11", 20 → "moins de 50", 60 → "moins de 150", 300 → "plus de 250"),
#: ``établissement . taux ATMP``, the health ``montant`` (0 unless given), ``taux versement
#: mobilité``, part time as ``heures par semaine`` and a CDD as ``contrat = 'CDD'`` with
#: ``reconduction en CDI`` (no end-of-contract allowances, so gross is the same); exact results
#: rounded half-up to the cent.
REFERENCE_CASES: tuple[ReferenceCase, ...] = (
    _case(
        "smic-non-cadre-5",
        3,
        "1823.03",
        {**_NON_CADRE, "headcount": 5, "at_rate": "0.70"},
        "1443.11",
        "1854.13",
        "-725.75",
    ),
    _case(
        "2500-cadre-20-health-40",
        3,
        "2500.00",
        {**_CADRE, "headcount": 20, "at_rate": "0.70", "health_premium": "40"},
        "1952.82",
        "3182.40",
        "-429.75",
    ),
    _case(
        "just-below-3-smic-60",
        4,
        "5469.09",
        {**_NON_CADRE, "headcount": 60, "at_rate": "1.50"},
        "4339.08",
        "7756.74",
        "-109.38",
    ),
    _case(
        "pss-cadre-300-june-smic",
        6,
        "4005.00",
        {**_CADRE, "headcount": 300, "at_rate": "2.08"},
        "3163.56",
        "5686.38",
        "-171.01",
    ),
    _case(
        "9000-cadre-60-transport",
        9,
        "9000.00",
        {**_CADRE, "headcount": 60, "at_rate": "1.10", "transport_rate": "2.95"},
        "7163.23",
        "13242.46",
    ),
    _case(
        "4-pss-non-cadre-300",
        12,
        "16020.00",
        {**_NON_CADRE, "headcount": 300, "at_rate": "3.20"},
        "12801.94",
        "23378.55",
    ),
    _case(
        "part-time-24h-20",
        10,
        "1300.00",
        {**_NON_CADRE, "headcount": 20, "at_rate": "0.90"},
        "1029.08",
        "1350.13",
        "-498.03",
        Contract(work_fraction=Decimal(24) / Decimal(35)),
    ),
    _case(
        "fixed-term-1900-5",
        7,
        "1900.00",
        {**_NON_CADRE, "headcount": 5, "at_rate": "2.08"},
        "1504.04",
        "2010.12",
        "-723.90",
        Contract(ContractKind.FIXED_TERM, start=date(2026, 7, 1), end=date(2026, 12, 31)),
    ),
)
