"""The "Tested failure cases" table of docs/federation.md stays true: every test it names exists
(found with ``ast``, nothing imported), a bracketed case is a string in that test's module, and
every failure case of the issue has a row."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "federation.md").read_text()
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)(?:\[([^\]]+)\])?`")
#: The issue's list, as the table's first column spells each case.
CASES = (
    "tampered body",
    "signature by another key",
    "unknown kid",
    "`alg: none`",
    "`HS256` with the public key as secret",
    "`RS256`",
    "wrong audience",
    "expired",
    "`iat` beyond the skew",
    "replayed `jti`, same body",
    "replayed `jti`, other body",
    "schema-invalid body",
    "unknown type or version",
    "oversized envelope",
    "oversized batch",
    "malformed JWS",
    "malformed JSON",
    "message from a suspended or revoked peer",
    "revoked key",
    "rotated key",
    "a descriptor whose inbox is on another origin",
    "duplicate delivery",
    "out of order within a conversation",
    "peer down for a while",
    "sender crash between commit and send",
    "receiver crash after storing, before answering",
    "a business refusal",
)


def table() -> dict[str, str]:
    """Each row of the section: its case (first column) -> its tests (second column)."""
    section = DOC.split("## Tested failure cases", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]  # no header
    return {
        cells[0]: cells[1]
        for cells in ([c.strip() for c in row.strip("|").split(" | ")] for row in rows)
    }


@cache
def module(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text())


def functions_in(path: str) -> set[str]:
    return {
        node.name
        for node in module(path).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def strings(path: str) -> set[str]:
    return {
        node.value
        for node in ast.walk(module(path))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_every_case_of_the_issue_has_a_row_with_a_test() -> None:
    rows = table()
    for case in CASES:
        found = [tests for name, tests in rows.items() if name.startswith(case)]
        assert found, f"no row for {case!r} in docs/federation.md"
        assert REFERENCE.search(found[0]), f"no test named for {case!r}"
    assert len(rows) == len(CASES)


def test_every_named_test_exists() -> None:
    references = REFERENCE.findall(DOC.split("## Tested failure cases", 1)[1])
    assert len(references) >= len(CASES)
    for path, name, case in references:
        assert (ROOT / path).is_file(), path
        assert name in functions_in(path), f"{path}::{name} does not exist"
        if case:
            assert case in strings(path), f"{path}::{name} has no case {case!r}"
