"""Payroll profiles, work declarations, salary requests, payslips and their corrections.

The flow (``docs/payroll.md``):

1. a member keeps a **payroll profile** (birth date, language of their payslips, default payroll
   params: category, tax situation … as the country's params schema names them);
2. a **work declaration** creates an employment contract for one of the member's activities
   (kind, basis, dates, work fraction, days or hours, place of work, params overriding the
   profile's) and produces its pre-hire declaration with the jurisdiction;
3. a **salary request** names the employer budget to spend for a contract and a period; computed
   at once or by the period's payroll run (:mod:`node.payroll.run`): the jurisdiction turns the
   budget into a payslip (gross, contributions, withholding, net) whose employer cost is at most
   the amount asked and the activity's available budget, and the payout primitive posts it:

   ======  ===================================  =========================================
   debit   the activity's budget                employer cost
   credit  ``payouts:pending``                  net pay (paid by the next pain.001 batch)
   credit  ``payroll:social_contributions``     employee + employer contributions
   credit  ``payroll:withholding_tax``          income tax withheld
   ======  ===================================  =========================================

4. a **correction** cancels the payslip's payout (its entry is reversed) and computes the payslip
   again as a new sequence; both documents are kept.

The jurisdiction's payroll (:class:`plugins.payroll.contract.Payroll`) is passed in by the caller
(:func:`payroll_of`), so services stay plain functions of a session.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload
from weakref import WeakKeyDictionary

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node import audit
from node.activities.models import Activity, ActivityStatus
from node.activities.service import LARGEST_ID
from node.db import locked
from node.db.types import utcnow
from node.errors import Conflict, FieldError, NotFound, ValidationProblem
from node.identity.roles import Principal
from node.ledger import service as ledger
from node.ledger.entries import AccountType
from node.members.identifiers import Vault
from node.members.models import Member
from node.money import from_minor, positive_minor, to_minor
from node.payouts import service as payouts
from node.payouts.available import available_minor, lock_activity
from node.payouts.models import Payout, PayoutStatus
from node.payroll.models import (
    EmploymentContract,
    PayrollProfile,
    Payslip,
    PayslipStatus,
    SalaryRequest,
    SalaryRequestStatus,
)
from plugins.payroll import solve as inverse
from plugins.payroll.contract import Payroll
from plugins.payroll.model import (
    Contract,
    ContractKind,
    Employer,
    PayBasis,
    PayrollError,
    PayslipLine,
    Period,
    Worker,
)
from plugins.payroll.model import Payslip as Computed

if TYPE_CHECKING:
    from node.runtime import Node

SOCIAL = ledger.AccountSpec(
    "payroll:social_contributions", "Social contributions to pay", AccountType.LIABILITY
)
TAX = ledger.AccountSpec(
    "payroll:withholding_tax", "Income tax withheld to pay", AccountType.LIABILITY
)
WORKING_STATUSES = frozenset({"active", "guest"})


# --- the node's payroll, employer and workers ---------------------------------------------------


def payroll_of(node: Node) -> Payroll:
    """The payroll law of the node's country; 409 when its plugin has none yet."""
    found = node.jurisdiction.payroll()
    if found is None:
        raise Conflict(
            f"There is no payroll computation for {node.settings['node.country']} yet.",
        )
    return found


def employer_of(settings: Any) -> Employer:
    return Employer(
        name=settings["node.name"],
        country=settings["node.country"],
        company_id=settings["node.legal_entity_number"],
        social_security_id=settings["node.employer_social_security_id"],
    )


def _names(name: str) -> tuple[str, str]:
    """``(family name, given names)`` of a member's single name field: the last word is taken
    as the family name."""
    given, _, family = name.strip().rpartition(" ")
    return family, given


def worker_of(member: Member, profile: PayrollProfile | None, vault: Vault) -> Worker:
    family, given = _names(member.name)
    return Worker(
        member_id=member.id,
        family_name=family,
        given_name=given,
        birth_date=profile.birth_date if profile is not None else None,
        national_id=vault.open(member.national_id_encrypted) or "",
    )


def jsonable(value: Any) -> Any:
    """A declaration payload as JSON: dates as ISO text, decimals as strings."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, date | Decimal):
        return value.isoformat() if isinstance(value, date) else str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _params_field(error: PayrollError, prefix: str = "params") -> FieldError:
    """A payroll params error (``param category: …``, ``unknown param x …``) on its field."""
    message = str(error)
    name = ""
    if message.startswith("param "):
        name = message.removeprefix("param ").split(":", 1)[0].strip()
    elif message.startswith("unknown param "):
        name = message.removeprefix("unknown param ").split(" ", 1)[0]
    field = f"{prefix}.{name}" if name and name != "params" else prefix
    return FieldError(field, message, "invalid_param")


def checked_params(
    payroll: Payroll, *layers: Mapping[str, Any], field: str = "params"
) -> dict[str, Any]:
    """``layers`` merged (later ones override) and checked by the country's schema; 422."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer)
    try:
        return payroll.params(merged)
    except PayrollError as exc:
        raise ValidationProblem([_params_field(exc, field)]) from None


# --- profiles -----------------------------------------------------------------------------------


def visible_member(session: Session, principal: Principal, member_id: int) -> Member:
    member = session.get(Member, member_id) if 1 <= member_id <= LARGEST_ID else None
    if member is None or member.erased_at is not None or not principal.may_see_member(member.id):
        raise NotFound("No such member.")
    return member


class MemberRecord(Protocol):
    """A payroll record that belongs to one member (a contract, a salary request, a payslip)."""

    id: Any
    member_id: Any


Own = TypeVar("Own", bound=MemberRecord)


def visible_own(
    session: Session, principal: Principal, model: type[Own], row_id: int, missing: str
) -> Own:
    """The record if the caller may see its member's records; else 404 with ``missing`` — the
    same answer for someone else's record as for one that does not exist."""
    row = session.get(model, row_id) if 1 <= row_id <= LARGEST_ID else None
    if row is None or not principal.may_see_member(row.member_id):
        raise NotFound(missing)
    return row


def own_rows(session: Session, principal: Principal, model: type[Own], **equal: Any) -> list[Own]:
    """The records the caller may see (staff: all; a member: their own), oldest first, narrowed
    to those whose columns equal the non-``None`` values of ``equal``."""
    query = select(model).order_by(model.id)
    if not principal.is_staff:
        query = query.where(model.member_id == (principal.member_id or -1))
    for column, value in equal.items():
        if value is not None:
            query = query.where(getattr(model, column) == value)
    return list(session.scalars(query))


def profile_of(session: Session, member_id: int) -> PayrollProfile | None:
    return session.scalar(select(PayrollProfile).where(PayrollProfile.member_id == member_id))


def update_profile(
    session: Session,
    payroll: Payroll | None,
    member: Member,
    changes: Mapping[str, Any],
    *,
    actor: str,
    request_id: str | None = None,
) -> PayrollProfile:
    """Create or change a member's payroll profile (only the fields in ``changes``; ``params``
    replaced as a whole and checked by the country's schema). 422 for a bad value."""
    errors: list[FieldError] = []
    birth_date = changes.get("birth_date")
    if birth_date is not None and not date(1900, 1, 1) <= birth_date <= utcnow().date():
        errors.append(FieldError("birth_date", "Not a plausible birth date.", "range"))
    params = changes.get("params")
    if params:
        if payroll is None:
            raise Conflict("There is no payroll computation for this node's country yet.")
        try:
            payroll.params(params)
        except PayrollError as exc:
            errors.append(_params_field(exc))
    if errors:
        raise ValidationProblem(errors)
    profile = profile_of(session, member.id)
    before: dict[str, Any] = {}
    if profile is None:
        profile = PayrollProfile(member_id=member.id, params={}, updated_by=actor)
        session.add(profile)
    else:
        before = _profile_fields(profile)
    for name in ("birth_date", "language", "params"):
        if name in changes:
            setattr(profile, name, changes[name] if name != "params" else dict(changes[name] or {}))
    profile.updated_at, profile.updated_by = utcnow(), actor
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="payroll_profile.update",
        entity="member",
        entity_id=member.id,
        changes=audit.diff(before, _profile_fields(profile), sensitive=("birth_date",)),
        request_id=request_id,
    )
    return profile


def _profile_fields(profile: PayrollProfile) -> dict[str, Any]:
    return {
        "birth_date": profile.birth_date,
        "language": profile.language,
        "params": dict(profile.params or {}),
    }


# --- work declarations and contracts ------------------------------------------------------------


@dataclass(frozen=True)
class WorkDeclaration:
    """What a member declares before working: the contract's terms."""

    member_id: int
    kind: str
    basis: str
    start: date
    place_of_work: str
    end: date | None = None
    work_fraction: Decimal = Decimal(1)
    days: int | None = None
    hours: Decimal | None = None
    description: str = ""
    params: Mapping[str, Any] | None = None


_CONTRACT_FIELDS = (
    ("work_fraction", "work_fraction"),
    ("daily contract", "days"),
    ("hourly contract", "hours"),
    ("start and end", "end"),
    ("end before", "end"),
)


def _contract_field(error: PayrollError) -> str:
    message = str(error)
    return next((field for text, field in _CONTRACT_FIELDS if text in message), "contract")


class ContractFields(Protocol):
    """What computing a payslip reads of a contract: the ORM row, or a payroll run's plain row
    (:mod:`node.payroll.run` reads its chunk's contracts without the ORM)."""

    @property
    def kind(self) -> str: ...
    @property
    def basis(self) -> str: ...
    @property
    def start_on(self) -> date: ...
    @property
    def end_on(self) -> date | None: ...
    @property
    def work_fraction(self) -> str: ...
    @property
    def days(self) -> int | None: ...
    @property
    def hours(self) -> str | None: ...
    @property
    def params(self) -> Mapping[str, Any]: ...


class ProfileFields(Protocol):
    """What computing a payslip reads of a payroll profile (the ORM row, or a run's plain row)."""

    @property
    def params(self) -> Mapping[str, Any]: ...
    @property
    def language(self) -> str | None: ...


def contract_terms(
    row: ContractFields, *, days: int | None = None, hours: str | None = None
) -> Contract:
    """The jurisdiction's view of a contract (``days``/``hours`` worked in a period override
    the contract's)."""
    return Contract(
        kind=ContractKind(row.kind),
        basis=PayBasis(row.basis),
        start=row.start_on,
        end=row.end_on,
        work_fraction=Decimal(row.work_fraction),
        days=days if days is not None else row.days,
        hours=Decimal(hours) if hours is not None else (Decimal(row.hours) if row.hours else None),
    )


def declare_work(
    session: Session,
    payroll: Payroll,
    settings: Any,
    vault: Vault,
    activity: Activity,
    declaration: WorkDeclaration,
    *,
    actor: str,
    request_id: str | None = None,
) -> EmploymentContract:
    """Record a member's contract for ``activity`` and its pre-hire declaration.

    422 naming each bad field (the member not in the activity, contract terms the country refuses,
    params outside its schema, what the pre-hire declaration lacks); 409 for a closed activity.
    Nothing is written unless everything holds.
    """
    errors: list[FieldError] = []
    member = session.get(Member, declaration.member_id)
    if declaration.member_id not in {m.member_id for m in activity.members}:
        errors.append(
            FieldError("member_id", "The member does not take part in this activity.", "invalid")
        )
    elif member is None or member.status not in WORKING_STATUSES:
        errors.append(FieldError("member_id", "The member is not active.", "not_active"))
    place = " ".join(declaration.place_of_work.split())
    if not place:
        errors.append(FieldError("place_of_work", "Say where the work is done.", "required"))
    terms: Contract | None = None
    try:
        terms = Contract(
            kind=ContractKind(declaration.kind),
            basis=PayBasis(declaration.basis),
            start=declaration.start,
            end=declaration.end,
            work_fraction=declaration.work_fraction,
            days=declaration.days,
            hours=declaration.hours,
        )
    except PayrollError as exc:
        errors.append(FieldError(_contract_field(exc), str(exc), "invalid_contract"))
    profile = profile_of(session, declaration.member_id)
    overrides = dict(declaration.params or {})
    params: dict[str, Any] = {}
    try:
        params = checked_params(payroll, profile.params if profile else {}, overrides)
    except ValidationProblem as problem:
        errors += problem.errors
    if errors:
        raise ValidationProblem(errors)
    assert member is not None and terms is not None
    if activity.status != ActivityStatus.OPEN:
        raise Conflict("The activity is closed.")
    try:
        pre_hire = payroll.pre_hire_declaration(
            employer_of(settings), worker_of(member, profile, vault), terms, params
        )
    except PayrollError as exc:
        field = "birth_date" if "birth" in str(exc) else "contract"
        raise ValidationProblem.single(field, str(exc), "pre_hire") from None
    contract = EmploymentContract(
        member_id=member.id,
        activity_id=activity.id,
        kind=terms.kind.value,
        basis=terms.basis.value,
        start_on=declaration.start,
        end_on=declaration.end,
        work_fraction=str(declaration.work_fraction),
        days=declaration.days,
        hours=str(declaration.hours) if declaration.hours is not None else None,
        place_of_work=place[:200],
        description=" ".join(declaration.description.split())[:500],
        params=jsonable(overrides),
        pre_hire={
            "country": pre_hire.country,
            "name": pre_hire.name,
            "due_before": pre_hire.due_before.isoformat(),
            "schema": pre_hire.schema,
            "payload": jsonable(pre_hire.payload),
        },
        declared_by=actor,
        declared_at=utcnow(),
    )
    session.add(contract)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="contract.declare",
        entity="employment_contract",
        entity_id=contract.id,
        changes=audit.diff(
            {},
            {
                "member_id": member.id,
                "activity_id": activity.id,
                "kind": contract.kind,
                "basis": contract.basis,
                "start": contract.start_on,
                "end": contract.end_on,
                "pre_hire": pre_hire.name,
            },
        ),
        request_id=request_id,
    )
    return contract


def visible_contract(
    session: Session, principal: Principal, contract_id: int
) -> EmploymentContract:
    return visible_own(session, principal, EmploymentContract, contract_id, "No such contract.")


def contracts_of(
    session: Session, principal: Principal, *, member_id: int | None = None
) -> list[EmploymentContract]:
    return own_rows(session, principal, EmploymentContract, member_id=member_id)


# --- salary requests ----------------------------------------------------------------------------


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except PayrollError as exc:
        raise ValidationProblem.single("period", str(exc), "invalid_period") from None


def _covers(contract: EmploymentContract, period: Period) -> bool:
    return contract.start_on <= period.end and (
        contract.end_on is None or contract.end_on >= period.start
    )


def _request_digest(content: Mapping[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class SalaryOptions:
    """What computing a salary needs besides the records: the payout rules and who acts."""

    actor: str
    vault: Vault
    second_approval_above: Decimal
    request_id: str | None = None


def request_salary(
    session: Session,
    payroll: Payroll,
    contract: EmploymentContract,
    *,
    period: str,
    amount: Decimal,
    idempotency_key: str,
    options: SalaryOptions,
    days: int | None = None,
    hours: Decimal | None = None,
    defer: bool = False,
) -> tuple[SalaryRequest, Payslip | None, bool]:
    """Ask for ``amount`` of the contract's activity budget as salary for ``period``.

    Returns ``(request, payslip, created)``. Unless ``defer``\\ red to the period's payroll run,
    the payslip is computed and posted at once (:func:`compute`): above the available budget it
    is 409 and nothing is written. The same key with the same request returns what was made; with
    another request 409. A contract's period is requested once (409 for a second request: correct
    the payslip instead).
    """
    activity = session.get(Activity, contract.activity_id)
    assert activity is not None
    errors: list[FieldError] = []
    try:
        minor = positive_minor(amount, activity.currency)
    except ValidationProblem as problem:
        errors += problem.errors
        minor = 0
    try:
        pay_period = _period(period)
    except ValidationProblem as problem:
        errors += problem.errors
    else:
        if not _covers(contract, pay_period):
            errors.append(
                FieldError(
                    "period", f"Contract #{contract.id} does not cover {pay_period}.", "not_covered"
                )
            )
    if days is not None and contract.basis != PayBasis.DAILY:
        errors.append(FieldError("days", "Only a daily contract counts days.", "not_daily"))
    if hours is not None and contract.basis != PayBasis.HOURLY:
        errors.append(FieldError("hours", "Only an hourly contract counts hours.", "not_hourly"))
    if not idempotency_key.strip():
        errors.append(FieldError("idempotency_key", "An idempotency key is required.", "required"))
    if errors:
        raise ValidationProblem(errors)
    content = {
        "contract": contract.id,
        "period": str(pay_period),
        "amount": minor,
        "currency": activity.currency,
        "days": days,
        "hours": str(hours) if hours is not None else None,
    }
    digest = _request_digest(content)
    lock_activity(session, activity.id)  # serialise requests of one activity (and its contracts)
    existing = session.scalar(
        select(SalaryRequest).where(SalaryRequest.idempotency_key == idempotency_key)
    )
    if existing is not None:
        if existing.request_digest != digest:
            raise Conflict(
                "This idempotency key was already used for a different salary request.",
                idempotency_key=idempotency_key,
            )
        return existing, current_payslip(session, existing.id), False
    taken = session.scalar(
        select(SalaryRequest.id).where(
            SalaryRequest.contract_id == contract.id, SalaryRequest.period == str(pay_period)
        )
    )
    if taken is not None:
        raise Conflict(
            f"Salary for contract #{contract.id} in {pay_period} was already requested "
            f"(request #{taken}); correct its payslip instead.",
            salary_request_id=taken,
        )
    request = SalaryRequest(
        contract_id=contract.id,
        member_id=contract.member_id,
        activity_id=activity.id,
        period=str(pay_period),
        amount_minor=minor,
        currency=activity.currency,
        days=days,
        hours=str(hours) if hours is not None else None,
        status=SalaryRequestStatus.REQUESTED.value,
        idempotency_key=idempotency_key,
        request_digest=digest,
        requested_by=options.actor,
        requested_at=utcnow(),
    )
    session.add(request)
    try:
        session.flush()
    except IntegrityError:  # the same key raced in for another activity's contract
        raise Conflict(
            "This idempotency key was already used for a different salary request.",
            idempotency_key=idempotency_key,
        ) from None
    audit.record(
        session,
        actor=options.actor,
        action="salary_request.create",
        entity="salary_request",
        entity_id=request.id,
        changes=audit.diff({}, {**content, "amount": str(from_minor(minor, activity.currency))}),
        request_id=options.request_id,
    )
    payslip = None
    if not defer:
        payslip, _payout = compute(session, payroll, request, options=options)
    return request, payslip, True


def visible_request(session: Session, principal: Principal, request_id: int) -> SalaryRequest:
    return visible_own(session, principal, SalaryRequest, request_id, "No such salary request.")


def requests_of(
    session: Session,
    principal: Principal,
    *,
    period: str | None = None,
    status: str | None = None,
) -> list[SalaryRequest]:
    return own_rows(session, principal, SalaryRequest, period=period, status=status)


# --- computing payslips -------------------------------------------------------------------------


class RequestFields(Protocol):
    """What computing a payslip reads of a salary request: the ORM row, or a payroll run's plain
    copy of it (:mod:`node.payroll.run` reads its chunk's requests without the ORM)."""

    @property
    def id(self) -> int: ...
    @property
    def contract_id(self) -> int: ...
    @property
    def member_id(self) -> int: ...
    @property
    def activity_id(self) -> int: ...
    @property
    def period(self) -> str: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def days(self) -> int | None: ...
    @property
    def hours(self) -> str | None: ...


@dataclass
class Inputs:
    """The records one salary computation reads (loaded one by one, or in bulk by a run)."""

    request: RequestFields
    contract: ContractFields
    member: Member
    activity: Activity
    profile: ProfileFields | None


def inputs_of(session: Session, request: RequestFields) -> Inputs:
    contract = session.get(EmploymentContract, request.contract_id)
    member = session.get(Member, request.member_id)
    activity = session.get(Activity, request.activity_id)
    assert contract is not None and member is not None and activity is not None
    return Inputs(request, contract, member, activity, profile_of(session, member.id))


#: The latest answers of :func:`solve` — ``(gross, employer cost)`` — per payroll and per
#: (period, params, contract terms), the cost line they lie on: the next search for the same
#: line starts from the two nearest (:func:`plugins.payroll.solve.gross_within_employer_cost`
#: ``seeds``), which puts its first guess on or next to the answer. Only a guide: every answer
#: is computed and checked by the search itself.
_ANSWERS: WeakKeyDictionary[Payroll, dict[Any, list[tuple[Decimal, Decimal]]]] = WeakKeyDictionary()
ANSWERS_KEPT = 32  # per line
LINES_KEPT = 1024  # per payroll


def solve(
    payroll: Payroll,
    period: Period,
    budget: Decimal,
    params: Mapping[str, Any],
    terms: Contract,
) -> Computed:
    """The payslip whose employer cost is nearest ``budget`` without exceeding it: the
    jurisdiction's inverse, then the gross one cent (minor unit) lower while it costs more.

    With the generic inverse (:func:`plugins.payroll.solve.gross_for_employer_cost`, which the
    jurisdiction did not replace) that is the largest gross within the budget, searched for
    directly (:func:`plugins.payroll.solve.gross_within_employer_cost`): the same payslip,
    without computing the neighbour above it, and from the answers found before for the same
    period, params and terms (:data:`_ANSWERS`).
    """
    unit = Decimal(1).scaleb(-payroll.minor_unit)
    if type(payroll).gross_for_employer_cost is Payroll.gross_for_employer_cost:
        checked = payroll.params(params)

        def forward(gross: Decimal) -> Computed:
            return payroll.payslip(period, gross, checked, terms)

        line = _answers(payroll, (period, repr(sorted(checked.items())), terms))
        within = inverse.gross_within_employer_cost(
            forward, budget, payroll.minor_unit, seeds=_nearest(line, budget)
        )
        if within is None:
            raise PayrollError(f"{budget} is too small to pay any salary")
        line.append((within.gross, within.employer_cost))
        del line[:-ANSWERS_KEPT]
        return within
    slip = payroll.gross_for_employer_cost(period, budget, params, terms)
    while slip.employer_cost > budget:
        if slip.gross - unit <= 0:
            raise PayrollError(f"{budget} is too small to pay any salary")
        slip = payroll.payslip(period, slip.gross - unit, params, terms)
    return slip


def _answers(payroll: Payroll, line: Any) -> list[tuple[Decimal, Decimal]]:
    """The answers kept for ``line`` of ``payroll`` (a fresh list if it cannot keep any)."""
    try:
        lines = _ANSWERS.setdefault(payroll, {})
    except TypeError:  # a payroll that cannot be weakly referenced
        return []
    if len(lines) >= LINES_KEPT and line not in lines:
        lines.clear()
    return lines.setdefault(line, [])


def _nearest(
    answers: list[tuple[Decimal, Decimal]], budget: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """The answers costing the most within ``budget`` and the least above it (when any)."""
    below: tuple[Decimal, Decimal] | None = None
    above: tuple[Decimal, Decimal] | None = None
    for answer in answers:
        cost = answer[1]
        if cost <= budget:
            if below is None or cost > below[1]:
                below = answer
        elif above is None or cost < above[1]:
            above = answer
    return [answer for answer in (below, above) if answer is not None]


#: A payslip row as a run's chunk inserts it: its columns (without ``id`` and ``payout_id``).
PayslipRow = dict[str, Any]


@dataclass(frozen=True)
class Committed:
    """What a request's earlier payouts already paid or sent to the bank, in minor units: a
    correction of a paid salary pays only the difference up to its new payslip."""

    net: int
    social: int
    tax: int

    @property
    def cost(self) -> int:
        return self.net + self.social + self.tax


def committed_for(session: Session, request_id: int) -> Committed | None:
    """The request's payouts that went to the bank (batched, sent or paid), summed; ``None``
    when there are none."""
    rows = session.scalars(
        select(Payout)
        .join(Payslip, Payslip.payout_id == Payout.id)
        .where(
            Payslip.request_id == request_id,
            Payout.status.in_((PayoutStatus.BATCHED, PayoutStatus.SENT, PayoutStatus.PAID)),
        )
    ).all()
    if not rows:
        return None
    return Committed(
        net=sum(row.amount_minor for row in rows),
        social=sum((row.charges or {}).get(SOCIAL.key, 0) for row in rows),
        tax=sum((row.charges or {}).get(TAX.key, 0) for row in rows),
    )


@overload
def compute(
    session: Session,
    payroll: Payroll,
    request: RequestFields,
    *,
    options: SalaryOptions,
    inputs: Inputs | None = None,
    sequence: int = 1,
    corrects: Payslip | None = None,
    reason: str | None = None,
    committed: Committed | None = None,
    batch: None = None,
) -> tuple[Payslip, Payout]: ...


@overload
def compute(
    session: Session,
    payroll: Payroll,
    request: RequestFields,
    *,
    options: SalaryOptions,
    inputs: Inputs | None = None,
    sequence: int = 1,
    corrects: Payslip | None = None,
    reason: str | None = None,
    committed: Committed | None = None,
    batch: payouts.PayoutBatch,
) -> tuple[PayslipRow, Payout]: ...


def compute(
    session: Session,
    payroll: Payroll,
    request: RequestFields,
    *,
    options: SalaryOptions,
    inputs: Inputs | None = None,
    sequence: int = 1,
    corrects: Payslip | None = None,
    reason: str | None = None,
    committed: Committed | None = None,
    batch: payouts.PayoutBatch | None = None,
) -> tuple[Payslip | PayslipRow, Payout]:
    """Compute the request's payslip and post it through the payout primitive; returns the
    payslip and its payout, and marks the request computed.

    The employer cost is at most the amount asked and the activity's available budget (read under
    the activity's lock): 409 otherwise, or when the activity is closed; 422 when the country
    cannot compute it (params, contract terms, period outside its law). With ``batch`` (a run's
    chunk) the payout and the payslip are inserted when the chunk is flushed, and the run records
    the request's status: the payslip is returned as the row to insert (:data:`PayslipRow`, its
    ``payout_id`` set by the caller then, :mod:`node.payroll.run`) and the request is left as is.

    With ``committed`` (a correction of a salary already sent to the bank) the payout pays only
    the difference between the new payslip and what was committed, and the budget must cover
    only that difference; 409 when the new payslip would take any part back.
    """
    found = inputs or inputs_of(session, request)
    activity = found.activity
    if batch is None:
        activity = lock_activity(session, activity.id)
        available = available_minor(session, activity)
    else:
        activity = batch.activity(session, activity.id)
        available = batch.available(activity.id)
    if activity.status != ActivityStatus.OPEN:
        raise Conflict("The activity is closed; it pays nothing out.")
    currency = activity.currency
    if request.amount_minor - (committed.cost if committed else 0) > available:
        raise Conflict(
            f"The activity's available budget is {from_minor(max(available, 0), currency)} "
            f"{currency}; this salary asks for {from_minor(request.amount_minor, currency)} "
            f"{currency}.",
            available=str(from_minor(available, currency)),
            requested=str(from_minor(request.amount_minor, currency)),
            currency=currency,
        )
    period = Period.parse(request.period)
    params = checked_params(
        payroll, found.profile.params if found.profile else {}, found.contract.params
    )
    try:
        terms = contract_terms(found.contract, days=request.days, hours=request.hours)
        slip = solve(payroll, period, from_minor(request.amount_minor, currency), params, terms)
    except PayrollError as exc:
        raise ValidationProblem.single("contract", str(exc), "payroll") from None
    if slip.currency != currency:
        raise Conflict(f"Salaries are paid in {slip.currency}; the activity is in {currency}.")
    if slip.net_pay <= 0:
        raise ValidationProblem.single("amount", "The amount leaves no net pay.", "too_small")
    net, social, tax = _still_due(slip, currency, committed, corrects)
    row, _created = payouts.payout(
        session,
        activity,
        net,
        "salary",
        f"salary:{request.id}:{sequence}",
        creditor=payouts.Creditor(member_id=request.member_id),
        actor=options.actor,
        vault=options.vault,
        second_approval_above=options.second_approval_above,
        description=f"Salary {period}" + (" (correction)" if committed else ""),
        charges=(payouts.Charge(SOCIAL, social), payouts.Charge(TAX, tax)),
        batch=batch,
        request_id=options.request_id,
    )
    language = (found.profile.language if found.profile else None) or found.member.language
    fields: PayslipRow = {
        "request_id": request.id,
        "contract_id": request.contract_id,
        "member_id": request.member_id,
        "activity_id": activity.id,
        "period": request.period,
        "sequence": sequence,
        "status": PayslipStatus.CURRENT.value,
        "currency": currency,
        "gross_minor": to_minor(slip.gross, currency),
        "employee_contributions_minor": to_minor(slip.employee_contributions, currency),
        "employer_contributions_minor": to_minor(slip.employer_contributions, currency),
        "income_tax_minor": to_minor(slip.income_tax_withheld, currency),
        "net_pay_minor": to_minor(slip.net_pay, currency),
        "employer_cost_minor": to_minor(slip.employer_cost, currency),
        "language": language,
        "data": slip.as_dict(),
        "corrects_id": corrects.id if corrects is not None else None,
        "reason": reason,
        "created_by": options.actor,
        "created_at": utcnow(),
    }
    if batch is not None:  # inserted with the chunk, the request's status set by the run
        return fields, row
    assert isinstance(request, SalaryRequest)
    request.status, request.problem = SalaryRequestStatus.COMPUTED.value, None
    payslip = Payslip(**fields, payout_id=row.id)
    session.add(payslip)
    session.flush()
    audit.record(
        session,
        actor=options.actor,
        action="payslip.compute",
        entity="payslip",
        entity_id=payslip.id,
        changes=payslip_changes(payslip),
        request_id=options.request_id,
    )
    return payslip, row


def _still_due(
    slip: Computed, currency: str, committed: Committed | None, corrects: Payslip | None
) -> tuple[Decimal, Decimal, Decimal]:
    """Net pay, social contributions and withholding the payout of ``slip`` carries: all of
    them, or with ``committed`` what the earlier payouts did not (409 if any would fall)."""
    social = slip.employee_contributions + slip.employer_contributions
    if committed is None:
        return slip.net_pay, social, slip.income_tax_withheld
    net = slip.net_pay - from_minor(committed.net, currency)
    social -= from_minor(committed.social, currency)
    tax = slip.income_tax_withheld - from_minor(committed.tax, currency)
    number = f"#{corrects.id}" if corrects is not None else "the earlier payslip"
    if min(net, social, tax) < 0:
        raise Conflict(
            f"The salary of payslip {number} is already with the bank; this correction would "
            f"take back part of it (net pay {net}, contributions {social}, withholding {tax} "
            f"{currency}). Only a correction upward can be paid: recover an overpaid salary "
            "with the member directly.",
            net_pay_difference=str(net),
            currency=currency,
        )
    if net == 0:
        raise Conflict(
            f"The corrected payslip pays the same net as payslip {number} already did: there is "
            "nothing to pay."
        )
    return net, social, tax


#: What the audit trail records of a computed payslip.
_AUDITED = (
    "request_id",
    "period",
    "sequence",
    "gross_minor",
    "net_pay_minor",
    "employer_cost_minor",
    "payout_id",
    "corrects_id",
    "currency",
)


def payslip_changes(payslip: Payslip | PayslipRow) -> dict[str, Any]:
    """The audit changes of a computed payslip (the ORM row, or a run's inserted row)."""
    row = payslip if isinstance(payslip, dict) else {n: getattr(payslip, n) for n in _AUDITED}

    def money(minor: int) -> str:
        return str(from_minor(minor, row["currency"]))

    return audit.diff(
        {},
        {
            "request_id": row["request_id"],
            "period": row["period"],
            "sequence": row["sequence"],
            "gross": money(row["gross_minor"]),
            "net_pay": money(row["net_pay_minor"]),
            "employer_cost": money(row["employer_cost_minor"]),
            "payout_id": row["payout_id"],
            "corrects_id": row["corrects_id"],
        },
    )


def current_payslip(session: Session, request_id: int) -> Payslip | None:
    return session.scalar(
        select(Payslip).where(
            Payslip.request_id == request_id, Payslip.status == PayslipStatus.CURRENT
        )
    )


def visible_payslip(session: Session, principal: Principal, payslip_id: int) -> Payslip:
    return visible_own(session, principal, Payslip, payslip_id, "No such payslip.")


def payslips_of(
    session: Session,
    principal: Principal,
    *,
    period: str | None = None,
    member_id: int | None = None,
) -> list[Payslip]:
    return own_rows(session, principal, Payslip, period=period, member_id=member_id)


def computed_of(payslip: Payslip) -> Computed:
    """The jurisdiction's payslip back from its stored JSON (:meth:`Computed.as_dict`)."""
    data = payslip.data
    return Computed(
        country=data["country"],
        period=Period.parse(data["period"]),
        currency=data["currency"],
        gross=Decimal(data["gross"]),
        lines=tuple(
            PayslipLine(
                code=line["code"],
                label=line["label"],
                base=Decimal(line["base"]),
                employee_rate=_decimal(line.get("employee_rate")),
                employee_amount=Decimal(line["employee_amount"]),
                employer_rate=_decimal(line.get("employer_rate")),
                employer_amount=Decimal(line["employer_amount"]),
                sources=tuple(line.get("sources", ())),
            )
            for line in data["lines"]
        ),
        income_tax_withheld=Decimal(data["income_tax_withheld"]),
        params=dict(data.get("params", {})),
        extra=dict(data.get("extra", {})),
    )


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


# --- corrections --------------------------------------------------------------------------------


def correct(
    session: Session,
    payroll: Payroll,
    payslip_id: int,
    *,
    options: SalaryOptions,
    reason: str,
    amount: Decimal | None = None,
    days: int | None = None,
    hours: Decimal | None = None,
) -> Payslip:
    """Replace a payslip: the request is computed again — with the current profile and contract,
    and ``amount``/``days``/``hours`` when given — as the next sequence. Both payslips stay; the
    old one is ``corrected``.

    A payout not yet with the bank is cancelled (its commit entry reversed, so the budget and
    the liabilities get their amounts back) and the new payslip paid in full. Once the salary is
    batched, sent or paid, the new payslip's payout carries only the difference to what went to
    the bank (:class:`Committed`); 409 if the correction would take part of it back, or when the
    payslip was already corrected.
    """
    text = " ".join(reason.split())
    if not text:
        raise ValidationProblem.single("reason", "Say why the payslip is corrected.", "required")
    old = locked(session, Payslip, payslip_id, "No such payslip.")
    if old.status != PayslipStatus.CURRENT:
        newer = session.scalar(select(Payslip.id).where(Payslip.corrects_id == old.id))
        raise Conflict(f"Payslip #{old.id} was already corrected by payslip #{newer}.")
    request = locked(session, SalaryRequest, old.request_id, "No such salary request.")
    contract = session.get(EmploymentContract, request.contract_id)
    assert contract is not None
    errors: list[FieldError] = []
    if days is not None and contract.basis != PayBasis.DAILY:
        errors.append(FieldError("days", "Only a daily contract counts days.", "not_daily"))
    if hours is not None and contract.basis != PayBasis.HOURLY:
        errors.append(FieldError("hours", "Only an hourly contract counts hours.", "not_hourly"))
    if amount is not None:
        try:
            request.amount_minor = positive_minor(amount, request.currency)
        except ValidationProblem as problem:
            errors += problem.errors
    if errors:
        raise ValidationProblem(errors)
    paid_by = session.get(Payout, old.payout_id)
    assert paid_by is not None
    if paid_by.status in (PayoutStatus.PENDING_APPROVAL, PayoutStatus.APPROVED):
        payouts.cancel(session, paid_by.id, actor=options.actor, request_id=options.request_id)
    if days is not None:
        request.days = days
    if hours is not None:
        request.hours = str(hours)
    old.status = PayslipStatus.CORRECTED.value
    session.flush()
    new, _payout = compute(
        session,
        payroll,
        request,
        options=options,
        sequence=old.sequence + 1,
        corrects=old,
        reason=text[:500],
        committed=committed_for(session, request.id),
    )
    audit.record(
        session,
        actor=options.actor,
        action="payslip.correct",
        entity="payslip",
        entity_id=old.id,
        changes={
            "status": [PayslipStatus.CURRENT.value, PayslipStatus.CORRECTED.value],
            "corrected_by": [None, new.id],
            "reason": [None, text[:500]],
        },
        request_id=options.request_id,
    )
    return new


# --- periodic declarations ----------------------------------------------------------------------


def periodic_declaration(
    session: Session, payroll: Payroll, settings: Any, vault: Vault, period: str
) -> dict[str, Any]:
    """The country's periodic declaration of ``period`` over its current payslips, as JSON."""
    pay_period = _period(period)
    slips = list(
        session.scalars(
            select(Payslip)
            .where(Payslip.period == str(pay_period), Payslip.status == PayslipStatus.CURRENT)
            .order_by(Payslip.member_id, Payslip.id)
        )
    )
    member_ids = sorted({slip.member_id for slip in slips})
    members: dict[int, Member] = {}
    profiles: dict[int, PayrollProfile] = {}
    for start in range(0, len(member_ids), 500):
        chunk = member_ids[start : start + 500]
        members.update(
            (m.id, m) for m in session.scalars(select(Member).where(Member.id.in_(chunk)))
        )
        profiles.update(
            (p.member_id, p)
            for p in session.scalars(
                select(PayrollProfile).where(PayrollProfile.member_id.in_(chunk))
            )
        )
    workers = {i: worker_of(members[i], profiles.get(i), vault) for i in member_ids}
    try:
        declaration = payroll.periodic_declaration(
            employer_of(settings),
            pay_period,
            [(workers[slip.member_id], computed_of(slip)) for slip in slips],
        )
    except PayrollError as exc:
        raise Conflict(str(exc)) from None
    return {
        "country": declaration.country,
        "name": declaration.name,
        "period": declaration.period,
        "schema": declaration.schema,
        "payslips": len(slips),
        "payload": jsonable(declaration.payload),
    }


def count_in_period(session: Session, period: str) -> dict[str, int]:
    """Salary requests of ``period`` by status."""
    rows = session.execute(
        select(SalaryRequest.status, func.count())
        .where(SalaryRequest.period == period)
        .group_by(SalaryRequest.status)
    )
    return {status: int(count) for status, count in rows}
