"""What every command needs: settings, a bootstrapped node, one-line errors and exit codes.

Exit codes: 0 success, 1 failure, 2 usage or configuration error. Errors are one line on stderr
(``coopnode: …``), never a traceback, for the errors we expect.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

from node.config import Settings, load_settings
from node.errors import Problem, ValidationProblem

if TYPE_CHECKING:  # the runtime (database, plugins) is imported only by commands that need it
    from node.runtime import Node

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class CommandFailed(Exception):
    """A command cannot complete; the message is shown as one line, exit code 1 (or ``code``)."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    raise CommandFailed(message, code)


def problem_line(problem: Problem) -> str:
    """A domain error (the API would answer problem+json) as the command's one-line message."""
    if isinstance(problem, ValidationProblem):
        return "; ".join(f"{e.field}: {e.message}" for e in problem.errors)
    return str(problem.detail or problem.title)


def problem_exit_code(problem: Problem) -> int:
    return EXIT_USAGE if isinstance(problem, ValidationProblem) else EXIT_FAILURE


def settings() -> Settings:
    return load_settings()


def load_node() -> Node:
    from node.runtime import bootstrap

    return bootstrap(load_settings())


def say(message: str) -> None:
    print(message, flush=True)


def warn(message: str) -> None:
    print(f"coopnode: {message}", file=sys.stderr, flush=True)


def currency_argument(name: str, text: str) -> str:
    """A currency code given on the command line, upper-cased; a one-line usage error (exit 2)
    when it is not ISO 4217."""
    from federation.schemas import is_currency_code

    code = text.strip().upper()
    if len(code) != 3 or not is_currency_code(code):
        fail(f"{name}: {text!r} is not an ISO 4217 currency code", EXIT_USAGE)
    return code
