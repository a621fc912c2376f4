"""Spanish payroll declarations, produced in a documented shape and never sent.

* Before work starts: the **alta** of the worker in the Régimen General through Sistema RED
  (art. 32.3 RD 84/1996: before the start of the work, at the earliest 60 days before), with
  the worker's affiliation number, the contract key and the contribution group; and the
  **Contrat@** communication of the contract's content to the public employment service (SEPE)
  within ten days of signing it (art. 16.1 ET).
* Each month: the **liquidación de cuotas** through SILTRA (Sistema de Liquidación Directa): the
  RNT (Relación Nominal de Trabajadores, each worker's bases) and the RLC (Recibo de Liquidación
  de Cotizaciones, the amounts due), due by the end of the following month; and the withholding
  return **modelo 111** (quarterly, monthly for large companies), boxes 01 to 03 for employment
  income.
* As host country of a posting: the prior communication of the posting (Ley 45/1999, art. 5).

The payloads are structured JSON summaries with the official names of the fields, not the
official file formats (the RED/FAN files of the TGSS, the Contrat@ XML, the modelo 111 BOE
format); ``docs/payroll-es.md`` describes each one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
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

SCHEMA_DOC = "docs/payroll-es.md"
COUNTRY = "ES"
EARLIEST_ALTA_DAYS = 60
CONTRATA_DAYS = 10


def contract_key(contract: Contract) -> str:
    """The «clave de contrato» of the TGSS/SEPE tables: 100/200 open-ended full/part time,
    402/502 fixed-term for production circumstances full/part time (after RDL 32/2021)."""
    full_time = contract.work_fraction == 1
    if contract.kind == ContractKind.OPEN_ENDED:
        return "100" if full_time else "200"
    return "402" if full_time else "502"


def pre_hire(
    employer: Employer, worker: Worker, contract: Contract, p: Mapping[str, Any]
) -> PreHireDeclaration:
    """Alta en la Seguridad Social (Sistema RED) and the Contrat@ communication."""
    if contract.start is None:
        raise PayrollError("an alta needs the day the work starts (contract.start)")
    if not employer.social_security_id:
        raise PayrollError("an alta needs the employer's código cuenta de cotización (CCC)")
    if not worker.national_id:
        raise PayrollError("an alta needs the worker's DNI/NIE or affiliation number (NAF)")
    start = contract.start
    payload = {
        "declaration": "ALTA_REGIMEN_GENERAL",
        "format": "coopnode-es-alta-json/1 (structured summary, not the Sistema RED file)",
        "alta": {
            "regimen": "0111",  # Régimen General
            "ccc": employer.social_security_id,
            "employer_nif": employer.company_id,
            "employer_name": employer.name,
            "ipf": worker.national_id,
            "family_name": worker.family_name,
            "given_name": worker.given_name,
            "birth_date": worker.birth_date.isoformat() if worker.birth_date else None,
            "nationality": worker.nationality,
            "fecha_real_alta": start.isoformat(),
            "clave_contrato": contract_key(contract),
            "coeficiente_tiempo_parcial": str(contract.work_fraction * 1000).split(".")[0]
            if contract.work_fraction != 1
            else None,
            "grupo_cotizacion": p["contribution_group"],
            "fecha_fin_contrato": contract.end.isoformat() if contract.end else None,
            "earliest_submission": (start - timedelta(days=EARLIEST_ALTA_DAYS)).isoformat(),
        },
        "contrata": {
            "communication": "Contrat@ (SEPE): copy of the contract's content",
            "clave_contrato": contract_key(contract),
            "fecha_inicio": start.isoformat(),
            "fecha_fin": contract.end.isoformat() if contract.end else None,
            "jornada": "completa" if contract.work_fraction == 1 else "parcial",
            "due_by": "within 10 days of signing the contract",
        },
    }
    return PreHireDeclaration(
        country=COUNTRY,
        name="Alta en la Seguridad Social (Sistema RED) y comunicación Contrat@",
        due_before=start,
        payload=payload,
        schema=f"{SCHEMA_DOC}#alta-and-contrata",
    )


def _due_end_of_next_month(period: Period) -> date:
    following = Period(period.year + period.month // 12, period.month % 12 + 1)
    return following.end


def periodic(
    employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
) -> PeriodicDeclaration:
    """The month's SILTRA liquidation (RNT and RLC) and its modelo 111 figures."""
    workers = []
    employee_total = employer_total = withheld = paid = ZERO
    for worker, slip in payslips:
        if slip.country != COUNTRY or slip.period != period:
            raise PayrollError(
                f"payslip of {slip.country} {slip.period} in the ES SILTRA of {period}"
            )
        workers.append(_rnt_worker(worker, slip))
        employee_total += slip.employee_contributions
        employer_total += slip.employer_contributions
        withheld += slip.income_tax_withheld
        paid += slip.gross
    quarter = (period.month - 1) // 3 + 1
    payload = {
        "declaration": "SILTRA_LIQUIDACION",
        "format": "coopnode-es-siltra-json/1 (structured summary, not the SILTRA files)",
        "periodo_liquidacion": str(period),
        "due_by": _due_end_of_next_month(period).isoformat(),
        "ccc": employer.social_security_id,
        "employer_nif": employer.company_id,
        "employer_name": employer.name,
        "rnt": workers,
        "rlc": {
            "cuota_trabajadores": str(employee_total),
            "cuota_empresa": str(employer_total),
            "total_liquidacion": str(employee_total + employer_total),
        },
        "modelo_111": {
            "periodo": f"{period.year}-{quarter}T",
            "month": str(period),
            "casilla_01_perceptores": len({w.member_id for w, _ in payslips}),
            "casilla_02_percepciones_dinerarias": str(paid),
            "casilla_03_retenciones": str(withheld),
        },
    }
    return PeriodicDeclaration(
        country=COUNTRY,
        name="Liquidación SILTRA (RNT/RLC) y modelo 111",
        period=str(period),
        payload=payload,
        schema=f"{SCHEMA_DOC}#siltra-and-modelo-111",
    )


def _rnt_worker(worker: Worker, slip: Payslip) -> dict[str, Any]:
    """One worker's row of the RNT: the bases and the amounts of each concept."""
    return {
        "ipf": worker.national_id,
        "member_id": worker.member_id,
        "family_name": worker.family_name,
        "given_name": worker.given_name,
        "grupo_cotizacion": slip.params.get("contribution_group"),
        "base_contingencias_comunes": slip.extra.get("common_base", "0"),
        "base_contingencias_profesionales": slip.extra.get("professional_base", "0"),
        "base_solidaridad": slip.extra.get("solidarity_excess", "0"),
        "conceptos": [
            {
                "code": line.code,
                "base": str(line.base),
                "employee_amount": str(line.employee_amount),
                "employer_amount": str(line.employer_amount),
            }
            for line in slip.lines
        ],
        "retencion_irpf": str(slip.income_tax_withheld),
        "tipo_retencion": slip.extra.get("withholding_rate", "0"),
    }


def posting(minimum: MinimumWage) -> PostingRequirements:
    """Spain as host: Ley 45/1999 on the posting of workers in a transnational provision of
    services (Directives 96/71/EC and 2014/67/EU), arts. 5 and 6."""
    return PostingRequirements(
        country=COUNTRY,
        declaration="Comunicación de desplazamiento (Ley 45/1999, art. 5) to the labour "
        "authority of the autonomous community where the work is done, electronically, "
        "before the posting starts",
        authority="Autoridad laboral de la comunidad autónoma (registro electrónico central de "
        "comunicaciones de desplazamiento); control by the Inspección de Trabajo y Seguridad "
        "Social",
        minimum_wage=minimum,
        documents=(
            "Employment contract or document under Directive 91/533/EEC (art. 6 Ley 45/1999)",
            "Pay slips of each posted worker and proof of payment of the wages",
            "Time records with the start, end and duration of the daily work",
            "A1 certificate (social security of the sending country)",
            "A representative in Spain designated in the communication of the posting",
            "Minimum pay of the applicable Spanish collective agreement, not only the SMI",
        ),
        source="https://www.boe.es/buscar/act.php?id=BOE-A-1999-23700",
    )
