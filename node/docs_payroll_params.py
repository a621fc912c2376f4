"""The payroll params reference: ``docs/payroll-params/<cc>.json``, one file per country.

Each file is the JSON Schema (draft 2020-12) that the built-in country's
:meth:`~plugins.payroll.contract.Payroll.params_schema` returns, verbatim: the params
``coopnode payslip --param`` and the API accept, their types, descriptions and defaults.
``tests/plugins/payroll/test_params_docs.py`` fails when a file differs from its country's
schema, is missing, or belongs to a country without payroll. Refresh the files with::

    python -m node.docs_payroll_params --write docs/payroll-params
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plugins.jurisdiction import Jurisdiction

FOLDER = Path(__file__).resolve().parent.parent / "docs" / "payroll-params"


def builtin_jurisdictions() -> dict[str, Jurisdiction]:
    """The countries shipped with coopnode (``plugins.*``), loaded without a configuration."""
    from node.pluginhost import PluginHost

    host = PluginHost()
    host.load()
    found = host.jurisdictions(None)  # type: ignore[arg-type]  # no settings: pure data
    return {code: j for code, j in found.items() if type(j).__module__.startswith("plugins.")}


def published(jurisdictions: Mapping[str, Jurisdiction]) -> dict[str, str]:
    """File name → content, for every country with payroll."""
    files = {}
    for code, jurisdiction in sorted(jurisdictions.items()):
        payroll = jurisdiction.payroll()
        if payroll is not None:
            text = json.dumps(payroll.params_schema(), indent=2, ensure_ascii=False) + "\n"
            files[f"{code.lower()}.json"] = text
    return files


def differences(folder: Path, expected: Mapping[str, str]) -> list[str]:
    """What is wrong with ``folder``, one line per file (empty: up to date)."""
    present = {path.name for path in folder.glob("*.json")} if folder.is_dir() else set()
    problems = [f"{name}: missing" for name in sorted(set(expected) - present)]
    problems += [
        f"{name}: differs from the country's params_schema()"
        for name in sorted(set(expected) & present)
        if (folder / name).read_text(encoding="utf-8") != expected[name]
    ]
    problems += [f"{name}: no country with payroll" for name in sorted(present - set(expected))]
    return problems


def write(folder: Path, expected: Mapping[str, str]) -> list[str]:
    """Bring ``folder`` up to date; the names written or removed."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in expected.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    for path in sorted(folder.glob("*.json")):
        if path.name not in expected:
            path.unlink()
            changed.append(path.name)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or check docs/payroll-params/<cc>.json.")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", type=Path, metavar="DIR", help="bring DIR up to date")
    action.add_argument("--check", type=Path, metavar="DIR", help="exit 1 when DIR is stale")
    args = parser.parse_args(argv)
    expected = published(builtin_jurisdictions())
    if args.write is not None:
        for name in write(args.write, expected):
            print(f"updated {args.write / name}")
        return 0
    if args.check is not None:
        problems = differences(args.check, expected)
        for problem in problems:
            print(f"{args.check}/{problem}", file=sys.stderr)
        return 1 if problems else 0
    json.dump(
        {name.removesuffix(".json").upper(): json.loads(text) for name, text in expected.items()},
        sys.stdout,
        indent=2,
        ensure_ascii=False,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
