"""The federation protocol: node identity and keys, signed envelopes, peers, inbox and outbox.

It knows nothing of the co-op's business tables: the node hands it the message types and handlers.
Empty until the federation protocol lands; the package exists so the layout is fixed.
"""
