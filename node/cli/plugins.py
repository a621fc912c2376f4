"""``coopnode plugins``: which plugins are loaded, their versions and the hooks each implements."""

from __future__ import annotations

import argparse
import json

from node.cli.context import EXIT_OK, say, settings
from node.extensions import Command
from node.pluginhost import load_plugins


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run_plugins(args: argparse.Namespace) -> int:
    infos = load_plugins(settings()).describe()
    if args.json:
        say(json.dumps([info.__dict__ for info in infos], indent=2))
        return EXIT_OK
    width = max((len(info.name) for info in infos), default=4)
    say(f"{'NAME'.ljust(width)}  {'VERSION':10}  HOOKS")
    for info in infos:
        say(f"{info.name.ljust(width)}  {info.version:10}  {', '.join(info.hooks)}")
    return EXIT_OK


COMMANDS = [Command("plugins", "List loaded plugins, versions and hooks.", _configure, run_plugins)]
