"""Quotes: lines and VAT like an invoice draft, a validity date, the client's acceptance through
a signed, expiring, single-use link bound to the quote's digest (or a signed paper copy recorded
by staff), and conversion of an accepted quote into an invoice draft.

* :mod:`node.quotes.models` — the tables (quote, its lines, the acceptance tokens issued);
* :mod:`node.quotes.tokens` — sign and verify acceptance tokens (pure, no database);
* :mod:`node.quotes.service` — create, edit, send, accept or refuse, record a signed copy,
  convert, present;
* :mod:`node.quotes.api` — the HTTP endpoints, including the public acceptance page.
"""
