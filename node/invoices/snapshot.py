"""The issued document frozen as JSON, and read back exactly.

Decimals are written as strings and dates in ISO form, so the document read back is equal to the
one issued (``from_json(to_json(d)) == d``): the UBL and HTML views of an issued invoice are
always rendered from what was issued, never from the current state of the client or settings.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from node.invoicing.document import (
    Address,
    Document,
    ElectronicAddress,
    Line,
    Party,
    PrecedingInvoice,
    TaxCategory,
)

VERSION = 1


def _party(party: Party) -> dict[str, Any]:
    address = party.address
    return {
        "name": party.name,
        "address": {
            "street": address.street,
            "additional_street": address.additional_street,
            "city": address.city,
            "postal_code": address.postal_code,
            "country": address.country,
        },
        "vat_number": party.vat_number,
        "company_id": party.company_id,
        "iban": party.iban,
        "email": party.email,
        "electronic_address": None
        if party.electronic_address is None
        else {
            "scheme": party.electronic_address.scheme,
            "identifier": party.electronic_address.identifier,
        },
        "contact_name": party.contact_name,
        "telephone": party.telephone,
    }


def _tax(tax: TaxCategory) -> dict[str, Any]:
    return {
        "code": tax.code.value,
        "rate": None if tax.rate is None else str(tax.rate),
        "exemption_reason": tax.exemption_reason,
        "exemption_reason_code": tax.exemption_reason_code,
    }


def to_json(document: Document) -> dict[str, Any]:
    preceding = document.preceding_invoice
    return {
        "version": VERSION,
        "kind": document.kind.value,
        "number": document.number,
        "issue_date": document.issue_date.isoformat(),
        "due_date": document.due_date.isoformat() if document.due_date else None,
        "currency": document.currency,
        "situation": document.situation.value,
        "seller": _party(document.seller),
        "buyer": _party(document.buyer),
        "lines": [
            {
                "id": line.id,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price),
                "unit_code": line.unit_code,
                "tax": _tax(line.tax),
            }
            for line in document.lines
        ],
        "payment_terms": document.payment_terms,
        "payment_reference": document.payment_reference,
        "preceding_invoice": None
        if preceding is None
        else {
            "number": preceding.number,
            "issue_date": preceding.issue_date.isoformat() if preceding.issue_date else None,
        },
        "legal_mentions": list(document.legal_mentions),
        "buyer_reference": document.buyer_reference,
    }


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _party_from(data: dict[str, Any]) -> Party:
    address = data["address"]
    electronic = data.get("electronic_address")
    return Party(
        name=data["name"],
        address=Address(
            street=address["street"],
            city=address["city"],
            postal_code=address["postal_code"],
            country=address["country"],
            additional_street=address.get("additional_street", ""),
        ),
        vat_number=data["vat_number"],
        company_id=data["company_id"],
        iban=data["iban"],
        email=data["email"],
        electronic_address=None if electronic is None else ElectronicAddress(**electronic),
        contact_name=data["contact_name"],
        telephone=data["telephone"],
    )


def from_json(data: dict[str, Any]) -> Document:
    preceding = data.get("preceding_invoice")
    issue_date = _date(data["issue_date"])
    assert issue_date is not None
    return Document(
        kind=data["kind"],
        number=data["number"],
        issue_date=issue_date,
        currency=data["currency"],
        seller=_party_from(data["seller"]),
        buyer=_party_from(data["buyer"]),
        lines=tuple(
            Line(
                id=line["id"],
                description=line["description"],
                quantity=Decimal(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
                unit_code=line["unit_code"],
                tax=TaxCategory(
                    code=line["tax"]["code"],
                    rate=None if line["tax"]["rate"] is None else Decimal(line["tax"]["rate"]),
                    exemption_reason=line["tax"]["exemption_reason"],
                    exemption_reason_code=line["tax"]["exemption_reason_code"],
                ),
            )
            for line in data["lines"]
        ),
        situation=data["situation"],
        due_date=_date(data.get("due_date")),
        payment_terms=data["payment_terms"],
        payment_reference=data["payment_reference"],
        preceding_invoice=None
        if preceding is None
        else PrecedingInvoice(preceding["number"], _date(preceding.get("issue_date"))),
        legal_mentions=tuple(data["legal_mentions"]),
        buyer_reference=data["buyer_reference"],
    )
