"""docs/operations.md stays true: its configuration table is the generated one, and every
``coopnode`` command it tells operators to run exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from node.cli.main import builtin_commands
from node.docs_reference import (
    BEGIN,
    END,
    configuration_table,
    documented_table,
    main,
    refreshed,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "operations.md"


def test_configuration_reference_matches_the_settings() -> None:
    expected = configuration_table()
    documented = documented_table(DOC.read_text())
    assert documented is not None, f"{DOC} lost its markers {BEGIN!r} … {END!r}"
    if documented != expected:
        pytest.fail(
            "docs/operations.md's configuration table differs from node.config.FIELDS; run "
            "`python -m node.docs_reference --write docs/operations.md` or paste:\n\n" + expected,
            pytrace=False,
        )


def test_commands_named_in_the_doc_exist() -> None:
    named = set(re.findall(r"(?:`|bin/|^)coopnode ([a-z][a-z-]*)", DOC.read_text(), re.MULTILINE))
    assert named, "the doc should show the commands to run"
    known = {command.name for command in builtin_commands()}
    assert named <= known, f"the doc names unknown commands: {sorted(named - known)}"


def test_the_doc_covers_the_operations_topics() -> None:
    headings = set(re.findall(r"^## (.+)$", DOC.read_text(), flags=re.MULTILINE))
    assert {
        "Configuration",
        "Running on PostgreSQL",
        "Several processes behind a reverse proxy",
        "Backup and restore",
        "Secrets",
        "Upgrading",
    } <= headings


def test_the_generator_refreshes_a_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = f"# Doc\n\n{BEGIN}\n| old |\n{END}\n\nafter\n"
    assert documented_table(refreshed(stale)) == configuration_table()
    assert refreshed(stale).endswith(f"{END}\n\nafter\n")
    with pytest.raises(ValueError):
        refreshed("no markers here")
    path = tmp_path / "doc.md"
    path.write_text(stale)
    assert main(["--write", str(path)]) == 0
    assert documented_table(path.read_text()) == configuration_table()
    assert main([]) == 0
    assert capsys.readouterr().out == configuration_table()


def test_every_setting_row_names_its_variable() -> None:
    from node.config import FIELDS

    table = configuration_table()
    for field in FIELDS:
        assert f"| `{field.name}` | `{field.env}` |" in table
