"""Money in: client payments on invoices (manual or from CAMT.053 credits) and the unmatched queue."""
