"""The PDF of invoices, credit notes and drafts: it parses, says what the printable page says,
prints any European text, and is shown only to those who may see the invoice."""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pypdf import PdfReader

from node.invoices.pdf import render_pdf
from tests.node.invoices.test_invoices import (
    BE_VAT,
    CLIENT_DE_VAT,
    CONSULTING,
    IBAN,
    INVOICES,
    credit,
    draft,
    issue,
    make_client,
    settings,
    setup,
)
from tests.node.member_helpers import Crew

__all__ = ["settings", "setup"]  # fixtures of the invoice tests


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def get_pdf(crew: Crew, invoice_id: int, headers: dict[str, str] | None = None) -> Any:
    return crew.client.get(f"{INVOICES}/{invoice_id}/pdf", headers=headers or crew.staff)


# -- without a database -------------------------------------------------------------------------

VIEW: dict[str, Any] = {
    "draft": True,
    "title": "Draft invoice #7",
    "document": None,
    "seller": {"name": "Coopérative Ærø", "lines": ["BE"], "vat_number": "", "company_id": ""},
    "buyer": {
        "name": "Łódź Ørsted Ελλάδα Москва",
        "lines": ["Straße 1", "10117 Berlin", "DE"],
        "vat_number": "",
        "company_id": "",
    },
    "iban": "",
    "lines": [
        {
            "description": "Œuvre « déjà vue » – 5 € l’heure",
            "quantity": "2",
            "unit_code": "HUR",
            "unit_price": Decimal("5.00"),
            "rate": "standard",
            "category": "",
            "net": "",
        }
    ],
    "breakdown": [],
    "net": Decimal("10.00"),
    "vat": Decimal("2.10"),
    "gross": Decimal("12.10"),
    "currency": "EUR",
    "mentions": (),
}


def test_unicode_prints_and_the_same_view_gives_the_same_file() -> None:
    created = datetime(2026, 3, 1, 12, tzinfo=UTC)
    content = render_pdf(VIEW, created=created)
    text = pdf_text(content)
    for expected in (
        "DRAFT",
        "Draft invoice #7",
        "Coopérative Ærø",
        "Łódź Ørsted Ελλάδα Москва",
        "Œuvre « déjà vue » – 5 € l’heure",
        "12.10 EUR",
    ):
        assert expected in text
    assert render_pdf(VIEW, created=created) == content
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata is not None and reader.metadata.title == "Draft invoice #7"
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index]
    }
    assert all("DejaVuSans" in font for font in fonts)  # embedded, not the reader's


# -- invoices ------------------------------------------------------------------------------------


def test_the_invoice_pdf_says_what_the_page_says(crew: Crew, setup: dict[str, Any]) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    invoice = issue(crew, invoice_id).json()
    response = get_pdf(crew, invoice_id, setup["headers"])  # the activity's member
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition == f'inline; filename="{invoice["number"]}.pdf"'
    assert response.headers["cache-control"] == "no-store"
    text = pdf_text(response.content)
    for expected in (
        f"Invoice {invoice['number']}",
        f"Issue date {invoice['issue_date']}",
        f"Due date {invoice['due_date']}",
        "Coopérative Exemple SC",
        "Rue de la Loi 16",
        f"VAT {BE_VAT}",
        "Client SA",
        "Consultancy",
        "7.5 C62",
        "637.50",
        "21 %",
        "133.88",  # the VAT breakdown
        "Total excluding VAT 674.55 EUR",
        "VAT 136.10 EUR",
        "Total to pay 810.65 EUR",
        IBAN,
        invoice["payment_reference"],
        "Payable within 30 days",
    ):
        assert expected in text, expected
    assert "DRAFT" not in text


def test_the_legal_mentions_are_printed(crew: Crew, setup: dict[str, Any]) -> None:
    client_id = make_client(
        crew,
        name="Kunde Größe GmbH",
        country="DE",
        vat_number=CLIENT_DE_VAT,
        billing_address={
            "street": "Unter den Linden 1",
            "postcode": "10117",
            "city": "Berlin",
            "country": "DE",
        },
    )
    invoice_id = draft(crew, setup["activity_id"], client_id, lines=[CONSULTING]).json()["id"]
    issue(crew, invoice_id)
    page = crew.client.get(f"{INVOICES}/{invoice_id}/html", headers=crew.staff).text
    text = pdf_text(get_pdf(crew, invoice_id).content)
    assert "Kunde Größe GmbH" in text and CLIENT_DE_VAT in text
    assert "AE" in text and "Total to pay 637.50 EUR" in text
    for line in _mentions_in(page):  # the reverse-charge mention, word for word
        assert line in text, line


def _mentions_in(page: str) -> list[str]:
    start = page.index('<div class="mentions">')
    block = page[start : page.index("</div>", start)]
    found = [html.unescape(part.split("</p>")[0]) for part in block.split("<p>")[1:]]
    assert found, "the page shows a legal mention"
    return found


def test_the_credit_note_pdf(crew: Crew, setup: dict[str, Any]) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    invoice = issue(crew, invoice_id).json()
    note = credit(crew, invoice_id, full=True).json()
    response = get_pdf(crew, note["id"], setup["headers"])
    assert response.status_code == 200
    assert note["number"] in response.headers["content-disposition"]
    text = pdf_text(response.content)
    assert f"Credit note {note['number']}" in text
    assert f"Corrects invoice {invoice['number']} of {invoice['issue_date']}" in text
    assert "Total credited 810.65 EUR" in text
    assert "Please pay" not in text and "Total to pay" not in text


def test_a_draft_pdf_is_a_preview(crew: Crew, setup: dict[str, Any]) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    response = get_pdf(crew, invoice_id, setup["headers"])
    assert response.status_code == 200
    assert f'filename="draft-{invoice_id}.pdf"' in response.headers["content-disposition"]
    text = pdf_text(response.content)
    assert "DRAFT — not an invoice" in text and f"Draft invoice #{invoice_id}" in text
    assert "Total to pay 810.65 EUR" in text and "Please pay" not in text


def test_only_those_who_see_the_invoice_get_its_pdf(crew: Crew, setup: dict[str, Any]) -> None:
    invoice_id = draft(crew, setup["activity_id"], setup["client_id"]).json()["id"]
    issue(crew, invoice_id)
    _other, other_headers = crew.member_login(status="active")
    hidden = get_pdf(crew, invoice_id, other_headers)
    absent = get_pdf(crew, 99999, other_headers)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json() | {"instance": ""} == absent.json() | {"instance": ""}
    assert crew.client.get(f"{INVOICES}/{invoice_id}/pdf").status_code == 401
