"""Hosting: a peer employs a member of this node for a mission, or this node employs a peer's
member as a guest (docs/hosting.md)."""
