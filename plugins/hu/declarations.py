"""Hungarian payroll declarations, produced (never sent): the T1041 insured-person notification
before work starts, the monthly 08 return (2608) and what a host employer of posted workers owes.

The payloads are structured JSON that follows the NAV forms' blocks and field names (the
ÁNYK/XML forms themselves are for an adapter to fill); ``docs/payroll-hu.md`` documents them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from plugins.payroll.model import (
    ZERO,
    Contract,
    ContractKind,
    Employer,
    MinimumWage,
    PayrollError,
    Payslip,
    Period,
    PeriodicDeclaration,
    PostingRequirements,
    PreHireDeclaration,
    Worker,
)

SCHEMA_DOC = "docs/payroll-hu.md"
#: T1041 biztosítási jogviszony kód of an employment (munkaviszony), NAV's code list.
T1041_EMPLOYMENT = "1101"
#: 08 return, M lap: biztosítási jogviszony kód of an employment (munkaviszony).
M_LAP_EMPLOYMENT = "20"
#: The 08 return is due on the 12th of the month after the period (Art. 2017. évi CL.).
RETURN_DAY = 12
_TAX_ID = re.compile(r"^8\d{9}$")


def _tax_id(worker: Worker) -> str:
    """The worker's adóazonosító jel: ten digits starting with 8."""
    tax_id = worker.national_id.replace(" ", "")
    if not _TAX_ID.match(tax_id):
        raise PayrollError(
            "a T1041 needs the worker's adóazonosító jel (10 digits starting with 8) as national_id"
        )
    return tax_id


def t1041(
    employer: Employer, worker: Worker, contract: Contract, params: Mapping[str, Any]
) -> PreHireDeclaration:
    """T1041 (``docs/payroll-hu.md#t1041``): a new insurance relationship ("U" pótlap)."""
    if contract.start is None:
        raise PayrollError("a T1041 needs the day the work starts (contract.start)")
    if not employer.company_id:
        raise PayrollError("a T1041 needs the employer's adószám (company_id)")
    feor = params.get("feor_code")
    if not feor:
        raise PayrollError("a T1041 needs the FEOR-08 occupation code (param feor_code)")
    tax_id = _tax_id(worker)
    payload = {
        "declaration": "T1041",
        "form": f"{contract.start.year % 100:02d}T1041",
        "format": "coopnode-t1041-json/1 (structured, not the ÁNYK form)",
        "fo_lap": {"adoszam": employer.company_id, "nev": employer.name},
        "potlapok": [
            {
                "bejelentes_tipusa": "U",
                "adoazonosito_jel": tax_id,
                "taj_szam": params.get("taj_number"),
                "csaladi_nev": worker.family_name,
                "utonev": worker.given_name,
                "szuletesi_ido": worker.birth_date.isoformat() if worker.birth_date else None,
                "allampolgarsag": worker.nationality or None,
                "biztositasi_jogviszony_kod": T1041_EMPLOYMENT,
                "jogviszony_kezdete": contract.start.isoformat(),
                "jogviszony_vege": contract.end.isoformat() if contract.end else None,
                "hatarozott_ideju": contract.kind == ContractKind.FIXED_TERM,
                "feor": feor,
                "heti_munkaora": params["weekly_hours"],
            }
        ],
    }
    return PreHireDeclaration(
        country="HU",
        name="T1041 biztosítotti bejelentés",
        due_before=contract.start,
        payload=payload,
        schema=f"{SCHEMA_DOC}#t1041",
    )


def _line(slip: Payslip, code: str, employer: bool = False) -> Decimal:
    for line in slip.lines:
        if line.code == code:
            return line.employer_amount if employer else line.employee_amount
    return ZERO


def _m_lap(worker: Worker, slip: Payslip) -> dict[str, Any]:
    """One M lap (magánszemélyenkénti adatok) of the 08 return."""
    extra = slip.extra
    contribution = _line(slip, "tb_jarulek")
    relief = -_line(slip, "csaladi_jarulekkedvezmeny")
    return {
        "adoazonosito_jel": worker.national_id,
        "taj_szam": slip.params.get("taj_number"),
        "csaladi_nev": worker.family_name,
        "utonev": worker.given_name,
        "szuletesi_ido": worker.birth_date.isoformat() if worker.birth_date else None,
        "member_id": worker.member_id,
        "biztositasi_jogviszony_kod": "" if slip.params.get("pensioner") else M_LAP_EMPLOYMENT,
        "feor": slip.params.get("feor_code"),
        "ber": str(slip.gross),
        "osszevont_adoalap": extra["tax_base"],
        "kedvezmenyek": {
            "anyak_kedvezmenye": extra["mothers_exemption"],
            "25_ev_alattiak_kedvezmenye": extra["under_25_exemption"],
            "szemelyi_kedvezmeny": extra["personal_allowance"],
            "elso_hazasok_kedvezmenye": extra["first_marriage_allowance"],
            "csaladi_kedvezmeny": extra["family_allowance_used"],
        },
        "szja_eloleg": str(slip.income_tax_withheld),
        "jarulekalap": extra["contribution_base"],
        "jarulekfizetesi_also_hatar": extra["minimum_contribution_base"],
        "tb_jarulek": str(contribution),
        "csaladi_jarulekkedvezmeny": str(relief),
        "tb_jarulek_also_hatar_kulonbozet": str(_line(slip, "tb_jarulek_minimum_base", True)),
        "szocho_alap": extra["szocho_base"],
        "szocho": str(_line(slip, "szocho", True)),
    }


def return_08(
    employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
) -> PeriodicDeclaration:
    """The 08 return of ``period`` (``docs/payroll-hu.md#the-08-return``): the employer's totals
    (főlap and the 01 lapok) and one M lap per worker."""
    totals = {
        "szja_eloleg": ZERO,
        "tb_jarulek": ZERO,
        "csaladi_jarulekkedvezmeny": ZERO,
        "tb_jarulek_also_hatar_kulonbozet": ZERO,
        "szocho": ZERO,
    }
    m_lapok = []
    for worker, slip in payslips:
        m_lap = _m_lap(worker, slip)
        m_lapok.append(m_lap)
        for key in totals:
            totals[key] += Decimal(m_lap[key])
    payable = {
        "szja": totals["szja_eloleg"],
        "tb_jarulek": totals["tb_jarulek"]
        - totals["csaladi_jarulekkedvezmeny"]
        + totals["tb_jarulek_also_hatar_kulonbozet"],
        "szocho": totals["szocho"],
    }
    following = date(period.year + period.month // 12, period.month % 12 + 1, RETURN_DAY)
    payload = {
        "declaration": "08",
        "form": f"{period.year % 100:02d}08",
        "format": "coopnode-08-json/1 (structured summary, not the ÁNYK/XML form)",
        "period": str(period),
        "due": following.isoformat(),
        "fo_lap": {"adoszam": employer.company_id, "nev": employer.name},
        "osszesito": {key: str(value) for key, value in totals.items()},
        "befizetendo": {key: str(value) for key, value in payable.items()},
        "m_lapok": m_lapok,
    }
    return PeriodicDeclaration(
        country="HU",
        name=f"{period.year % 100:02d}08 havi adó- és járulékbevallás",
        period=str(period),
        payload=payload,
        schema=f"{SCHEMA_DOC}#the-08-return",
    )


def posting(minimum: MinimumWage) -> PostingRequirements:
    """Hungary as host: the prior online notification and the documents to keep."""
    return PostingRequirements(
        country="HU",
        declaration="Online notification of the posting (kiküldetés bejelentése) to the "
        "employment supervisory authority before the work starts in Hungary",
        authority="Foglalkoztatás-felügyeleti hatóság (labour inspectorate of the ministry in "
        "charge of employment)",
        minimum_wage=minimum,
        documents=(
            "A1 certificate (social security of the sending country)",
            "Employment contract or the written information of Mt. 295. § on the posting",
            "Pay slips and proof of payment of the wages for the posting",
            "Time records (start, end and duration of the daily work)",
            "Hungarian minimum pay: minimum wage, or the guaranteed wage minimum for jobs "
            "requiring secondary education (426/2025. (XII. 23.) Korm. rendelet)",
            "A contact person in Hungary named in the notification",
        ),
        source="https://njt.hu/jogszabaly/2012-1-00-00",
    )
