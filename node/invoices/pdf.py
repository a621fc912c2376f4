"""The invoice or credit note as a PDF: the same content as the printable page, on A4.

:func:`render_pdf` takes the view the HTML page is rendered from (``node.invoices.api``: title,
dates, seller and buyer, lines, VAT breakdown, totals, payment instructions, legal mentions, and
the DRAFT warning of a preview), so the two documents cannot say different things.

It is drawn with fpdf2 in DejaVu Sans, a Unicode TrueType font shipped in ``fonts/`` beside this
module (its licence is there too), with the page setup and helpers every PDF of the node shares
(:mod:`node.pdf`): accents, ``€``, Greek and Cyrillic print on any machine, without depending on
the fonts the system has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from node.pdf import FAMILY, LINE, RED
from node.pdf import new_document as _new_document
from node.pdf import table as _table
from node.pdf import text as _text
from node.pdf import totals as _totals


def _party_lines(party: Mapping[str, Any]) -> list[str]:
    lines = [str(line) for line in party["lines"] if str(line).strip()]
    if party.get("vat_number"):
        lines.append(f"VAT {party['vat_number']}")
    if party.get("company_id"):
        lines.append(f"Company number {party['company_id']}")
    return lines


def _parties(pdf: FPDF, parties: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / len(parties)
    top = pdf.get_y()
    bottom = top
    for index, (heading, party) in enumerate(parties):
        x = pdf.l_margin + index * width
        pdf.set_xy(x, top)
        pdf.set_font(FAMILY, "B", 11)
        pdf.multi_cell(width - 4, 6, heading, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "B", 10)
        pdf.multi_cell(width - 4, LINE, str(party["name"]), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", 10)
        pdf.multi_cell(
            width - 4, LINE, "\n".join(_party_lines(party)), new_x=XPos.LEFT, new_y=YPos.NEXT
        )
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 4)


def render_pdf(view: Mapping[str, Any], *, created: datetime | None = None) -> bytes:
    """The PDF of an invoice page view (see :func:`node.invoices.api.invoice_html`)."""
    document = view["document"]
    currency = view["currency"]
    credit_note = document is not None and document.kind.value == "credit_note"
    pdf = _new_document(view["title"], created)

    if view["draft"]:
        pdf.set_draw_color(*RED)
        pdf.set_text_color(*RED)
        pdf.set_line_width(0.8)
        pdf.set_font(FAMILY, "B", 10)
        pdf.multi_cell(
            0,
            LINE + 1,
            "DRAFT — not an invoice. Number, dates, VAT and legal mentions are set when it is "
            "issued.",
            border=1,
            padding=2,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.2)
        pdf.ln(4)

    _text(pdf, view["title"], size=18, bold=True, height=9)
    pdf.ln(2)
    if document is not None:
        facts = [("Issue date", document.issue_date.isoformat())]
        if document.due_date:
            facts.append(("Due date", document.due_date.isoformat()))
        preceding = document.preceding_invoice
        if preceding is not None:
            of = f" of {preceding.issue_date.isoformat()}" if preceding.issue_date else ""
            facts.append(("Corrects invoice", f"{preceding.number}{of}"))
        for label, value in facts:
            pdf.set_font(FAMILY, "B", 10)
            pdf.cell(40, LINE, label)
            pdf.set_font(FAMILY, "", 10)
            pdf.cell(0, LINE, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)

    _parties(pdf, (("Seller", view["seller"]), ("Buyer", view["buyer"])))

    _table(
        pdf,
        ("Description", "Quantity", "Unit price", "VAT", "Net"),
        [
            (
                str(line["description"]),
                f"{line['quantity']} {line['unit_code']}",
                str(line["unit_price"]),
                str(line["rate"]),
                str(line["net"]),
            )
            for line in view["lines"]
        ],
        widths=(70, 26, 26, 20, 26),
        align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    )
    if view["breakdown"]:
        _table(
            pdf,
            ("VAT category", "Rate", "Taxable amount", "VAT", "Reason"),
            [
                (
                    str(group["category"]),
                    str(group["rate"]),
                    str(group["base"]),
                    str(group["vat"]),
                    str(group["reason"] or ""),
                )
                for group in view["breakdown"]
            ],
            widths=(26, 20, 32, 26, 64),
            align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
        )

    _totals(
        pdf,
        (
            ("Total excluding VAT", f"{view['net']} {currency}", False),
            ("VAT", f"{view['vat']} {currency}", False),
            (
                "Total credited" if credit_note else "Total to pay",
                f"{view['gross']} {currency}",
                True,
            ),
        ),
    )

    if document is not None and not credit_note:
        for text, bold in (
            ("Please pay to ", False),
            (str(view["iban"]), True),
            (" with the structured reference ", False),
            (document.payment_reference, True),
            ("." + (f" {document.payment_terms}" if document.payment_terms else ""), False),
        ):
            pdf.set_font(FAMILY, "B" if bold else "", 10)
            pdf.write(LINE, text)
        pdf.ln(LINE + 3)

    if view["mentions"]:
        pdf.ln(2)
        for mention in view["mentions"]:
            _text(pdf, str(mention), size=9, height=4.5)
            pdf.ln(1.5)

    return bytes(pdf.output())
