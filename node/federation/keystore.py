"""The node's own federation signing keys, stored sealed (being built)."""
