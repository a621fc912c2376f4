"""Inter-co-op clearing, settlement statements and reconciliation between peer nodes."""
