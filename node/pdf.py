"""What every PDF the node draws shares: A4 pages, the bundled DejaVu Sans, a footer with the
document's title and page number, paragraphs, tables and right-aligned totals (fpdf2).

DejaVu Sans is a Unicode TrueType font shipped with the node (``node/invoices/fonts/``, with its
licence): accents, ``€``, Greek and Cyrillic print on any machine, without depending on the fonts
the system has. Only the glyphs used are embedded. A character DejaVu Sans lacks (CJK, emoji)
prints as an empty box; fpdf2 logs a warning naming it. Invoices (:mod:`node.invoices.pdf`) and
payslips (:mod:`node.payroll.documents`) are drawn with these helpers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, XPos, YPos

from node.db.types import utcnow

FONTS = Path(__file__).parent / "invoices" / "fonts"
FAMILY = "DejaVuSans"
MARGIN = 18.0  # mm
LINE = 5.0  # mm per line of 9–10 pt text
RED = (179, 38, 30)
GREY = (90, 90, 90)


class Page(FPDF):
    """A4 pages with the document's title and page number in the footer."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*GREY)
        page = f"{self.page_no()}/{{nb}}"
        self.cell(0, 4, f"{self.footer_text} — {page}", align=Align.R)
        self.set_text_color(0, 0, 0)


def new_document(title: str, created: datetime | None) -> Page:
    """A new A4 document in DejaVu Sans with its first page added."""
    pdf = Page(orientation="portrait", unit="mm", format="A4")
    pdf.footer_text = title
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title(title)
    pdf.set_creator("coopnode")
    pdf.set_creation_date(created or utcnow())
    pdf.add_page()
    return pdf


def text(
    pdf: FPDF, content: str, size: float = 10, bold: bool = False, height: float = LINE
) -> None:
    """A paragraph across the page."""
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.multi_cell(0, height, content, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def table(
    pdf: FPDF,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    align: Sequence[str],
) -> None:
    """A table with a heading row and horizontal rules."""
    pdf.set_font(FAMILY, "", 9)
    with pdf.table(
        col_widths=tuple(widths),
        text_align=tuple(align),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=LINE,
        padding=1,
    ) as drawn:
        heading = drawn.row()
        for cell in headings:
            heading.cell(cell)
        for values in rows:
            row = drawn.row()
            for value in values:
                row.cell(value)
    pdf.set_font(FAMILY, "", 10)
    pdf.ln(3)


def totals(pdf: FPDF, rows: Sequence[tuple[str, str, bool]]) -> None:
    """Label and amount pairs aligned on the right, the strong ones bold."""
    label_width, amount_width = 60.0, 45.0
    for label, amount, strong in rows:
        pdf.set_x(pdf.w - pdf.r_margin - label_width - amount_width)
        pdf.set_font(FAMILY, "B" if strong else "", 11 if strong else 10)
        pdf.cell(label_width, 6, label)
        pdf.cell(amount_width, 6, amount, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
