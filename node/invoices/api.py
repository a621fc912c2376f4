"""HTTP API of invoices and credit notes.

==========================================  ==================  ===============================
``POST /api/v1/invoices``                   staff, members       a draft (members: for their
                                                                 own activities, else 404)
``GET  /api/v1/invoices``                   staff, members       all / those of my activities
``GET  /api/v1/invoices/{id}``              staff, members       one (404 if not mine)
``POST /api/v1/invoices/{id}/issue``        staff                number, document, ledger entry
``POST /api/v1/invoices/{id}/credit-notes`` staff                a credit note (201)
``GET  /api/v1/invoices/{id}/ubl``          staff, members       the UBL 2.1 e-invoice as issued
``GET  /api/v1/invoices/{id}/html``         staff, members       a printable page (drafts: a
                                                                 preview marked as such)
``GET  /api/v1/invoices/{id}/pdf``          staff, members       the same as a PDF
``GET  /api/v1/invoices/{id}/reminders``    staff, members       the reminders sent, with letters
``GET  /api/v1/invoices/overdue``           staff                overdue invoices (JSON or CSV)
``GET  /api/v1/invoices/reminders/due``     staff                the reminders due (a preview)
``POST /api/v1/invoices/reminders/run``     staff                record the reminders due, once
==========================================  ==================  ===============================

Invoices carry ``overdue``, ``days_overdue`` and ``outstanding`` (what is open), computed at each
request (:mod:`node.invoices.overdue`), and their ``last_reminder``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

from node.clients.models import Client
from node.csvutil import to_csv
from node.errors import Conflict
from node.guarantee.policy import GuaranteePolicy
from node.invoices import overdue, reminders, service
from node.invoices.models import Invoice, InvoiceKind
from node.invoices.pdf import render_pdf
from node.invoices.reminder_models import InvoiceReminder
from node.invoicing.document import Document, compute_totals
from node.invoicing.ubl import UblError, to_ubl
from node.money import from_minor
from node.web.api import ANY_USER, HTML, STAFF, Call, api_route
from node.web.jsonenc import dumps
from node.web.pages import PAGE_HEADERS
from node.web.validation import CURRENCY, DATE, DECIMAL, obj
from plugins.jurisdiction import Situation, VatCategory

TAG = "invoices"
ALL = "/api/v1/invoices"
ONE = ALL + "/{invoice_id:int}"
XML = "application/xml"
PDF = "application/pdf"
KEY = {"type": "string", "minLength": 1, "maxLength": 120, "pattern": r"^\S+$"}
LINE = obj(
    {
        "description": {"type": "string", "minLength": 1, "maxLength": 500},
        "quantity": DECIMAL,
        "unit_price": DECIMAL,
        "vat_tier": {"enum": [tier.value for tier in VatCategory]},
        "unit_code": {"type": "string", "pattern": "^[A-Z0-9]{1,3}$"},
    },
    required=("description", "quantity", "unit_price"),
)
LINES = {"type": "array", "items": LINE, "minItems": 1, "maxItems": 200}
CREATE = obj(
    {
        "activity_id": {"type": "integer", "minimum": 1},
        "client_id": {"type": "integer", "minimum": 1},
        "lines": LINES,
        "situation": {"enum": [s.value for s in Situation]},
        "currency": CURRENCY,
    },
    required=("activity_id", "client_id", "lines"),
)
TEXT = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"}
ISSUE = obj(
    {
        "idempotency_key": KEY,
        "bank_iban": {"type": "string", "minLength": 5, "maxLength": 50},
        "seller_address": obj(
            {"street": TEXT, "postcode": {**TEXT, "maxLength": 20}, "city": TEXT},
            required=("street", "postcode", "city"),
        ),
        "issue_date": DATE,
    },
    required=("idempotency_key", "bank_iban", "seller_address"),
)
CREDIT = {
    **obj(
        {
            "idempotency_key": KEY,
            "lines": LINES,
            "full": {"const": True},
            "issue_date": DATE,
        },
        required=("idempotency_key",),
    ),
    "oneOf": [{"required": ["lines"]}, {"required": ["full"]}],
}
LIST_QUERY = obj({"activity_id": {"type": "integer", "minimum": 1}})
OVERDUE_QUERY = obj(
    {
        "as_of": DATE,
        "activity_id": {"type": "integer", "minimum": 1},
        "format": {"enum": ["json", "csv"]},
    }
)
AS_OF = obj({"as_of": DATE})

templates = Environment(
    loader=PackageLoader("node.invoices", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def present(
    call: Call, invoice: Invoice, last: Mapping[int, InvoiceReminder] | None = None
) -> dict[str, Any]:
    """The invoice as :func:`service.present` shows it, with how many days it is overdue and its
    last reminder (``last``: the last reminders of a whole list, looked up at once by the caller
    with :func:`reminders.last_reminders`; else looked up here)."""
    data = service.present(call.session, invoice)
    if invoice.kind == InvoiceKind.INVOICE:
        if last is None:
            last = reminders.last_reminders(call.session, [invoice.id])
        reminder = last.get(invoice.id)
        late = overdue.days_overdue(invoice.due_date, date.today())
        data["days_overdue"] = late if data["overdue"] else 0
        data["last_reminder"] = (
            None
            if reminder is None
            else {"level": reminder.level, "sent_on": reminder.sent_on, "final": reminder.final}
        )
    return data


@api_route(
    "POST",
    ALL,
    summary="Create a draft invoice for an activity (members: their own activities).",
    roles=ANY_USER,
    tag=TAG,
    body=CREATE,
    status=201,
)
def create_invoice(call: Call) -> dict[str, Any]:
    body = call.body
    invoice = service.create_draft(
        call.session,
        call.node.jurisdiction,
        call.caller(),
        activity_id=body["activity_id"],
        client_id=body["client_id"],
        lines=body["lines"],
        situation=body.get("situation"),
        currency=body.get("currency"),
        request_id=call.request_id,
    )
    return present(call, invoice)


@api_route(
    "GET",
    ALL,
    summary="Invoices and credit notes (a member: those of their activities).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    query=LIST_QUERY,
)
def list_invoices(call: Call) -> list[dict[str, Any]]:
    found = service.invoices_of(
        call.session, call.caller(), activity_id=call.query.get("activity_id")
    )
    last = reminders.last_reminders(call.session, [invoice.id for invoice in found])
    return [present(call, invoice, last) for invoice in found]


@api_route(
    "GET", ONE, summary="One invoice or credit note.", roles=ANY_USER, tag=TAG, own_records=True
)
def get_invoice(call: Call) -> dict[str, Any]:
    invoice = service.visible_invoice(call.session, call.caller(), call.path["invoice_id"])
    return present(call, invoice)


@api_route(
    "POST",
    ONE + "/issue",
    summary="Issue a draft: gapless number, frozen document, ledger entry.",
    roles=STAFF,
    tag=TAG,
    body=ISSUE,
)
def issue_invoice(call: Call) -> dict[str, Any]:
    settings = call.settings
    outcome = service.issue(
        call.session,
        call.node.jurisdiction,
        call.path["invoice_id"],
        seller=service.seller_from(settings, call.body),
        contribution_rate=settings["contribution.rate"],
        fund_points=settings["contribution.guarantee_fund_points"],
        payment_days=settings["invoices.payment_days"],
        guarantee=GuaranteePolicy.from_settings(settings),
        idempotency_key=call.body["idempotency_key"],
        issue_date=_date(call.body.get("issue_date")),
        actor=call.actor,
        request_id=call.request_id,
    )
    return present(call, outcome.invoice)


@api_route(
    "POST",
    ONE + "/credit-notes",
    summary="Credit an issued invoice, in part (lines) or in full.",
    roles=STAFF,
    tag=TAG,
    body=CREDIT,
    status=201,
)
def credit_invoice(call: Call) -> Any:
    outcome = service.credit(
        call.session,
        call.node.jurisdiction,
        call.path["invoice_id"],
        lines=call.body.get("lines"),
        full=bool(call.body.get("full")),
        idempotency_key=call.body["idempotency_key"],
        issue_date=_date(call.body.get("issue_date")),
        actor=call.actor,
        request_id=call.request_id,
    )
    presented = present(call, outcome.invoice)
    if outcome.replayed:
        return Response(dumps(presented), 200, media_type="application/json")
    return presented


@api_route(
    "GET",
    ONE + "/ubl",
    summary="The issued document as a UBL 2.1 e-invoice (Peppol BIS Billing 3.0).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    media_type=XML,
)
def invoice_ubl(call: Call) -> Response:
    invoice = service.visible_invoice(call.session, call.caller(), call.path["invoice_id"])
    document = service.issued_document(invoice)
    rounding = call.node.jurisdictions[document.seller.country].round_money
    try:
        xml = to_ubl(document, rounding)
    except UblError as error:
        raise Conflict(f"No Peppol e-invoice can be made of this document: {error}") from None
    filename = f"{document.number}.xml"
    return Response(
        xml,
        media_type=XML,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@api_route(
    "GET",
    ONE + "/html",
    summary="A printable page of the invoice (a draft: a preview).",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    media_type=HTML,
)
def invoice_html(call: Call) -> Response:
    invoice = service.visible_invoice(call.session, call.caller(), call.path["invoice_id"])
    html = templates.get_template("invoice.html").render(**_view(call, invoice))
    return HTMLResponse(html, headers={**PAGE_HEADERS, "Content-Language": "en"})


@api_route(
    "GET",
    ONE + "/pdf",
    summary="The invoice or credit note as a PDF (a draft: a preview), as on the printable page.",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
    media_type=PDF,
)
def invoice_pdf(call: Call) -> Response:
    invoice = service.visible_invoice(call.session, call.caller(), call.path["invoice_id"])
    content = render_pdf(_view(call, invoice), created=invoice.issued_at or invoice.created_at)
    filename = f"{invoice.number or f'draft-{invoice.id}'}.pdf"
    return Response(
        content,
        media_type=PDF,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _view(call: Call, invoice: Invoice) -> dict[str, Any]:
    """What the printable page and the PDF show."""
    if invoice.document is not None:
        return _issued_view(call, service.issued_document(invoice), invoice)
    return _draft_view(call, invoice)


def _party_view(party: Any) -> dict[str, Any]:
    address = party.address
    return {
        "name": party.name,
        "lines": [address.street, f"{address.postal_code} {address.city}", address.country],
        "vat_number": party.vat_number,
        "company_id": party.company_id,
    }


def _issued_view(call: Call, document: Document, invoice: Invoice) -> dict[str, Any]:
    rounding = call.node.jurisdictions[document.seller.country].round_money
    totals = compute_totals(document, rounding)
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    return {
        "draft": False,
        "title": ("Credit note " if credit_note else "Invoice ") + document.number,
        "document": document,
        "seller": _party_view(document.seller),
        "buyer": _party_view(document.buyer),
        "iban": document.seller.iban,
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_code": line.unit_code,
                "unit_price": line.unit_price,
                "rate": "" if line.tax.rate is None else f"{line.tax.rate.normalize():f} %",
                "category": line.tax.code.value,
                "net": net,
            }
            for line, net in zip(document.lines, totals.line_net_amounts, strict=True)
        ],
        "breakdown": [
            {
                "category": group.category.code.value,
                "rate": f"{(group.category.rate or Decimal(0)).normalize():f} %",
                "base": group.taxable_amount,
                "vat": group.tax_amount,
                "reason": group.category.exemption_reason,
            }
            for group in totals.vat_breakdown
        ],
        "net": totals.tax_exclusive_amount,
        "vat": totals.tax_amount,
        "gross": totals.payable_amount,
        "currency": document.currency,
        "mentions": document.legal_mentions,
    }


def _draft_view(call: Call, invoice: Invoice) -> dict[str, Any]:
    client = call.session.get(Client, invoice.client_id)
    assert client is not None
    settings = call.settings
    currency = invoice.currency
    return {
        "draft": True,
        "title": f"Draft invoice #{invoice.id}",
        "document": None,
        "seller": {
            "name": settings["node.name"],
            "lines": [settings["node.country"]],
            "vat_number": settings["node.vat_number"],
            "company_id": settings["node.legal_entity_number"],
        },
        "buyer": {
            "name": client.name,
            "lines": [
                client.billing_street,
                f"{client.billing_postcode} {client.billing_city}",
                client.billing_country,
            ],
            "vat_number": client.vat_number or "",
            "company_id": client.company_id or "",
        },
        "iban": "",
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_code": line.unit_code,
                "unit_price": from_minor(line.unit_price_minor, currency),
                "rate": line.vat_tier,
                "category": "",
                "net": "",
            }
            for line in invoice.lines
        ],
        "breakdown": [],
        "net": from_minor(invoice.net_minor, currency),
        "vat": from_minor(invoice.vat_minor, currency),
        "gross": from_minor(invoice.gross_minor, currency),
        "currency": currency,
        "mentions": (),
    }


# -- overdue invoices and reminders -------------------------------------------------------------


def _as_of(value: str | None) -> date:
    return date.fromisoformat(value) if value else date.today()


OVERDUE_COLUMNS = (
    "number",
    "client",
    "activity_id",
    "issue_date",
    "due_date",
    "days_overdue",
    "currency",
    "gross",
    "credited",
    "paid",
    "outstanding",
    "reminder_level",
    "last_reminder_on",
)


def _overdue_row(item: overdue.OverdueInvoice, last: InvoiceReminder | None) -> dict[str, Any]:
    def money(minor: int) -> Decimal:
        return from_minor(minor, item.currency)

    return {
        "invoice_id": item.invoice_id,
        "number": item.number,
        "activity_id": item.activity_id,
        "client_id": item.client_id,
        "client": item.client_name,
        "currency": item.currency,
        "issue_date": item.issue_date,
        "due_date": item.due_date,
        "days_overdue": item.days_overdue,
        "gross": money(item.gross_minor),
        "credited": money(item.credited_minor),
        "paid": money(item.paid_minor),
        "outstanding": money(item.open_minor),
        "reminder_level": last.level if last else 0,
        "last_reminder_on": last.sent_on if last else None,
    }


@api_route(
    "GET",
    ALL + "/overdue",
    summary="Invoices overdue on a day (default today), longest overdue first (JSON or CSV).",
    roles=STAFF,
    tag=TAG,
    query=OVERDUE_QUERY,
)
def list_overdue(call: Call) -> Any:
    as_of = _as_of(call.query.get("as_of"))
    found = overdue.overdue_invoices(call.session, as_of, activity_id=call.query.get("activity_id"))
    last = reminders.last_reminders(call.session, [item.invoice_id for item in found])
    rows = [_overdue_row(item, last.get(item.invoice_id)) for item in found]
    if call.query.get("format") == "csv":
        text = to_csv(OVERDUE_COLUMNS, [[row[key] for key in OVERDUE_COLUMNS] for row in rows])
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="overdue-{as_of}.csv"'},
        )
    totals: dict[str, list[int]] = {}
    for item in found:
        total = totals.setdefault(item.currency, [0, 0])
        total[0] += 1
        total[1] += item.open_minor
    return {
        "as_of": as_of,
        "invoices": rows,
        "totals": [
            {"currency": currency, "count": count, "outstanding": from_minor(amount, currency)}
            for currency, (count, amount) in sorted(totals.items())
        ],
    }


@api_route(
    "GET",
    ALL + "/reminders/due",
    summary="The reminders a run would record on a day (default today); records nothing.",
    roles=STAFF,
    tag=TAG,
    query=AS_OF,
)
def due_reminders(call: Call) -> dict[str, Any]:
    as_of = _as_of(call.query.get("as_of"))
    due = reminders.due_reminders(call.session, as_of, call.settings["invoices.reminder_days"])
    return {
        "as_of": as_of,
        "due": [
            {
                **_overdue_row(reminder.invoice, None),
                "level": reminder.level,
                "final": reminder.final,
            }
            for reminder in due
        ],
    }


@api_route(
    "POST",
    ALL + "/reminders/run",
    summary="Record the reminders due on a day (default today), each once, with their letters.",
    roles=STAFF,
    tag=TAG,
    body=AS_OF,
)
def run_reminders(call: Call) -> dict[str, Any]:
    as_of = _as_of((call.body or {}).get("as_of"))
    recorded = reminders.send_reminders(
        call.session,
        as_of,
        call.actor,
        schedule=call.settings["invoices.reminder_days"],
        language=call.settings["node.language"],
        request_id=call.request_id,
    )
    return {
        "as_of": as_of,
        "recorded": [_present_reminder(call, reminder) for reminder in recorded],
    }


def _present_reminder(call: Call, reminder: InvoiceReminder) -> dict[str, Any]:
    invoice = call.session.get(Invoice, reminder.invoice_id)
    assert invoice is not None
    return reminders.present(reminder, invoice)


@api_route(
    "GET",
    ONE + "/reminders",
    summary="The reminders sent for an invoice, with their letters.",
    roles=ANY_USER,
    tag=TAG,
    own_records=True,
)
def invoice_reminders(call: Call) -> list[dict[str, Any]]:
    invoice = service.visible_invoice(call.session, call.caller(), call.path["invoice_id"])
    return [
        reminders.present(reminder, invoice)
        for reminder in reminders.reminders_of(call.session, invoice.id)
    ]


ROUTES = [
    create_invoice,
    list_invoices,
    list_overdue,
    due_reminders,
    run_reminders,
    get_invoice,
    issue_invoice,
    credit_invoice,
    invoice_ubl,
    invoice_html,
    invoice_pdf,
    invoice_reminders,
]
