"""Hungarian payroll params (2026): the JSON Schema and the rules across params.

Each param is what the worker declares to the employer (adóelőleg-nyilatkozat: allowances) or
a fact of the employment (pensioner, job level, FEOR code for the declarations).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.payroll.model import PayrollError
from plugins.payroll.params import decimal_param

MOTHERS = (
    "none",
    "four_or_more_children",
    "three_children",
    "two_children_under_40",
    "under_30",
)

PARAMS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Hungarian payroll params (2026)",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "under_25": {
            "type": "boolean",
            "default": False,
            "description": "25 év alattiak kedvezménye: the worker has not turned 25 before the "
            "month (the month of the 25th birthday still counts); wage income is tax-free up to "
            "the monthly cap (715 765 HUF in 2026). Contributions stay due.",
        },
        "mother_exemption": {
            "type": "string",
            "enum": list(MOTHERS),
            "default": "none",
            "description": "Mothers' income tax exemption declared by the worker (no cap on "
            "wage income in 2026): four_or_more_children (négy vagy több gyermeket nevelő "
            "anyák), three_children (from October 2025), two_children_under_40 (from 2026 for "
            "mothers turning 40 after 31 December 2025), under_30 (30 év alatti anyák, "
            "uncapped from 2026). Contributions stay due.",
        },
        "family_dependants": {
            "type": "integer",
            "minimum": 0,
            "maximum": 30,
            "default": 0,
            "description": "Eltartottak száma: dependants in the family that set the family "
            "allowance per beneficiary (1, 2, 3 or more).",
        },
        "family_beneficiaries": {
            "type": "integer",
            "minimum": 0,
            "maximum": 30,
            "default": 0,
            "description": "Kedvezményezett eltartottak: dependants giving the family allowance "
            "(children with family benefit, foetus from the 91st day …); at most "
            "family_dependants.",
        },
        "family_allowance_share": decimal_param(
            "Percent of the family allowance claimed on this payslip when it is shared with the "
            "spouse or partner (közös érvényesítés); 100 when claimed alone.",
            "100",
        ),
        "first_marriage": {
            "type": "boolean",
            "default": False,
            "description": "Első házasok kedvezménye claimed on this payslip (33 335 HUF of tax "
            "base a month, 24 months from the month after the wedding).",
        },
        "personal_allowance": {
            "type": "boolean",
            "default": False,
            "description": "Személyi kedvezmény of a severely disabled worker: one third of the "
            "minimum wage off the tax base each month.",
        },
        "pensioner": {
            "type": "boolean",
            "default": False,
            "description": "Saját jogú nyugdíjas (old-age pensioner working): no social "
            "security contribution, no szocho; only the income tax.",
        },
        "minimum_base_exempt": {
            "type": "boolean",
            "default": False,
            "description": "Exempt from the minimum contribution base (30 % of the minimum "
            "wage): a full-time pupil or student, or a worker receiving CSED, GYED, GYES, "
            "nursing fee or similar benefits (Tbj. 27. § (2)).",
        },
        "secondary_education_job": {
            "type": "boolean",
            "default": False,
            "description": "The job requires at least secondary education or a secondary "
            "vocational qualification: the guaranteed wage minimum (garantált bérminimum) "
            "applies instead of the minimum wage.",
        },
        "feor_code": {
            "type": "string",
            "pattern": r"^\d{4}$",
            "description": "FEOR-08 occupation code (4 digits), needed by the T1041 and the 08 "
            "return.",
        },
        "weekly_hours": {
            "type": "integer",
            "minimum": 1,
            "maximum": 48,
            "default": 40,
            "description": "Contractual weekly working hours, declared on the T1041.",
        },
        "taj_number": {
            "type": "string",
            "pattern": r"^\d{9}$",
            "description": "TAJ szám (social security number, 9 digits) for the T1041 and the "
            "08 return.",
        },
    },
}


def check_across(checked: Mapping[str, Any]) -> None:
    """The rules the schema cannot say: beneficiaries among dependants, a share in 0…100."""
    if checked["family_beneficiaries"] > checked["family_dependants"]:
        raise PayrollError("param family_beneficiaries: more than family_dependants")
    share = checked["family_allowance_share"]
    if not 0 <= share <= 100:
        raise PayrollError("param family_allowance_share: must be between 0 and 100")
