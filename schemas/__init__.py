"""JSON Schemas (Draft 2020-12) of every federation message type and version.

One file per type and major version, ``<name>.v<major>.json``, with ``$id``
``https://coopnode.org/schemas/federation/<name>/<major>`` and an ``x-coopnode-kind`` of
``message`` (a message type a node may advertise), ``document`` (envelope claims, node descriptor,
consent token) or ``definitions`` (shared ``$defs``). :mod:`federation.schemas` loads them all.
``examples/<name>.v<major>/`` holds ``valid-*.json`` and ``invalid-*.json`` instances the tests check.
"""
