"""Objects plugins return from ``coop_register_*`` hooks (besides jurisdictions and routes)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """A ``coopnode`` sub-command.

    :param name: the sub-command word (``coopnode NAME``).
    :param help: one line shown in ``coopnode --help``.
    :param configure: adds the command's arguments to its ``argparse`` sub-parser.
    :param run: runs the command with the parsed arguments; returns the exit code.
    """

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
