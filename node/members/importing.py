"""Importing members from a CSV file (``coopnode members import FILE.csv``).

Format: UTF-8 (a byte-order mark is fine), comma-separated, the first line a header naming the
columns, in any order:

* required: ``name``, ``email``, ``home_country`` (ISO code, e.g. ``BE``), ``language``
  (``en``, ``fr``, ``nl`` or ``de``);
* optional: ``national_id`` (required unless the status is ``guest``), ``iban``, ``kind``
  (``worker`` or ``supporter``, default ``worker``), ``status`` (``applicant``, ``active`` or
  ``guest``, default ``applicant``), ``home_node_url`` (guests only), ``joined_on``
  (``YYYY-MM-DD``).

Empty cells count as absent. Every row passes exactly the checks of ``POST /api/v1/members``.
By default each good row is committed on its own and bad rows are reported and skipped; with
``all_or_nothing`` the rows share one transaction and one bad row means nothing is imported (every
bad row is still reported, so the file can be fixed in one go).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from node.errors import Conflict, FieldError, ValidationProblem
from node.members import service
from node.members.identifiers import Vault
from node.members.schemas import MEMBER_CREATE
from node.web.validation import validate

if TYPE_CHECKING:
    from node.runtime import Node

REQUIRED_COLUMNS = ("name", "email", "home_country", "language")
OPTIONAL_COLUMNS = ("national_id", "iban", "kind", "status", "home_node_url", "joined_on")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


@dataclass(frozen=True)
class Row:
    """One data line of the file: where it starts, its values by column, and whether it has more
    cells than the header has columns."""

    line: int
    values: dict[str, str]
    too_many_cells: bool = False


Progress = Callable[[Iterable[Row]], Iterable[Row]]


class UnreadableFile(ValueError):
    """The file cannot be imported at all (no header, unknown or missing columns)."""


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    rows: int
    imported: list[int] = field(default_factory=list)  # new member ids
    refused: list[RowError] = field(default_factory=list)

    @property
    def refused_lines(self) -> set[int]:
        return {error.line for error in self.refused}


def read_rows(text: str) -> list[Row]:
    """Parse the CSV text into rows (blank lines skipped); UnreadableFile if the header is wrong."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise UnreadableFile(f"line 1: not valid CSV ({exc})") from None
    if not header or not any(cell.strip() for cell in header):
        raise UnreadableFile("the file is empty: the first line must name the columns")
    names = [cell.strip().lower() for cell in header]
    unknown = sorted(set(names) - set(COLUMNS))
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    problems = []
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)}")
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if duplicated:
        problems.append(f"repeated column(s): {', '.join(duplicated)}")
    if problems:
        raise UnreadableFile(
            f"bad header ({'; '.join(problems)}); columns are: {', '.join(COLUMNS)}"
        )
    rows: list[Row] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                values = {name: cell.strip() for name, cell in zip(names, cells, strict=False)}
                rows.append(Row(line, values, too_many_cells=len(cells) > len(names)))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(f"line {line}: not valid CSV ({exc})") from None
    return rows


def _member_fields(row: Row) -> dict[str, Any]:
    if row.too_many_cells:
        raise ValidationProblem.single("row", "More cells than the header has columns.")
    fields = {name: value for name, value in row.values.items() if value}
    validate(MEMBER_CREATE, fields)
    return fields


def _errors_of(line: int, exc: ValidationProblem | Conflict) -> list[RowError]:
    if isinstance(exc, ValidationProblem):
        errors: list[FieldError] = exc.errors
    else:
        errors = [FieldError(str(exc.extra.get("field", "row")), exc.detail or exc.title)]
    return [RowError(line, e.field, e.message) for e in errors]


def _import_row(node: Node, session: Session, vault: Vault, row: Row, actor: str) -> int:
    member = service.create_member(
        session,
        vault,
        node.jurisdictions,
        actor=actor,
        hook=node.plugins.hook,
        **_member_fields(row),
    )
    return member.id


class _Abort(Exception):
    """Rolls back the all-or-nothing transaction."""


def import_members(
    node: Node,
    rows: list[Row],
    *,
    actor: str,
    all_or_nothing: bool = False,
    progress: Progress = lambda rows: rows,
) -> ImportReport:
    """Create a member for each good row; report every bad row with its line and reason."""
    vault = Vault.from_settings(node.settings, node.cipher)
    report = ImportReport(rows=len(rows))
    if not all_or_nothing:
        for row in progress(rows):
            try:
                with node.db.transaction() as session:
                    report.imported.append(_import_row(node, session, vault, row, actor))
            except (ValidationProblem, Conflict) as exc:
                report.refused.extend(_errors_of(row.line, exc))
        return report
    try:
        with node.db.transaction() as session:
            for row in progress(rows):
                try:
                    with session.begin_nested():
                        report.imported.append(_import_row(node, session, vault, row, actor))
                except (ValidationProblem, Conflict) as exc:
                    report.refused.extend(_errors_of(row.line, exc))
            if report.refused:
                raise _Abort
    except _Abort:
        report.imported.clear()
    return report
