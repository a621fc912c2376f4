"""A country's payroll params: declared as JSON Schema, read from text, checked in one place.

The schema (draft 2020-12, an ``object`` with ``properties`` and ``default`` values) is what
the country publishes in ``docs/`` and what the node validates input against. Input arrives as
text from the CLI (``--param headcount=20``) or as JSON from the API; :func:`checked_params`
turns both into typed values: integers and booleans parsed, decimals kept as exact ``Decimal``
(schema: ``{"type": "string", "format": "decimal"}``), defaults filled in. Any problem is one
:class:`~plugins.payroll.model.PayrollError` naming the param.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from plugins.payroll.model import PayrollError

DECIMAL = {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"}


def decimal_param(description: str, default: str | None = None, **extra: Any) -> dict[str, Any]:
    """The schema of a decimal param (a percentage, an amount), written as a string."""
    schema: dict[str, Any] = {**DECIMAL, "description": description, **extra}
    if default is not None:
        schema["default"] = default
    return schema


def checked_params(schema: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` coerced, validated against ``schema`` and completed with its defaults."""
    properties: Mapping[str, Any] = schema.get("properties", {})
    unknown = sorted(set(given) - set(properties))
    if unknown:
        raise PayrollError(f"unknown param {unknown[0]} (known: {', '.join(sorted(properties))})")
    values = {name: _coerce(name, properties[name], value) for name, value in given.items()}
    # Imported here: jsonschema takes a second to import (its format extras), and the payroll
    # checks each distinct set of params once (Payroll.params), so not every command needs it.
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(dict(schema)).iter_errors(values), key=str)
    if errors:
        error = errors[0]
        where = ".".join(str(p) for p in error.absolute_path) or "params"
        raise PayrollError(f"param {where}: {error.message}")
    for name, spec in properties.items():
        if name not in values and "default" in spec:
            values[name] = spec["default"]
    return {name: _typed(properties[name], value) for name, value in values.items()}


def _coerce(name: str, spec: Mapping[str, Any], value: Any) -> Any:
    """Text from a command line (or a value already checked) to the JSON type the schema
    expects."""
    if isinstance(value, Decimal):
        return str(value)
    if not isinstance(value, str):
        return value
    kind = spec.get("type")
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise PayrollError(f"param {name}: {value!r} is not an integer") from None
    if kind == "boolean":
        if value.lower() in {"true", "yes", "1"}:
            return True
        if value.lower() in {"false", "no", "0"}:
            return False
        raise PayrollError(f"param {name}: {value!r} is not true or false")
    return value


def _typed(spec: Mapping[str, Any], value: Any) -> Any:
    if spec.get("format") == "decimal" and isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern already refused it
            raise PayrollError(f"{value!r} is not a decimal") from None
    return value
