"""Italian payroll declarations, produced in their documented shape and never sent.

* **UNILAV** (comunicazione obbligatoria di assunzione, modello Unificato-Lav): due by the day
  before work starts (L. 296/2006 art. 1 c. 1180; D.M. 30 October 2007);
* **UniEmens** (INPS monthly individual declaration, DL 269/2003 art. 44 c. 9) and the **F24**
  payment (D.Lgs. 241/1997) of the withholdings and contributions of a month;
* the prior declaration of a **posting** to the Ministry of Labour (D.Lgs. 136/2016 art. 10).

The payloads are structured JSON with the official field names, not the XML of the
ministry's or INPS's schemas (``docs/payroll-it.md#declarations``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

DOCS = "docs/payroll-it.md"
UNILAV_CONTRACT_TYPES = {ContractKind.OPEN_ENDED: "A.01.00", ContractKind.FIXED_TERM: "A.02.00"}
IRPEF_CODE = "1001"  # F24: ritenute su retribuzioni, pensioni, trasferte …
REGIONAL_CODE = "3802"  # F24: addizionale regionale trattenuta dal sostituto d'imposta
MUNICIPAL_CODE = "3847"  # F24: addizionale comunale trattenuta dal sostituto, acconto


def unilav(
    country: str,
    employer: Employer,
    worker: Worker,
    contract: Contract,
    params: Mapping[str, Any],
) -> PreHireDeclaration:
    """The UNILAV of a hiring: employer, worker and relationship sections."""
    if contract.start is None:
        raise PayrollError("a UNILAV needs the day the work starts (contract.start)")
    if not employer.company_id:
        raise PayrollError("a UNILAV needs the employer's codice fiscale (company_id)")
    if not worker.national_id:
        raise PayrollError("a UNILAV needs the worker's codice fiscale (national_id)")
    payload = {
        "modulo": "UNILAV",
        "tipo_comunicazione": "01",  # assunzione
        "datore_di_lavoro": {
            "codice_fiscale": employer.company_id,
            "denominazione": employer.name,
            "matricola_inps": employer.social_security_id,
            "sede_lavoro": dict(employer.address),
        },
        "lavoratore": {
            "codice_fiscale": worker.national_id,
            "cognome": worker.family_name,
            "nome": worker.given_name,
            "data_nascita": worker.birth_date.isoformat() if worker.birth_date else None,
            "cittadinanza": worker.nationality,
            "domicilio": dict(worker.address),
        },
        "rapporto": {
            "data_inizio": contract.start.isoformat(),
            "data_fine": contract.end.isoformat() if contract.end else None,
            "tipologia_contrattuale": UNILAV_CONTRACT_TYPES[contract.kind],
            "tempo_parziale": contract.work_fraction < 1,
            "percentuale_part_time": str(contract.work_fraction * 100),
            "ccnl": params.get("ccnl", ""),
            "ente_previdenziale": "INPS",
        },
    }
    return PreHireDeclaration(
        country=country,
        name="UNILAV (comunicazione obbligatoria di assunzione)",
        due_before=contract.start,
        payload=payload,
        schema=f"{DOCS}#unilav",
    )


def uniemens_f24(
    country: str, employer: Employer, period: Period, payslips: Sequence[tuple[Worker, Payslip]]
) -> PeriodicDeclaration:
    """The month's UniEmens (individual and company parts) and the F24 it leads to."""
    workers = []
    totals = {
        "imponibile": ZERO,
        "contributi": ZERO,
        "somma_esente_cuneo": ZERO,
        "irpef": ZERO,
        "regional": ZERO,
        "municipal": ZERO,
    }
    for worker, slip in payslips:
        if slip.country != country or slip.period != period:
            raise PayrollError(
                f"payslip of {slip.country} {slip.period} in the IT UniEmens of {period}"
            )
        workers.append(_individual(worker, slip))
        inps = [line for line in slip.lines if line.code.startswith("inps_")]
        totals["imponibile"] += Decimal(slip.extra["inps_base"])
        totals["contributi"] += sum(
            (line.employee_amount + line.employer_amount for line in inps), ZERO
        )
        totals["somma_esente_cuneo"] += Decimal(slip.extra["exempt_sum"])
        totals["irpef"] += Decimal(slip.extra["irpef"])
        totals["regional"] += Decimal(slip.extra["regional_surcharge"])
        totals["municipal"] += Decimal(slip.extra["municipal_surcharge"])
    following = Period(period.year + period.month // 12, period.month % 12 + 1)
    payload = {
        "format": "coopnode-uniemens-json/1 (structured summary, not the INPS XML schema)",
        "uniemens": {
            "mese_competenza": str(period),
            "azienda": {
                "matricola": employer.social_security_id,
                "codice_fiscale": employer.company_id,
                "ragione_sociale": employer.name,
            },
            "denunce_individuali": workers,
            "denuncia_aziendale": {
                "imponibile": str(totals["imponibile"]),
                "contributi_dovuti": str(totals["contributi"]),
            },
            "scadenza": f"{following.end.isoformat()}",
        },
        "f24": {
            "scadenza": f"{following.year:04d}-{following.month:02d}-16",
            "sezione_erario": [
                {"codice_tributo": IRPEF_CODE, "anno": period.year, "importo": str(totals["irpef"])}
            ],
            "sezione_regioni": [
                {"codice_tributo": REGIONAL_CODE, "importo": str(totals["regional"])}
            ],
            "sezione_imu_altri_tributi_locali": [
                {"codice_tributo": MUNICIPAL_CODE, "importo": str(totals["municipal"])}
            ],
            "sezione_inps": [
                {
                    "causale": "DM10",
                    "matricola": employer.social_security_id,
                    "periodo": f"{period.month:02d}/{period.year:04d}",
                    "importo_a_debito": str(totals["contributi"]),
                }
            ],
            "credito_somma_esente_cuneo": str(totals["somma_esente_cuneo"]),
        },
    }
    return PeriodicDeclaration(
        country=country,
        name="UniEmens + F24",
        period=str(period),
        payload=payload,
        schema=f"{DOCS}#uniemens-and-f24",
    )


def _individual(worker: Worker, slip: Payslip) -> dict[str, Any]:
    """One DenunciaIndividuale: the worker, the taxable and each contribution."""
    return {
        "codice_fiscale_lavoratore": worker.national_id,
        "member_id": worker.member_id,
        "cognome": worker.family_name,
        "nome": worker.given_name,
        "tipo_contribuzione": "00",
        "imponibile": slip.extra["inps_base"],
        "contributi": [
            {
                "codice": line.code,
                "imponibile": str(line.base),
                "lavoratore": str(line.employee_amount),
                "datore": str(line.employer_amount),
            }
            for line in slip.lines
            if line.code.startswith("inps_")
        ],
        "payslip_kind": slip.params.get("payslip_kind", "monthly"),
    }


def posting(country: str, minimum: MinimumWage) -> PostingRequirements:
    """What Italy asks of an employer posting a worker into it (D.Lgs. 136/2016)."""
    return PostingRequirements(
        country=country,
        declaration="Comunicazione preventiva di distacco to the Ministry of Labour, by 24:00 "
        "of the day before the posting starts (D.Lgs. 136/2016 art. 10 c. 1)",
        authority="Ministero del Lavoro e delle Politiche Sociali (portal of the comunicazioni "
        "obbligatorie), checked by the Ispettorato Nazionale del Lavoro",
        minimum_wage=minimum,
        documents=(
            "Employment contract or equivalent document, in Italian translation",
            "Payslips of the posting, in Italian translation",
            "Time records (start, end and duration of the daily work)",
            "Proof of payment of the wages",
            "A1 certificate (social security of the sending country)",
            "A contact person in Italy designated to send and receive documents and "
            "a representative for the social partners (art. 10 c. 4)",
            "Pay and conditions of the Italian collective agreement of the work (CCNL): "
            "there is no statutory minimum wage",
            "The documents are kept until two years after the posting ends",
        ),
        source="https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:decreto.legislativo:2016-07-17;136",
    )
