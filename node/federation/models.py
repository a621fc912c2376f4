"""Federation tables: peers, received messages, the outbox (being built)."""
