"""The federation protocol: node identity and keys, signed envelopes, peers, inbox and outbox.

It knows nothing of the co-op's business tables: the node hands it the message types and handlers.
So far the pure core is built (no database, no HTTP); see ``docs/federation.md``:

- :mod:`federation.identity`: node ids (canonical base URLs) and the same-origin rule;
- :mod:`federation.keys`: Ed25519 keys, thumbprint kids, key sets with validity and status,
  rotation and revocation, private keys sealed at rest;
- :mod:`federation.envelope`: signing and verifying messages (compact JWS, EdDSA only);
- :mod:`federation.schemas`: the schema catalogue and version negotiation;
- :mod:`federation.descriptor`: the signed node descriptor;
- :mod:`federation.attestation`: member consent tokens and attestation answers;
- :mod:`federation.errors`: rejections and their stable codes.
"""
