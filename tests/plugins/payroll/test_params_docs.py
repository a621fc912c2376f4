"""docs/payroll-params/<cc>.json is each built-in country's params schema, verbatim, for every
country whose jurisdiction has a payroll (and only those)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.docs_payroll_params import (
    FOLDER,
    builtin_jurisdictions,
    differences,
    main,
    published,
    write,
)


def test_the_published_schemas_are_up_to_date() -> None:
    problems = differences(FOLDER, published(builtin_jurisdictions()))
    if problems:
        pytest.fail(
            "docs/payroll-params is stale ("
            + "; ".join(problems)
            + "): run `python -m node.docs_payroll_params --write docs/payroll-params`",
            pytrace=False,
        )


def test_each_file_is_the_schema_of_a_country_with_payroll(toy_country: Path) -> None:
    from coop_toy_payroll import jurisdiction

    files = published({"ZZ": jurisdiction(), **builtin_jurisdictions()})
    assert json.loads(files["zz.json"]) == jurisdiction().payroll().params_schema()
    without = [c for c, j in builtin_jurisdictions().items() if j.payroll() is None]
    assert all(f"{code.lower()}.json" not in files for code in without)


def test_the_generator_writes_checks_and_removes_stale_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "payroll-params"
    expected = published(builtin_jurisdictions())
    folder.mkdir()
    (folder / "xx.json").write_text("{}\n")
    assert main(["--check", str(folder)]) == 1
    assert "xx.json: no country with payroll" in capsys.readouterr().err
    assert main(["--write", str(folder)]) == 0
    assert f"updated {folder / 'xx.json'}" in capsys.readouterr().out
    assert sorted(p.name for p in folder.glob("*.json")) == sorted(expected)
    assert main(["--check", str(folder)]) == 0
    assert write(folder, expected) == []
    for name in expected:
        (folder / name).write_text("{}\n")
        assert differences(folder, expected) == [
            f"{name}: differs from the country's params_schema()"
        ]
        (folder / name).unlink()
        assert differences(folder, expected) == [f"{name}: missing"]
        break
    assert main([]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {name.removesuffix(".json").upper() for name in expected}
