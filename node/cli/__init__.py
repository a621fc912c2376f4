"""The ``coopnode`` command line."""
