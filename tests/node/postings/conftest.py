"""Fixtures of the posting tests: this node's signer, as the federation tests set it."""

from tests.node.federation.conftest import receiver

__all__ = ["receiver"]
