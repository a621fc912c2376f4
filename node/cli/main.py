"""Entry point of ``coopnode``: builds the sub-commands from the node's modules and plugins."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from node import __version__
from node.cli.context import (
    EXIT_FAILURE,
    EXIT_USAGE,
    CommandFailed,
    problem_exit_code,
    problem_line,
    warn,
)
from node.config import load_settings
from node.errors import ConfigError, PluginError, Problem
from node.extensions import Command
from node.pluginhost import load_plugins

# Each module exposes ``COMMANDS: list[Command]``.
COMMAND_MODULES = (
    "node.cli.setup",
    "node.cli.admin",
    "node.cli.plugins",
    "node.cli.members",
    "node.cli.backup",
    "node.cli.ledger",
    "node.cli.invoices",
    "node.cli.guarantee",
    "node.cli.bank",
    "node.cli.payroll",
    "node.cli.payslip",
    "node.cli.newcountry",
)


def builtin_commands() -> list[Command]:
    commands: list[Command] = []
    for module in COMMAND_MODULES:
        commands.extend(import_module(module).COMMANDS)
    return commands


def plugin_commands(taken: set[str]) -> list[Command]:
    """Commands from plugins; without a loadable config, plugins get ``settings=None``."""
    try:
        settings = load_settings()
    except ConfigError:
        settings = None
    host = load_plugins(settings) if settings is not None else _host_without_settings()
    found = host.unique_by_name("coop_register_commands", "command", taken, settings=settings)
    return list(found.values())


def _host_without_settings():  # type: ignore[no-untyped-def]
    from node.pluginhost import PluginHost

    host = PluginHost()
    host.load()
    return host


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        warn(message)
        raise SystemExit(EXIT_USAGE)


def build_parser(commands: list[Command]) -> argparse.ArgumentParser:
    parser = _Parser(prog="coopnode", description="Run a co-operative's node.")
    parser.add_argument("--version", action="version", version=f"coopnode {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for command in commands:
        command_parser = sub.add_parser(command.name, help=command.help, description=command.help)
        command.configure(command_parser)
        command_parser.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        commands = builtin_commands()
        commands += plugin_commands({c.name for c in commands})
        args = build_parser(commands).parse_args(argv)
        return int(args.run(args))
    except ConfigError as exc:
        warn(str(exc))
        return EXIT_USAGE
    except PluginError as exc:
        warn(f"plugin error: {exc}")
        return EXIT_USAGE
    except CommandFailed as exc:
        warn(str(exc))
        return exc.code
    except Problem as exc:  # a domain rule refused the command; nothing was committed
        warn(problem_line(exc))
        return problem_exit_code(exc)
    except KeyboardInterrupt:
        warn("interrupted")
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
