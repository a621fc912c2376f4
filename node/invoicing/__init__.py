"""Invoices and credit notes as documents, and their Peppol e-invoice.

Pure code: no database, no HTTP. The money core stores invoices elsewhere; this package only
says what a lawful document contains and how to write it down.

* :mod:`node.invoicing.document` — the document model (frozen dataclasses, ``Decimal`` only),
  :func:`~node.invoicing.document.compute_totals` (line nets rounded per line, the VAT
  breakdown, the document totals) and :func:`~node.invoicing.document.build_document`, which
  asks a :class:`~plugins.jurisdiction.Jurisdiction` for the VAT category, rate and legal
  mentions of a VAT situation and refuses input that cannot make a lawful invoice.
* :mod:`node.invoicing.ubl` — the document as UBL 2.1 XML following Peppol BIS Billing 3.0,
  the structured B2B e-invoice Belgium requires since 2026.

Why the split: the VAT decision is law (it depends on the seller's country and the date) and
belongs with the jurisdiction; the XML is a serialisation that must never change an amount, so
it only formats what :func:`~node.invoicing.document.compute_totals` computed.
"""
