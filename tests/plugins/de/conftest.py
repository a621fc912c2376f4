"""An independent reference for the German wage tax: an interpreter of the BMF's own
machine-readable Programmablaufplan (``Lohnsteuer2026.xml``), read from the standards folder.

The XML is pseudo-code: variables declared in INPUTS, OUTPUTS, INTERNALS and CONSTANTS, and
METHODS made of EVAL (an assignment), IF/THEN/ELSE and EXECUTE (a call), whose expressions are
Java with ``java.math.BigDecimal``. Those expressions are nearly Python already: the class below
gives ``Decimal`` the BigDecimal methods they call, number literals in ``valueOf(...)`` become
strings (never floats), ``&&`` becomes ``and`` and array literals become lists. Each expression is
compiled once; the parsed program is cached for the session.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from decimal import ROUND_DOWN, ROUND_UP, Context, Decimal, Inexact
from pathlib import Path
from typing import Any

import pytest

PAP_FILE = Path("de-bmf-pap") / "Lohnsteuer2026.xml"
_EXACT = Context(prec=80, traps=[Inexact])
_WIDE = Context(prec=80)


class BigDecimal(Decimal):
    """``Decimal`` with the ``java.math.BigDecimal`` methods the PAP uses, at Java's exactness:
    an unscaled ``divide`` must be exact (Java throws otherwise), a scaled one rounds the exact
    quotient."""

    ROUND_DOWN = ROUND_DOWN
    ROUND_UP = ROUND_UP
    ZERO: BigDecimal
    ONE: BigDecimal

    @classmethod
    def valueOf(cls, value: Any) -> BigDecimal:
        if isinstance(value, float):
            raise TypeError("a float reached the PAP interpreter")
        return cls(value)

    def add(self, other: Decimal) -> BigDecimal:
        return BigDecimal(_WIDE.add(self, other))

    def subtract(self, other: Decimal) -> BigDecimal:
        return BigDecimal(_WIDE.subtract(self, other))

    def multiply(self, other: Decimal) -> BigDecimal:
        return BigDecimal(_WIDE.multiply(self, other))

    def divide(
        self, other: Decimal, scale: int | None = None, mode: str | None = None
    ) -> BigDecimal:
        if scale is None:
            return BigDecimal(_EXACT.divide(self, other))
        quotient = _WIDE.divide(self, other)
        return BigDecimal(
            quotient.quantize(Decimal(1).scaleb(-scale), rounding=mode, context=_WIDE)
        )

    def setScale(self, scale: int, mode: str) -> BigDecimal:
        return BigDecimal(self.quantize(Decimal(1).scaleb(-scale), rounding=mode, context=_WIDE))

    def compareTo(self, other: Decimal) -> int:
        return int(Decimal.__gt__(self, other)) - int(Decimal.__lt__(self, other))

    def longValue(self) -> int:
        return int(self)


BigDecimal.ZERO = BigDecimal(0)
BigDecimal.ONE = BigDecimal(1)

_LITERAL = re.compile(r"valueOf\(\s*(-?\d+(?:\.\d+)?)\s*\)")
_ASSIGN = re.compile(r"^\s*(\w+)\s*=(?!=)\s*(.+?)\s*$", re.S)
_GLOBALS = {"BigDecimal": BigDecimal, "__builtins__": {}}


def _python(java: str) -> Any:
    """A Java expression of the PAP compiled as Python."""
    text = _LITERAL.sub(r'valueOf("\1")', java).replace("&&", " and ").replace("||", " or ")
    text = text.replace("{", "[").replace("}", "]")
    code = compile(text.strip(), "<PAP>", "eval")
    if any(isinstance(const, float) for const in code.co_consts):
        raise ValueError(f"a float literal in the PAP expression {java!r}")
    return code


Op = Callable[[dict[str, Any], "Program"], None]


class Program:
    """The parsed PAP: initial variables, constants and compiled methods."""

    def __init__(self, root: ET.Element) -> None:
        self.types: dict[str, str] = {}
        self.defaults: dict[str, Any] = {}
        for tag in ("INPUT", "OUTPUT", "INTERNAL"):
            for var in root.iter(tag):
                self.types[var.get("name", "")] = var.get("type", "")
                self.defaults[var.get("name", "")] = self._initial(var)
        self.constants: dict[str, Any] = {}
        for const in root.iter("CONSTANT"):
            self.constants[const.get("name", "")] = eval(  # noqa: S307 - the BMF's constants
                _python(const.get("value", "")), _GLOBALS, dict(self.constants)
            )
        self.methods = {m.get("name", ""): self._block(m) for m in root.iter("METHOD")}
        main = root.find(".//MAIN")
        assert main is not None
        self.main = self._block(main)

    def _initial(self, var: ET.Element) -> Any:
        kind, default = var.get("type"), var.get("default")
        if kind == "int":
            return int(default or 0)
        if kind == "double":
            return BigDecimal(default or "0")
        return eval(_python(default or "BigDecimal.ZERO"), _GLOBALS, {})  # noqa: S307

    def _block(self, element: ET.Element) -> list[Op]:
        return [self._op(child) for child in element]

    def _op(self, element: ET.Element) -> Op:
        if element.tag == "EVAL":
            match = _ASSIGN.match(element.get("exec", ""))
            assert match, element.get("exec")
            name, code = match[1], _python(match[2])

            def assign(env: dict[str, Any], _program: Program) -> None:
                env[name] = eval(code, _GLOBALS, env)  # noqa: S307

            return assign
        if element.tag == "EXECUTE":
            method = element.get("method", "")
            return lambda env, program: program.run_block(program.methods[method], env)
        if element.tag == "IF":
            test = _python(element.get("expr", ""))
            then = element.find("THEN")
            other = element.find("ELSE")
            yes = self._block(then) if then is not None else []
            no = self._block(other) if other is not None else []

            def branch(env: dict[str, Any], program: Program) -> None:
                program.run_block(yes if eval(test, _GLOBALS, env) else no, env)  # noqa: S307

            return branch
        raise ValueError(f"unknown PAP element {element.tag}")

    def run_block(self, ops: list[Op], env: dict[str, Any]) -> None:
        for op in ops:
            op(env, self)

    def run(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Every variable after MAIN, from ``inputs`` (PAP names; BigDecimal ones as text or
        Decimal, int ones as int)."""
        unknown = set(inputs) - set(self.types)
        assert not unknown, f"not PAP inputs: {sorted(unknown)}"
        env = {**self.defaults, **self.constants}
        for name, value in inputs.items():
            env[name] = value if self.types[name] == "int" else BigDecimal(value)
        self.run_block(self.main, env)
        return env


_PROGRAMS: dict[Path, Program] = {}


@pytest.fixture
def pap_program(standards_dir: Path) -> Program:
    """The BMF PAP 2026 XML, parsed once per session (cached in ``_PROGRAMS``)."""
    path = standards_dir / PAP_FILE
    if not path.is_file():
        pytest.skip(f"{path} is absent from the standards folder")
    if path not in _PROGRAMS:
        _PROGRAMS[path] = Program(ET.fromstring(path.read_bytes()))  # noqa: S314 - the BMF file
    return _PROGRAMS[path]
