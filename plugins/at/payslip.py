"""The Austrian monthly payslip: social insurance lines, employer payroll taxes, Lohnsteuer.

A payslip's gross is the month's whole pay. With ``special_payment`` it includes a sonstiger
Bezug (13th or 14th salary, § 67 EStG / § 49 Abs. 2 ASVG), which has its own social-insurance
ceiling, no chamber or housing contribution, and its own tax (6 % within the Jahressechstel
after the 620 € allowance). The Jahressechstel is taken as two months of the regular pay: the
pay is assumed the same every month of the year (``docs/payroll-at.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from plugins.at.rules import AustrianLaw, pct, r
from plugins.payroll.model import ZERO, PayrollError, PayslipLine

#: What each unemployment band is declared as in the mBGM (TASY Abschlag), band 3 none.
UNEMPLOYMENT_REDUCTIONS = ("A03", "A02", "A01")

TAX_SOURCES = (
    "tax.brackets",
    "tax.income_related_expenses",
    "tax.commuting_credit",
    "tax.sole_earner_credit",
    "tax.family_bonus",
    "tax.special.exempt_limit",
    "tax.special.rates",
)


@dataclass(frozen=True, slots=True)
class Split:
    """The month's gross as regular pay and a sonstiger Bezug, with the year's earlier ones."""

    regular: Decimal
    special: Decimal
    earlier_special: Decimal


def split(gross: Decimal, p: Mapping[str, Any]) -> Split:
    """``first``: the year's first special payment (14th salary in June, say); ``second``: the
    year's second, an equal one having been paid before. Without an amount, half the gross."""
    kind = p["special_payment"]
    if kind == "none":
        return Split(gross, ZERO, ZERO)
    amount = p.get("special_payment_amount")
    special = r(gross / 2) if amount is None else amount
    if special > gross:
        raise PayrollError("param special_payment_amount: above the gross of the payslip")
    return Split(gross - special, special, special if kind == "second" else ZERO)


def _line(
    code: str,
    label: str,
    base: Decimal,
    employee: Decimal | None,
    employer: Decimal | None,
    sources: tuple[str, ...],
) -> dict[str, Any]:
    return {
        "code": code,
        "label": label,
        "base": base,
        "employee_rate": employee,
        "employee_amount": pct(base, employee) if employee is not None else ZERO,
        "employer_rate": employer,
        "employer_amount": pct(base, employer) if employer is not None else ZERO,
        "sources": sources,
    }


def _insurance_lines(
    law: AustrianLaw, base: Decimal, suffix: str, ceiling_key: str
) -> list[dict[str, Any]]:
    """Health, pension and unemployment insurance, accident insurance and the IESG levy on one
    contribution base (regular pay, or the special payment when ``suffix`` is ``_sz``)."""
    ee, er = law.employee, law.employer
    rate, _band = law.unemployment_rate(base)
    special = " (Sonderzahlung)" if suffix else ""
    return [
        _line(
            f"kv{suffix}",
            f"Krankenversicherung{special}",
            base,
            ee["health"],
            er["health"],
            ("sv.employee.health", "sv.employer.health", ceiling_key),
        ),
        _line(
            f"pv{suffix}",
            f"Pensionsversicherung{special}",
            base,
            ee["pension"],
            er["pension"],
            ("sv.employee.pension", "sv.employer.pension", ceiling_key),
        ),
        _line(
            f"av{suffix}",
            f"Arbeitslosenversicherung{special}",
            base,
            rate,
            er["unemployment"],
            (
                "sv.employee.unemployment",
                "sv.unemployment_reduced",
                "sv.employer.unemployment",
                ceiling_key,
            ),
        ),
        _line(
            f"uv{suffix}",
            f"Unfallversicherung{special}",
            base,
            None,
            er["accident"],
            ("sv.employer.accident", ceiling_key),
        ),
        _line(
            f"iesg{suffix}",
            f"Insolvenz-Entgeltsicherungszuschlag{special}",
            base,
            None,
            er["insolvency"],
            ("sv.employer.insolvency", ceiling_key),
        ),
    ]


def social_lines(
    law: AustrianLaw, parts: Split, p: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool]:
    """The lines on the regular pay and those on the special payment, and whether the
    employment is marginal (geringfügig: accident insurance only)."""
    marginal = parts.regular <= law.marginal
    base = min(parts.regular, law.ceiling)
    room = max(ZERO, law.special_ceiling - parts.earlier_special)
    special_base = min(parts.special, room)
    if marginal:
        regular = [
            _line(
                "uv",
                "Unfallversicherung (geringfügige Beschäftigung)",
                base,
                None,
                law.employer["accident"],
                ("sv.employer.accident", "sv.marginal_threshold"),
            )
        ]
        special = []
        if parts.special:
            special.append(
                _line(
                    "uv_sz",
                    "Unfallversicherung (Sonderzahlung, geringfügige Beschäftigung)",
                    special_base,
                    None,
                    law.employer["accident"],
                    ("sv.employer.accident", "sv.ceiling_special_annual"),
                )
            )
        return regular, special, True
    housing = law.housing_rate(p["state"])
    housing_key = "sv.housing_vienna" if p["state"] == "wien" else "sv.housing"
    regular = [
        *_insurance_lines(law, base, "", "sv.ceiling_monthly"),
        _line(
            "ak",
            "Arbeiterkammerumlage",
            base,
            law.employee["chamber"],
            None,
            ("sv.employee.chamber", "sv.ceiling_monthly"),
        ),
        _line(
            "wbf",
            "Wohnbauförderungsbeitrag",
            base,
            housing,
            housing,
            (housing_key, "sv.ceiling_monthly"),
        ),
    ]
    special = (
        _insurance_lines(law, special_base, "_sz", "sv.ceiling_special_annual")
        if parts.special
        else []
    )
    _round_as_a_whole(regular, base, "pv")
    _round_as_a_whole(special, special_base, "pv_sz")
    return regular, special, False


def _round_as_a_whole(lines: list[dict[str, Any]], base: Decimal, carrier: str) -> None:
    """The ÖGK charges a contribution group's total rate on the base, rounded once: each
    side's lines are made to add up to that, the cent or two of difference carried on the
    pension line (the largest)."""
    if not lines:
        return
    target = next(line for line in lines if line["code"] == carrier)
    for side in ("employee", "employer"):
        rate = sum((line[f"{side}_rate"] or ZERO for line in lines), ZERO)
        due = pct(base, rate)
        target[f"{side}_amount"] += due - sum((line[f"{side}_amount"] for line in lines), ZERO)


def employer_tax_lines(
    law: AustrianLaw, gross: Decimal, p: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """BV (Mitarbeitervorsorge), Dienstgeberbeitrag, its Zuschlag and the Kommunalsteuer, all
    on the whole month's pay, without ceiling."""
    lines = [
        _line(
            "bv",
            "Betriebliche Vorsorge (Mitarbeitervorsorgekasse)",
            gross,
            None,
            law.severance_fund,
            ("sv.employer.severance_fund",),
        ),
        _line(
            "db",
            "Dienstgeberbeitrag (FLAG)",
            gross,
            None,
            law.db,
            ("employer.db_rate",),
        ),
    ]
    if p["chamber_member"]:
        lines.append(
            _line(
                "dz",
                "Zuschlag zum Dienstgeberbeitrag",
                gross,
                None,
                law.dz[p["state"]],
                ("employer.dz_rate",),
            )
        )
    lines.append(
        _line(
            "kommst",
            "Kommunalsteuer",
            gross,
            None,
            law.municipal,
            ("employer.municipal_tax_rate",),
        )
    )
    return lines


def employee_total(lines: list[dict[str, Any]]) -> Decimal:
    """What the lines withhold from the worker."""
    return sum((line["employee_amount"] for line in lines), ZERO)


def withholding(
    law: AustrianLaw,
    parts: Split,
    regular_lines: list[dict[str, Any]],
    special_lines: list[dict[str, Any]],
    p: Mapping[str, Any],
) -> dict[str, Decimal]:
    """The month's Lohnsteuer (§§ 33, 66, 67 EStG): the tariff on the regular pay made annual,
    and the fixed rates on the special payment within the Jahressechstel."""
    sixth = 2 * parts.regular
    within = min(parts.special, max(ZERO, sixth - parts.earlier_special))
    excess = parts.special - within
    special_sv = employee_total(special_lines)
    sv_within = r(special_sv * within / parts.special) if parts.special else ZERO
    taxable_special = within - sv_within
    special_tax = beyond = ZERO
    if within and sixth > law.special_exempt_limit:
        earlier = r(parts.earlier_special * taxable_special / within)
        fixed, beyond = law.special_tax(earlier, taxable_special)
        special_tax = r(fixed)
    regular_base = (
        parts.regular - employee_total(regular_lines) + excess - (special_sv - sv_within) + beyond
    )
    children = p["family_bonus_children_under_18"] + p["family_bonus_children_18_plus"]
    monthly = law.monthly_tax(regular_base, children if p["sole_earner_credit"] else 0)
    under, over = law.family_bonus
    share = 2 if p["family_bonus_share"] == "half" else 1
    bonus = (
        r(under / 12 / share) * p["family_bonus_children_under_18"]
        + r(over / 12 / share) * p["family_bonus_children_18_plus"]
    )
    regular_tax = max(ZERO, monthly - bonus)
    return {
        "tax_base_regular": r(regular_base),
        "tax_base_special": taxable_special,
        "jahressechstel": sixth,
        "special_beyond_sixth": excess,
        "tax_regular_before_family_bonus": monthly,
        "family_bonus": min(bonus, monthly),
        "tax_regular": regular_tax,
        "tax_special": special_tax,
        "income_tax": regular_tax + special_tax,
    }


def lines_of(fields: list[dict[str, Any]]) -> tuple[PayslipLine, ...]:
    return PayslipLine.all_from_fields(fields)
