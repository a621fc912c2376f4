"""The params an Italian payslip takes beyond the gross (JSON Schema draft 2020-12)."""

from __future__ import annotations

from typing import Any

from plugins.payroll.params import decimal_param

KINDS = ("monthly", "tredicesima", "quattordicesima")

PARAMS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Italian payroll params (2026)",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "payslip_kind": {
            "type": "string",
            "enum": list(KINDS),
            "default": "monthly",
            "description": "monthly pay, or an extra monthly payment (tredicesima, "
            "quattordicesima): the gross is then the extra payment itself, taxed with the "
            "brackets of one month and no deduction (DPR 600/1973 art. 23 c. 2 lett. b).",
        },
        "additional_months": {
            "type": "integer",
            "minimum": 0,
            "maximum": 2,
            "default": 1,
            "description": "Extra monthly payments in the year under the collective agreement: "
            "1 for the tredicesima, 2 with the quattordicesima (e.g. CCNL Terziario). The "
            "income of the year the deductions are computed on is the monthly pay times 12 plus "
            "this.",
        },
        "other_annual_income": decimal_param(
            "Other income of the year (reddito complessivo beyond this job) the worker declared "
            "to the employer; it changes the deductions and the cuneo fiscale thresholds.",
            "0.00",
        ),
        "employer_headcount": {
            "type": "integer",
            "minimum": 1,
            "default": 1,
            "description": "Employees of the employer: the FIS rate is 0.50 % up to 5 and "
            "0.80 % above (shared two thirds employer, one third worker).",
        },
        "fis_reduced": {
            "type": "boolean",
            "default": False,
            "description": "Employer of up to 5 employees that asked no FIS allowance for 24 "
            "months: the FIS rate is 0.30 % instead of 0.50 % (reduction from 2025).",
        },
        "sickness_insurance": {
            "type": "boolean",
            "default": True,
            "description": "INPS pays the sickness allowance, so the employer owes the 2.44 % "
            "sickness contribution (tertiary and commerce sector; false e.g. for office staff of "
            "industry).",
        },
        "employer_other_rate": decimal_param(
            "Other employer contributions in percent of the INPS base set by the employer's "
            "classification (CIGS, sector bilateral funds …).",
            "0.00",
        ),
        "employee_other_rate": decimal_param(
            "Other worker contributions in percent of the INPS base set by the employer's "
            "classification (e.g. 0.30 for the CIGS of employers of more than 15).",
            "0.00",
        ),
        "inail_rate": decimal_param(
            "INAIL premium in percent of the pay (the tariff rate per mille of the employer's "
            "PAT divided by 10; e.g. 0.40 for offices at 4 per mille).",
            "0.00",
        ),
        "fixed_term_renewals": {
            "type": "integer",
            "minimum": 0,
            "maximum": 20,
            "default": 0,
            "description": "Fixed-term contracts only: renewals so far, each adding 0.50 % to "
            "the 1.40 % NASpI surcharge (DL 87/2018 art. 3 c. 2).",
        },
        "contributory_ceiling": {
            "type": "boolean",
            "default": False,
            "description": "The worker was first insured from 1 January 1996 on (or opted for "
            "the contributory method): no contribution above the annual ceiling of 122 295 € "
            "(applied as a twelfth a month).",
        },
        "contribution_floor": {
            "type": "boolean",
            "default": True,
            "description": "Contributions on at least the INPS minimum (58.13 € a paid day, 26 "
            "days a month, or 8.72 € an hour, prorated by work fraction).",
        },
        "regional_surcharge_rate": decimal_param(
            "Addizionale regionale IRPEF in percent (1.23 base rate; each region sets its own, "
            "up to 3.33).",
            "1.23",
        ),
        "municipal_surcharge_rate": decimal_param(
            "Addizionale comunale IRPEF in percent (set by the comune, up to 0.80).",
            "0.00",
        ),
        "tfr_accrual": {
            "type": "boolean",
            "default": True,
            "description": "Show the TFR accrual (pay / 13.5 less the 0.50 % IVS offset) as an "
            "employer line, counted in the employer cost.",
        },
        "ccnl": {
            "type": "string",
            "default": "",
            "maxLength": 60,
            "description": "The collective agreement applied (e.g. CNEL code H011 for "
            "Terziario Confcommercio), for the UNILAV.",
        },
    },
}
