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
==========================================  ==================  ===============================
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

from node.clients.models import Client
from node.errors import Conflict
from node.invoices import service
from node.invoices.models import Invoice, InvoiceKind
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

templates = Environment(
    loader=PackageLoader("node.invoices", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


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
    return service.present(call.session, invoice)


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
    return [service.present(call.session, invoice) for invoice in found]


@api_route(
    "GET", ONE, summary="One invoice or credit note.", roles=ANY_USER, tag=TAG, own_records=True
)
def get_invoice(call: Call) -> dict[str, Any]:
    invoice = service.visible_invoice(call.session, call.caller(), call.path["invoice_id"])
    return service.present(call.session, invoice)


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
        idempotency_key=call.body["idempotency_key"],
        issue_date=_date(call.body.get("issue_date")),
        actor=call.actor,
        request_id=call.request_id,
    )
    return service.present(call.session, outcome.invoice)


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
    presented = service.present(call.session, outcome.invoice)
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
    if invoice.document is not None:
        view = _issued_view(call, service.issued_document(invoice), invoice)
    else:
        view = _draft_view(call, invoice)
    html = templates.get_template("invoice.html").render(**view)
    return HTMLResponse(html, headers={**PAGE_HEADERS, "Content-Language": "en"})


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


ROUTES = [
    create_invoice,
    list_invoices,
    get_invoice,
    issue_invoice,
    credit_invoice,
    invoice_ubl,
    invoice_html,
]
