"""Value chains: client projects shared by members of several co-ops."""
