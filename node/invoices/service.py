"""Invoices and credit notes: create a draft, issue it, credit it, present it.

* A **draft** belongs to an activity and a client; its lines are checked (positive amounts no
  finer than the currency's unit, quantities above 0 with at most three decimals, VAT tiers the
  country has) and its totals are an estimate at today's rates. Staff and the activity's members
  create drafts.
* **Issuing** (staff) takes the next gapless number of the issue date's fiscal year, builds the
  document with the jurisdiction's VAT rules and legal mentions (:func:`build_document`), freezes
  it as JSON, and posts one journal entry (:mod:`node.invoices.postings`) — all in the caller's
  transaction, so a failure leaves neither a number nor a posting behind. Issue dates never go
  back in time within a year, so numbers follow the dates.
* A **credit note** (staff) is a document of its own in the same series, against one issued
  invoice, for part of what remains uncredited (per VAT tier) or for all of it; it posts the
  mirror entry with the contribution given back in proportion. A fully credited invoice is
  cancelled. Issued documents are never edited or deleted.

The seller is the node (``node.name``, ``node.country``, ``node.vat_number``,
``node.legal_entity_number``) with a postal address and a bank account given when issuing
(:class:`Seller`): the settings have neither yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node import audit
from node.activities.models import Activity, ActivityStatus
from node.activities.service import budget_spec, records_of, visible_activity, visible_record
from node.banking.references import be_structured_reference, rf_reference
from node.clients.models import Client, ClientKind
from node.clients.service import get_client
from node.db import locked
from node.db.types import utcnow
from node.errors import Conflict, FieldError, ValidationProblem
from node.guarantee.models import GuaranteeWriteOff
from node.guarantee.policy import GuaranteePolicy
from node.identity.roles import Principal
from node.invoices import numbering, postings, snapshot
from node.invoices.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from node.invoicing.document import (
    Address,
    Document,
    DocumentKind,
    InvoiceError,
    Party,
    PrecedingInvoice,
    compute_totals,
)
from node.invoicing.vat import EU_MEMBER_STATES, LineItem, build_document
from node.ledger import service as ledger
from node.money import MoneyError, from_minor, minor_exponent, to_minor
from node.payments.models import ClientPayment
from node.payouts.available import available_minor, lock_activity
from plugins.jurisdiction import FactNotFound, Jurisdiction, Situation

DEFAULT_POLICY = GuaranteePolicy()

MAX_QUANTITY = Decimal(1_000_000)
MAX_UNIT_PRICE = Decimal(100_000_000)
QUANTITY_DECIMALS = 3
DEFAULT_UNIT_CODE = "C62"  # UN/ECE rec. 20: "one" (a unit)
NO_SUCH_INVOICE = "No such invoice."


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_tier: str
    unit_code: str = DEFAULT_UNIT_CODE


@dataclass(frozen=True)
class Seller:
    """The node as the seller of an invoice."""

    name: str
    country: str
    vat_number: str
    company_id: str
    street: str
    postcode: str
    city: str
    iban: str

    def party(self) -> Party:
        return Party(
            name=self.name,
            address=Address(self.street, self.city, self.postcode, self.country),
            vat_number=self.vat_number,
            company_id=self.company_id,
            iban=self.iban,
        )


def seller_from(settings: Any, body: Mapping[str, Any]) -> Seller:
    """The seller from the node's settings and the issue request (``bank_iban``, ``seller_address``).

    409 when ``node.vat_number`` is not configured (every invoice of a VAT-registered co-op must
    carry it); 422 for an invalid IBAN.
    """
    if not settings["node.vat_number"]:
        raise Conflict(
            "Set node.vat_number before issuing invoices: every invoice must carry the seller's "
            "VAT number.",
            setting="node.vat_number",
        )
    try:
        iban = str(IBAN(body["bank_iban"]).compact)
    except SchwiftyException as error:
        raise ValidationProblem.single("bank_iban", f"Not a valid IBAN: {error}") from None
    address = body["seller_address"]
    return Seller(
        name=settings["node.name"],
        country=settings["node.country"],
        vat_number=settings["node.vat_number"],
        company_id=settings["node.legal_entity_number"],
        street=address["street"].strip(),
        postcode=address["postcode"].strip(),
        city=address["city"].strip(),
        iban=iban,
    )


# -- input -----------------------------------------------------------------------------------


def _decimal(text: object) -> Decimal | None:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_lines(raw: Sequence[Mapping[str, Any]], currency: str) -> list[LineInput]:
    """Check the lines of a request; 422 naming each bad field (``lines.2.unit_price``)."""
    errors: list[FieldError] = []
    lines: list[LineInput] = []
    step = Decimal(1).scaleb(-QUANTITY_DECIMALS)
    for index, item in enumerate(raw):
        where = f"lines.{index}."
        description = str(item.get("description", "")).strip()
        if not description:
            errors.append(FieldError(where + "description", "Must not be blank.", "blank"))
        quantity = _decimal(item.get("quantity"))
        if quantity is None or quantity <= 0 or quantity > MAX_QUANTITY:
            errors.append(
                FieldError(
                    where + "quantity",
                    f"Must be a number above 0 and at most {MAX_QUANTITY}.",
                    "out_of_range",
                )
            )
        elif quantity != quantity.quantize(step):
            errors.append(
                FieldError(
                    where + "quantity",
                    f"At most {QUANTITY_DECIMALS} decimals.",
                    "too_precise",
                )
            )
        price = _decimal(item.get("unit_price"))
        if price is None or price <= 0 or price > MAX_UNIT_PRICE:
            errors.append(
                FieldError(
                    where + "unit_price",
                    f"Must be an amount above 0 and at most {MAX_UNIT_PRICE}.",
                    "out_of_range",
                )
            )
        else:
            try:
                to_minor(price, currency)
            except MoneyError:
                errors.append(
                    FieldError(
                        where + "unit_price",
                        f"At most {minor_exponent(currency)} decimals in {currency}.",
                        "too_precise",
                    )
                )
        if quantity is not None and price is not None:
            lines.append(
                LineInput(
                    description,
                    quantity,
                    price,
                    str(item.get("vat_tier", "standard")),
                    str(item.get("unit_code", DEFAULT_UNIT_CODE)),
                )
            )
    if errors:
        raise ValidationProblem(errors)
    return lines


def default_situation(node_country: str, client: Client) -> Situation:
    """Domestic for a client in the node's country; reverse charge for a company with a VAT
    number in another member state; export for a client outside the EU; else domestic (a
    consumer or unregistered business elsewhere in the EU pays the seller's VAT)."""
    if client.country == node_country:
        return Situation.DOMESTIC
    if client.country not in EU_MEMBER_STATES:
        return Situation.EXPORT_OUTSIDE_EU
    if client.kind == ClientKind.COMPANY and client.vat_number:
        return Situation.INTRA_EU_REVERSE_CHARGE
    return Situation.DOMESTIC


def check_situation(node_country: str, client: Client, situation: Situation) -> None:
    """Refuse a situation the client contradicts (422 on ``situation``)."""
    problem = None
    if situation is Situation.INTRA_EU_REVERSE_CHARGE:
        if client.country == node_country or client.country not in EU_MEMBER_STATES:
            problem = "Reverse charge is for a client in another EU member state."
        elif not client.vat_number:
            problem = "Reverse charge needs the client's VAT number."
    elif situation is Situation.EXPORT_OUTSIDE_EU and client.country in EU_MEMBER_STATES:
        problem = f"The client is in {client.country}, an EU member state: not an export."
    if problem:
        raise ValidationProblem.single("situation", problem, "contradicts_client")


def _check_tiers(
    jurisdiction: Jurisdiction, situation: Situation, lines: Iterable[LineInput], on: date
) -> dict[str, Decimal]:
    """VAT rates by tier on ``on`` (0 for every tier outside a domestic supply)."""
    rates: dict[str, Decimal] = {}
    errors: list[FieldError] = []
    for index, line in enumerate(lines):
        if situation is not Situation.DOMESTIC:
            rates[line.vat_tier] = Decimal(0)
            continue
        try:
            rates[line.vat_tier] = jurisdiction.vat_rate(line.vat_tier, on)
        except FactNotFound as error:
            errors.append(FieldError(f"lines.{index}.vat_tier", str(error), "unknown_tier"))
    if errors:
        raise ValidationProblem(errors)
    return rates


def _estimate(
    jurisdiction: Jurisdiction, lines: Sequence[LineInput], rates: Mapping[str, Decimal]
) -> tuple[Decimal, Decimal]:
    """Net and VAT as :func:`compute_totals` will compute them (lines rounded one by one, VAT
    once per rate)."""
    bases: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        bases[rates[line.vat_tier]] += jurisdiction.round_money(line.quantity * line.unit_price)
    net = sum(bases.values(), Decimal(0))
    vat = sum((jurisdiction.round_money(b * r / 100) for r, b in bases.items()), Decimal(0))
    return net, vat


# -- visibility ------------------------------------------------------------------------------


def visible_invoice(session: Session, principal: Principal, invoice_id: int) -> Invoice:
    """The invoice or credit note if the caller may see it (staff, or a member of its activity); else 404."""
    return visible_record(session, principal, Invoice, invoice_id, NO_SUCH_INVOICE)


def invoices_of(
    session: Session, principal: Principal, *, activity_id: int | None = None
) -> list[Invoice]:
    return records_of(session, principal, Invoice, activity_id=activity_id)


# -- drafts ----------------------------------------------------------------------------------


def _usable_activity(activity: Activity, currency: str) -> None:
    if activity.status != ActivityStatus.OPEN:
        raise Conflict("The activity is closed: it cannot invoice.")
    if activity.currency != currency:
        raise ValidationProblem.single(
            "activity_id",
            f"The activity keeps its budget in {activity.currency}, but invoices are issued "
            f"in {currency}.",
            "currency_mismatch",
        )


def create_draft(
    session: Session,
    jurisdiction: Jurisdiction,
    principal: Principal,
    *,
    activity_id: int,
    client_id: int,
    lines: Sequence[Mapping[str, Any]],
    situation: str | None = None,
    currency: str | None = None,
    today: date | None = None,
    request_id: str | None = None,
) -> Invoice:
    """A draft for ``activity_id`` (which the caller must see: 404) and ``client_id``."""
    activity = visible_activity(session, principal, activity_id)
    invoice_currency = jurisdiction.currency
    if currency is not None and currency != invoice_currency:
        raise ValidationProblem.single(
            "currency", f"Invoices of this node are issued in {invoice_currency}.", "mismatch"
        )
    client = get_client(session, client_id)
    if client is None or client.archived_at is not None:
        raise ValidationProblem.single("client_id", "No such client.", "unknown")
    _usable_activity(activity, invoice_currency)
    items = parse_lines(lines, invoice_currency)
    chosen = (
        default_situation(jurisdiction.country, client)
        if situation is None
        else Situation(situation)
    )
    check_situation(jurisdiction.country, client, chosen)
    rates = _check_tiers(jurisdiction, chosen, items, today or date.today())
    net, vat = _estimate(jurisdiction, items, rates)
    invoice = Invoice(
        kind=InvoiceKind.INVOICE.value,
        status=InvoiceStatus.DRAFT.value,
        activity_id=activity.id,
        client_id=client.id,
        situation=chosen.value,
        currency=invoice_currency,
        net_minor=to_minor(net, invoice_currency),
        vat_minor=to_minor(vat, invoice_currency),
        gross_minor=to_minor(net + vat, invoice_currency),
        created_by=principal.actor,
    )
    invoice.lines = _line_rows(items, invoice_currency)
    session.add(invoice)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="invoice.create",
        entity="invoice",
        entity_id=invoice.id,
        changes=audit.diff(
            {},
            {
                "activity_id": activity.id,
                "client_id": client.id,
                "situation": chosen.value,
                "lines": len(items),
            },
        ),
        request_id=request_id,
    )
    return invoice


def _line_rows(items: Sequence[LineInput], currency: str) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            position=index,
            description=item.description,
            quantity=format(item.quantity.normalize(), "f"),
            unit_code=item.unit_code,
            unit_price_minor=to_minor(item.unit_price, currency),
            vat_tier=item.vat_tier,
        )
        for index, item in enumerate(items, start=1)
    ]


def _items_of(invoice: Invoice) -> list[LineItem]:
    return [
        LineItem(
            description=line.description,
            quantity=Decimal(line.quantity),
            unit_price=from_minor(line.unit_price_minor, invoice.currency),
            unit_code=line.unit_code,
            vat_tier=line.vat_tier,
        )
        for line in invoice.lines
    ]


# -- issuing ---------------------------------------------------------------------------------


def _locked(session: Session, invoice_id: int) -> Invoice:
    return locked(session, Invoice, invoice_id, NO_SUCH_INVOICE)


def _key_owner(session: Session, key: str) -> Invoice | None:
    return session.scalar(select(Invoice).where(Invoice.idempotency_key == key))


def _issue_date(requested: date | None, today: date, not_before: date | None = None) -> date:
    issue_date = requested or today
    if issue_date > today:
        raise ValidationProblem.single("issue_date", "An invoice cannot be dated in the future.")
    if not_before is not None and issue_date < not_before:
        raise ValidationProblem.single(
            "issue_date", f"A credit note cannot precede the invoice it corrects ({not_before})."
        )
    return issue_date


def _take_number(session: Session, issue_date: date) -> tuple[int, int, str]:
    """Lock the year's counter, refuse a date before the year's last issued document (numbers
    follow dates), and take the next number: ``(fiscal_year, sequence, number)``."""
    year = issue_date.year
    last = numbering.lock_counter(session, year)
    latest = session.scalar(
        select(func.max(Invoice.issue_date)).where(
            Invoice.fiscal_year == year, Invoice.status == InvoiceStatus.ISSUED.value
        )
    )
    if latest is not None and issue_date < latest:
        raise ValidationProblem.single(
            "issue_date",
            f"Documents of {year} are already issued up to {latest}; numbers follow dates, so "
            "a new one cannot be dated earlier.",
            "before_last_issued",
        )
    if last + 1 >= 10**numbering.SEQUENCE_DIGITS:
        raise Conflict(f"The numbering of {year} is exhausted.")
    sequence = numbering.take_next(session, year, last)
    return year, sequence, numbering.format_number(year, sequence)


def payment_reference(country: str, fiscal_year: int, sequence: int) -> str:
    """The structured reference the client quotes: a Belgian structured communication for a
    Belgian node, else an ISO 11649 RF reference; both built from the invoice number."""
    base = f"{fiscal_year:04d}{sequence:0{numbering.SEQUENCE_DIGITS}d}"
    if country == "BE":
        return be_structured_reference(int(base))
    return rf_reference(base)


_DOCUMENT_FIELDS = {"seller.iban": "bank_iban", "seller.address.country": "seller_address"}


def _build(jurisdiction: Jurisdiction, **kwargs: Any) -> Document:
    """:func:`build_document`, its refusals turned into 422s named after the request."""
    try:
        return build_document(jurisdiction, **kwargs)
    except InvoiceError as error:
        field = error.field
        if field == "seller.vat_number":
            raise Conflict(
                f"node.vat_number is not usable: {error.message}", setting="node.vat_number"
            ) from None
        if field.startswith("items["):
            index = int(field[6 : field.index("]")]) - 1
            field = f"lines.{index}" + field[field.index("]") + 1 :]
        raise ValidationProblem.single(_DOCUMENT_FIELDS.get(field, field), error.message) from None


def _buyer(client: Client) -> Party:
    return Party(
        name=client.name,
        address=Address(
            client.billing_street,
            client.billing_city,
            client.billing_postcode,
            client.billing_country,
        ),
        vat_number=client.vat_number or "",
        company_id=client.company_id or "",
        email=client.email or "",
    )


def _minor(amount: Decimal, currency: str) -> int:
    return to_minor(amount, currency)


def _open_accounts(session: Session, activity: Activity, currency: str) -> None:
    ledger.ensure_account(session, budget_spec(activity), currency)
    for spec in postings.ACCOUNTS:
        ledger.ensure_account(session, spec, currency)


@dataclass(frozen=True)
class Outcome:
    invoice: Invoice
    replayed: bool = False


def issue(
    session: Session,
    jurisdiction: Jurisdiction,
    invoice_id: int,
    *,
    seller: Seller,
    contribution_rate: Decimal,
    fund_points: Decimal,
    payment_days: int,
    idempotency_key: str,
    actor: str,
    guarantee: GuaranteePolicy = DEFAULT_POLICY,
    issue_date: date | None = None,
    today: date | None = None,
    request_id: str | None = None,
) -> Outcome:
    """Issue a draft: number, frozen document and journal entry, all or nothing.

    The same ``idempotency_key`` again returns the issued invoice unchanged (``replayed``); an
    invoice issued under another key, or a key used for another document, is a 409. Whether the
    ``guarantee`` fund covers the invoice is decided here, once.
    """
    today = today or date.today()
    invoice = _locked(session, invoice_id)
    owner = _key_owner(session, idempotency_key)
    if owner is not None and owner.id != invoice_id:
        raise Conflict("This idempotency key was already used for another document.")
    if invoice.kind != InvoiceKind.INVOICE:
        raise Conflict("A credit note is issued when it is created.")
    if invoice.status == InvoiceStatus.ISSUED:
        if invoice.idempotency_key == idempotency_key:
            return Outcome(invoice, replayed=True)
        raise Conflict(f"The invoice is already issued as {invoice.number}.", number=invoice.number)
    activity = session.get(Activity, invoice.activity_id)
    client = session.get(Client, invoice.client_id)
    assert activity is not None and client is not None
    _usable_activity(activity, jurisdiction.currency)
    if client.archived_at is not None:
        raise Conflict("The client is archived; restore it before invoicing it.")
    if seller.country != jurisdiction.country:
        raise Conflict("The seller's country is not the jurisdiction's.")
    issued_on = _issue_date(issue_date, today)
    year, sequence, number = _take_number(session, issued_on)
    due = issued_on + timedelta(days=payment_days)
    document = _build(
        jurisdiction,
        situation=invoice.situation,
        number=number,
        issue_date=issued_on,
        seller=seller.party(),
        buyer=_buyer(client),
        items=_items_of(invoice),
        kind=DocumentKind.INVOICE,
        due_date=due,
        payment_terms=f"Payable within {payment_days} days, by {due.isoformat()}.",
        payment_reference=payment_reference(jurisdiction.country, year, sequence),
    )
    totals = compute_totals(document, jurisdiction.round_money)
    currency = document.currency
    net = _minor(totals.tax_exclusive_amount, currency)
    vat = _minor(totals.tax_amount, currency)
    contribution, fund = postings.contribution_of(net, contribution_rate, fund_points)
    amounts = postings.Amounts(currency, net, vat, contribution, fund)
    _open_accounts(session, activity, currency)
    entry = ledger.post(
        session,
        postings.invoice_entry(
            document_id=invoice.id,
            number=number,
            issue_date=issued_on,
            budget_key=activity.budget_key,
            amounts=amounts,
        ),
        actor=actor,
    )
    invoice.status = InvoiceStatus.ISSUED.value
    invoice.fiscal_year, invoice.sequence, invoice.number = year, sequence, number
    invoice.issue_date, invoice.due_date = issued_on, due
    invoice.payment_reference = document.payment_reference
    invoice.bank_iban = seller.iban
    invoice.net_minor, invoice.vat_minor, invoice.gross_minor = net, vat, amounts.gross
    invoice.contribution_minor, invoice.fund_minor = contribution, fund
    invoice.guarantee_covered = guarantee.covers(
        client.guarantee, from_minor(amounts.gross, currency)
    )
    invoice.document = snapshot.to_json(document)
    invoice.idempotency_key = idempotency_key
    invoice.journal_entry_id = entry.id
    invoice.issued_at, invoice.issued_by = utcnow(), actor
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="invoice.issue",
        entity="invoice",
        entity_id=invoice.id,
        changes=audit.diff(
            {"status": "draft"},
            {"status": "issued", "number": number, "gross_minor": amounts.gross},
        ),
        request_id=request_id,
    )
    return Outcome(invoice)


# -- credit notes ----------------------------------------------------------------------------


def _check_budget_after_credit(
    session: Session, activity: Activity, available_before: int, currency: str
) -> None:
    """Refuse (409, and the caller's transaction rolls back) a credit note that would take back
    turnover the activity has already paid out: its available budget may not go below zero.

    Crediting an uncovered invoice the client has not paid leaves the available budget as it
    was (the turnover was not available yet); crediting paid or covered turnover lowers it.
    """
    after = available_minor(session, activity)
    if after < 0 and after < available_before:
        short = from_minor(-after, currency)
        raise Conflict(
            f"The activity's available budget is {from_minor(max(available_before, 0), currency)} "
            f"{currency}; this credit note would take it {short} {currency} below zero. "
            "Fund the activity first (e.g. an internal purchase) or have the co-op decide.",
            available=str(from_minor(available_before, currency)),
            shortfall=str(short),
            currency=currency,
        )


def credit_notes_of(session: Session, invoice: Invoice) -> list[Invoice]:
    return list(
        session.scalars(
            select(Invoice)
            .where(Invoice.credited_invoice_id == invoice.id)
            .order_by(Invoice.sequence)
        )
    )


def _net_by_tier(jurisdiction: Jurisdiction, invoice: Invoice) -> dict[str, int]:
    nets: dict[str, int] = defaultdict(int)
    for item in _items_of(invoice):
        net = jurisdiction.round_money(item.quantity * item.unit_price)
        nets[item.vat_tier] += _minor(net, invoice.currency)
    return dict(nets)


def remaining_by_tier(
    jurisdiction: Jurisdiction, invoice: Invoice, notes: Sequence[Invoice]
) -> dict[str, int]:
    """Net still uncredited on ``invoice``, per VAT tier (minor units)."""
    remaining = _net_by_tier(jurisdiction, invoice)
    for note in notes:
        for tier, net in _net_by_tier(jurisdiction, note).items():
            remaining[tier] = remaining.get(tier, 0) - net
    return remaining


def credit(
    session: Session,
    jurisdiction: Jurisdiction,
    invoice_id: int,
    *,
    lines: Sequence[Mapping[str, Any]] | None,
    full: bool,
    idempotency_key: str,
    actor: str,
    issue_date: date | None = None,
    today: date | None = None,
    request_id: str | None = None,
) -> Outcome:
    """Issue a credit note against an issued invoice (``full``: all that remains uncredited).

    409 when the invoice is a draft or a credit note, when nothing remains, when a line
    credits more than remains in its VAT tier, or when the activity has already paid out what
    the note takes back. The same ``idempotency_key`` returns the credit
    note already issued under it.
    """
    today = today or date.today()
    invoice = _locked(session, invoice_id)  # credit notes of one invoice queue here
    owner = _key_owner(session, idempotency_key)
    if owner is not None:
        if owner.credited_invoice_id == invoice_id:
            return Outcome(owner, replayed=True)
        raise Conflict("This idempotency key was already used for another document.")
    if invoice.kind != InvoiceKind.INVOICE:
        raise Conflict("A credit note cannot be credited.")
    if invoice.status != InvoiceStatus.ISSUED or invoice.document is None:
        raise Conflict("Only an issued invoice can be credited; a draft is simply not issued.")
    if session.scalar(
        select(GuaranteeWriteOff.id).where(GuaranteeWriteOff.invoice_id == invoice_id)
    ):
        raise Conflict("The guarantee fund wrote this invoice off; it can no longer be credited.")
    assert invoice.number is not None and invoice.issue_date is not None
    activity = lock_activity(session, invoice.activity_id)  # payouts from it wait meanwhile
    available_before = available_minor(session, activity)
    notes = credit_notes_of(session, invoice)
    remaining = remaining_by_tier(jurisdiction, invoice, notes)
    if all(amount <= 0 for amount in remaining.values()):
        raise Conflict("The invoice is already fully credited.")
    currency = invoice.currency
    if full:
        items = _remaining_items(invoice, notes, remaining)
    else:
        items = parse_lines(lines or [], currency)
        asked: dict[str, int] = defaultdict(int)
        for item in items:
            line_net = jurisdiction.round_money(item.quantity * item.unit_price)
            asked[item.vat_tier] += _minor(line_net, currency)
        over = {tier: amount for tier, amount in asked.items() if amount > remaining.get(tier, 0)}
        if over:
            left = {t: str(from_minor(max(remaining.get(t, 0), 0), currency)) for t in over}
            raise Conflict(
                "A credit note cannot credit more than remains uncredited on the invoice.",
                remaining=left,
            )
    issued_on = _issue_date(issue_date, today, not_before=invoice.issue_date)
    year, sequence, number = _take_number(session, issued_on)
    frozen = snapshot.from_json(invoice.document)
    document = _build(
        jurisdiction,
        situation=invoice.situation,
        number=number,
        issue_date=issued_on,
        seller=frozen.seller,
        buyer=frozen.buyer,
        items=[
            LineItem(i.description, i.quantity, i.unit_price, i.unit_code, i.vat_tier)
            for i in items
        ],
        kind=DocumentKind.CREDIT_NOTE,
        preceding_invoice=PrecedingInvoice(invoice.number, invoice.issue_date),
    )
    totals = compute_totals(document, jurisdiction.round_money)
    net = _minor(totals.tax_exclusive_amount, currency)
    vat = _minor(totals.tax_amount, currency)
    credited_net = sum(note.net_minor for note in notes)
    last = credited_net + net >= invoice.net_minor
    contribution = postings.in_proportion(
        invoice.contribution_minor,
        net,
        invoice.net_minor,
        remaining=invoice.contribution_minor - sum(n.contribution_minor for n in notes),
        last=last,
    )
    fund = postings.in_proportion(
        invoice.fund_minor,
        net,
        invoice.net_minor,
        remaining=invoice.fund_minor - sum(n.fund_minor for n in notes),
        last=last,
    )
    amounts = postings.Amounts(currency, net, vat, contribution, fund)
    note = Invoice(
        kind=InvoiceKind.CREDIT_NOTE.value,
        status=InvoiceStatus.ISSUED.value,
        activity_id=invoice.activity_id,
        client_id=invoice.client_id,
        credited_invoice_id=invoice.id,
        situation=invoice.situation,
        currency=currency,
        fiscal_year=year,
        sequence=sequence,
        number=number,
        issue_date=issued_on,
        net_minor=net,
        vat_minor=vat,
        gross_minor=amounts.gross,
        contribution_minor=contribution,
        fund_minor=fund,
        document=snapshot.to_json(document),
        idempotency_key=idempotency_key,
        created_by=actor,
        issued_at=utcnow(),
        issued_by=actor,
    )
    note.lines = _line_rows(items, currency)
    session.add(note)
    session.flush()
    _open_accounts(session, activity, currency)
    entry = ledger.post(
        session,
        postings.credit_note_entry(
            document_id=note.id,
            number=number,
            credited_number=invoice.number,
            issue_date=issued_on,
            budget_key=activity.budget_key,
            amounts=amounts,
        ),
        actor=actor,
    )
    note.journal_entry_id = entry.id
    session.flush()
    _check_budget_after_credit(session, activity, available_before, currency)
    audit.record(
        session,
        actor=actor,
        action="credit_note.issue",
        entity="invoice",
        entity_id=note.id,
        changes=audit.diff(
            {},
            {"credits": invoice.number, "number": number, "gross_minor": amounts.gross},
        ),
        request_id=request_id,
    )
    return Outcome(note)


def _remaining_items(
    invoice: Invoice, notes: Sequence[Invoice], remaining: Mapping[str, int]
) -> list[LineInput]:
    """The lines of a credit note for everything that remains: the invoice's own lines when
    nothing was credited yet (so the VAT mirrors the invoice's exactly), else one line per VAT
    tier for the balance."""
    if not notes:
        return [
            LineInput(i.description, i.quantity, i.unit_price, i.vat_tier, i.unit_code)
            for i in _items_of(invoice)
        ]
    return [
        LineInput(
            f"Balance of invoice {invoice.number}",
            Decimal(1),
            from_minor(amount, invoice.currency),
            tier,
        )
        for tier, amount in remaining.items()
        if amount > 0
    ]


# -- presenting ------------------------------------------------------------------------------


def paid_minor(session: Session, invoice: Invoice) -> int:
    """What the client has paid on ``invoice``: the sum of its payments (:mod:`node.payments`),
    over-payments included."""
    total = session.scalar(
        select(func.coalesce(func.sum(ClientPayment.amount_minor), 0)).where(
            ClientPayment.invoice_id == invoice.id
        )
    )
    return int(total or 0)


def present(session: Session, invoice: Invoice, *, today: date | None = None) -> dict[str, Any]:
    today = today or date.today()
    currency = invoice.currency

    def money(minor: int) -> Decimal:
        return from_minor(minor, currency)

    data: dict[str, Any] = {
        "id": invoice.id,
        "kind": invoice.kind,
        "status": invoice.status,
        "number": invoice.number,
        "fiscal_year": invoice.fiscal_year,
        "activity_id": invoice.activity_id,
        "client_id": invoice.client_id,
        "situation": invoice.situation,
        "currency": currency,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "payment_reference": invoice.payment_reference,
        "bank_iban": invoice.bank_iban,
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_code": line.unit_code,
                "unit_price": money(line.unit_price_minor),
                "vat_tier": line.vat_tier,
            }
            for line in invoice.lines
        ],
        "net": money(invoice.net_minor),
        "vat": money(invoice.vat_minor),
        "gross": money(invoice.gross_minor),
        "contribution": money(invoice.contribution_minor),
        "guarantee_fund": money(invoice.fund_minor),
        "guarantee_covered": invoice.guarantee_covered,
        "journal_entry_id": invoice.journal_entry_id,
        "created_at": invoice.created_at,
        "created_by": invoice.created_by,
        "issued_at": invoice.issued_at,
        "issued_by": invoice.issued_by,
    }
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        data["credited_invoice_id"] = invoice.credited_invoice_id
        return data
    notes = credit_notes_of(session, invoice) if invoice.status == InvoiceStatus.ISSUED else []
    credited_net = sum(n.net_minor for n in notes)
    credited = sum(n.gross_minor for n in notes)
    paid = paid_minor(session, invoice)
    issued = invoice.status == InvoiceStatus.ISSUED
    cancelled = issued and credited_net >= invoice.net_minor
    outstanding = max(invoice.gross_minor - credited - paid, 0) if issued and not cancelled else 0
    data.update(
        {
            "credit_notes": [{"id": n.id, "number": n.number} for n in notes],
            "credited": money(credited),
            "paid": money(paid),
            "outstanding": money(outstanding),
            "cancelled": cancelled,
            "fully_paid": issued and not cancelled and outstanding == 0,
            "overdue": bool(
                issued
                and outstanding > 0
                and invoice.due_date is not None
                and invoice.due_date < today
            ),
        }
    )
    return data


def issued_document(invoice: Invoice) -> Document:
    """The document as issued; 409 for a draft (it has none yet)."""
    if invoice.status != InvoiceStatus.ISSUED or invoice.document is None:
        raise Conflict("A draft has no issued document yet.")
    return snapshot.from_json(invoice.document)
