"""Invoices and credit notes stored in the database: drafts, gapless numbers, ledger postings.

* :mod:`node.invoices.models` — the tables (invoice or credit note, its lines, the number counter);
* :mod:`node.invoices.numbering` — the next gapless number of a fiscal year, under a row lock;
* :mod:`node.invoices.postings` — the journal entries of an invoice and a credit note (pure);
* :mod:`node.invoices.snapshot` — the issued document frozen as JSON and read back;
* :mod:`node.invoices.service` — create a draft, issue it, credit it, present it;
* :mod:`node.invoices.overdue` — days overdue (pure) and the overdue invoices with what is open;
* :mod:`node.invoices.reminders` and :mod:`node.invoices.reminder_models` — dunning letters;
* :mod:`node.invoices.pdf` — the PDF of an invoice or credit note (from the same view as HTML);
* :mod:`node.invoices.api` — the HTTP endpoints.
"""
