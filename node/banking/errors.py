"""Errors of the bank-format layer.

Hierarchy::

    CoopError (node.errors)
    └── BankingError            base; never raised itself
        ├── InvalidReference    a structured reference that is malformed or fails its checksum
        ├── CamtError           a CAMT.053 file that is refused: too large, hostile, malformed
        └── SepaError           a payment batch that cannot become a valid pain.001 file

They are plain :class:`~node.errors.CoopError` subclasses, not HTTP problems: these modules are
pure, and the caller decides whether a refused file is a 422 for an upload or a log line for a
scheduled import. ``InvalidReference`` and ``SepaError`` are also ``ValueError`` because they
describe bad arguments.
"""

from __future__ import annotations

from node.errors import CoopError


class BankingError(CoopError):
    """Base of the errors raised by :mod:`node.banking`."""


class InvalidReference(BankingError, ValueError):
    """A Belgian structured communication or RF creditor reference is not valid."""


class CamtError(BankingError):
    """A CAMT.053 document was refused; the message says where and why.

    ``statement_id``, ``entry_index`` (1-based, in document order within the statement) and
    ``entry_ref`` (the bank's ``AcctSvcrRef``) locate the failure so that staff can find the entry
    in the bank's own portal; each is ``None`` when the failure is not inside a statement or entry.
    """

    def __init__(
        self,
        problem: str,
        *,
        statement_id: str | None = None,
        entry_index: int | None = None,
        entry_ref: str | None = None,
    ) -> None:
        self.problem = problem
        self.statement_id = statement_id
        self.entry_index = entry_index
        self.entry_ref = entry_ref
        where = []
        if statement_id is not None:
            where.append(f"statement {statement_id!r}")
        if entry_index is not None:
            entry = f"entry {entry_index}"
            if entry_ref:
                entry += f" (AcctSvcrRef {entry_ref!r})"
            where.append(entry)
        prefix = ", ".join(where)
        super().__init__(f"CAMT.053: {prefix}: {problem}" if prefix else f"CAMT.053: {problem}")


class SepaError(BankingError, ValueError):
    """A payment batch cannot be exported; ``field`` names the offending input, e.g.
    ``payments[2].creditor_iban``."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"pain.001: {field}: {problem}")
