"""The salary guarantee fund: which invoices it covers, what it is exposed to, write-offs of
defaulted receivables and recoveries (see ``docs/money.md``)."""
