"""JSON Schemas (Draft 2020-12) of every federation message type and version.

Empty until the federation protocol lands; the package exists so the layout is fixed.
"""
