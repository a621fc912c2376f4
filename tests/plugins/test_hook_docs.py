"""Every hook is documented (docs/plugins.md, with its signature) and has a test of its own."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from plugins import hookspecs

REPO = Path(__file__).resolve().parents[2]
HOOKS = sorted(
    name for name, value in vars(hookspecs).items() if name.startswith("coop_") and callable(value)
)


def _signature(name: str) -> str:
    params = inspect.signature(getattr(hookspecs, name)).parameters
    return f"{name}({', '.join(params)})"


def _test_names() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
    return names


def test_there_are_hooks() -> None:
    assert "coop_register_jurisdictions" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_contract_docstring(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    params = inspect.signature(getattr(hookspecs, hook)).parameters
    for param in params:
        assert f":param {param}:" in doc, f"{hook}: :param {param}: missing"
    assert re.search(r"All (results are collected|implementations are called)|Stops at first", doc)
    assert "Called" in doc or "called" in doc


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented_with_its_signature(hook: str) -> None:
    doc = (REPO / "docs" / "plugins.md").read_text()
    assert f"### {_signature(hook)}\n" in doc, f"docs/plugins.md lacks '### {_signature(hook)}'"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook: str) -> None:
    assert f"test_hook_{hook}" in _test_names(), f"no test named test_hook_{hook}"


def test_docs_name_no_hook_that_does_not_exist() -> None:
    doc = (REPO / "docs" / "plugins.md").read_text()
    documented = set(re.findall(r"^### (coop_\w+)\(", doc, flags=re.MULTILINE))
    assert documented == set(HOOKS)
