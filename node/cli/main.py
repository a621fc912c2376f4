"""Entry point of ``coopnode``: builds the sub-commands from the node's modules and plugins.

Only the module of the built-in command that runs is imported: the parser lists the others
from :data:`BUILTIN_COMMANDS` (name, help, module), so ``coopnode payslip`` does not import
what the other commands need (the web application, SEPA and XML schemas, migrations …).
"""

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

# The built-in commands: (name, help, module); each module exposes ``COMMANDS: list[Command]``
# with the same names and helps (builtin_commands checks it, and a test calls it).
BUILTIN_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("init", "Write a commented starter configuration with fresh secrets.", "node.cli.setup"),
    ("migrate", "Bring the database schema up to date.", "node.cli.setup"),
    ("serve", "Serve the node over HTTP.", "node.cli.setup"),
    (
        "create-admin",
        "Create an admin login (password and TOTP enrolment shown once).",
        "node.cli.admin",
    ),
    ("plugins", "List loaded plugins, versions and hooks.", "node.cli.plugins"),
    ("members", "Work on the member register (import from CSV).", "node.cli.members"),
    (
        "backup",
        "Back up the database and the configuration file (secrets included) into a new folder.",
        "node.cli.backup",
    ),
    (
        "restore",
        "Restore a backup made by `coopnode backup` (checks it first; see --force).",
        "node.cli.backup",
    ),
    ("ledger", "Verify and report on the ledger.", "node.cli.ledger"),
    ("invoices", "Overdue invoices and their reminders.", "node.cli.invoices"),
    ("guarantee", "Report on the salary guarantee fund.", "node.cli.guarantee"),
    ("bank", "Exchange files with the bank (CAMT.053, pain.001).", "node.cli.bank"),
    ("activities", "Activity statements.", "node.cli.bank"),
    ("payroll", "Payroll runs, corrections and declarations.", "node.cli.payroll"),
    (
        "payslip",
        "Compute payslips from a country's payroll law (one, or a batch of JSON lines).",
        "node.cli.payslip",
    ),
    (
        "new-country",
        "Start a country plugin (facts, payroll skeleton, conformance tests) as its own package.",
        "node.cli.newcountry",
    ),
    ("keys", "The node's federation signing keys.", "node.cli.keys"),
    (
        "worker",
        "Deliver queued federation messages (beside or instead of the one in `serve`).",
        "node.cli.federation",
    ),
    (
        "outbox",
        "Outgoing federation messages: list, retry or discard dead letters.",
        "node.cli.federation",
    ),
    ("peers", "The nodes this one federates with.", "node.cli.peers"),
    ("chains", "Value chains: list them, or show one.", "node.chains.cli"),
    ("postings", "Members posted abroad (A1) and peers' members posted here.", "node.postings.cli"),
    (
        "fx",
        "Exchange rates: import ECB reference rates, show them, convert an amount.",
        "node.fx.cli",
    ),
    (
        "settle",
        "Settle with a peer: send settlement statements of the open clearing items.",
        "node.settlement.cli",
    ),
    (
        "reconcile",
        "Compare this node's clearing items with a peer's, to the cent.",
        "node.settlement.cli",
    ),
)
COMMAND_MODULES = tuple(dict.fromkeys(module for _, _, module in BUILTIN_COMMANDS))


def builtin_commands() -> list[Command]:
    """Every built-in command, importing every module; refuses a :data:`BUILTIN_COMMANDS` that
    does not list exactly their names and helps, in order."""
    commands: list[Command] = []
    for module in COMMAND_MODULES:
        commands.extend(import_module(module).COMMANDS)
    listed = [(name, help) for name, help, _ in BUILTIN_COMMANDS]
    if [(c.name, c.help) for c in commands] != listed:
        raise RuntimeError("node.cli.main.BUILTIN_COMMANDS differs from the modules' COMMANDS")
    return commands


def builtin_command(name: str) -> Command:
    """The built-in command ``name``, importing only its module."""
    module = next(module for command, _, module in BUILTIN_COMMANDS if command == name)
    for command in import_module(module).COMMANDS:
        if command.name == name:
            return command
    raise RuntimeError(f"{module} has no command {name!r} (see BUILTIN_COMMANDS)")


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


def build_parser(commands: Sequence[Command | tuple[str, str]]) -> argparse.ArgumentParser:
    """The parser of ``commands``, in order; a ``(name, help)`` pair is a command that does not
    run: listed by ``coopnode --help``, its arguments are not configured."""
    parser = _Parser(prog="coopnode", description="Run a co-operative's node.")
    parser.add_argument("--version", action="version", version=f"coopnode {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for command in commands:
        if isinstance(command, tuple):
            name, help = command
            sub.add_parser(name, help=help, description=help)
            continue
        command_parser = sub.add_parser(command.name, help=command.help, description=command.help)
        command.configure(command_parser)
        command_parser.set_defaults(run=command.run)
    return parser


def _command_word(argv: Sequence[str]) -> str | None:
    """The sub-command in ``argv``: its first positional argument (``coopnode`` itself only
    has ``--help`` and ``--version``, which take no value)."""
    for index, arg in enumerate(argv):
        if arg == "--":
            return argv[index + 1] if index + 1 < len(argv) else None
        if not arg.startswith("-"):
            return arg
    return None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        words = sys.argv[1:] if argv is None else list(argv)
        running = _command_word(words)
        commands: list[Command | tuple[str, str]] = [
            builtin_command(name) if name == running else (name, help)
            for name, help, _ in BUILTIN_COMMANDS
        ]
        commands += plugin_commands({name for name, _, _ in BUILTIN_COMMANDS})
        args = build_parser(commands).parse_args(words)
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
