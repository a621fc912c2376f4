"""The node's side of the federation: its own signing keys and descriptor, its peers, the inbox
that applies verified messages once and the outbox that delivers them.

The protocol itself (ids, keys, envelopes, schemas) is the ``federation`` package, which knows
nothing of the node's tables; this package stores what it needs and hands it the handlers.
"""
