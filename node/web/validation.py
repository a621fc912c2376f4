"""Request validation with JSON Schema (Draft 2020-12): every bad field named, unknown ones refused.

Schemas are written as plain dicts next to their endpoints; :func:`obj` builds the common shape
(an object with ``additionalProperties: false``). Domain checks that need a library (IBANs, national
ids, VAT numbers) happen in services and raise :class:`node.errors.ValidationProblem` too.

Messages are English, marked with ``N_`` where the node writes them itself; :mod:`node.web.problems`
translates them into the language of each response. ``field`` and ``code`` are for programs and
never translated. Messages that jsonschema builds (``'x' is too long`` …) stay English.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from federation.schemas import is_country_code, is_currency_code
from node.errors import FieldError, ValidationProblem
from node.i18n import N_

format_checker = FormatChecker()
format_checker.checks("country-code")(is_country_code)
format_checker.checks("currency-code")(is_currency_code)


_DECIMAL = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")


@format_checker.checks("decimal")
def _is_decimal(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return bool(_DECIMAL.match(value)) and Decimal(value).is_finite()
    except InvalidOperation:
        return False


def obj(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object schema that refuses unknown fields."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


STRING = {"type": "string", "minLength": 1, "maxLength": 200}
EMAIL = {"type": "string", "format": "email", "maxLength": 254}
COUNTRY = {"type": "string", "format": "country-code"}
CURRENCY = {"type": "string", "format": "currency-code"}
DECIMAL = {"type": "string", "format": "decimal"}
DATE = {"type": "string", "format": "date"}
LANGUAGE = {"type": "string", "enum": ["en", "fr", "nl", "de"]}

REQUIRED = N_("This field is required.")
UNKNOWN_FIELD = N_("Unknown field.")
# One sentence per format the node checks; any other format gets the generic template (worded so
# that no other message fits it: node.web.problems matches finished sentences against templates).
FORMAT_MESSAGES = {
    "email": N_("Not a valid email."),
    "country-code": N_("Not a valid country code (ISO 3166-1 alpha-2, e.g. BE)."),
    "currency-code": N_("Not a valid currency code (ISO 4217, e.g. EUR)."),
    "decimal": N_('Not a valid decimal number (a string such as "30.00").'),
    "date": N_("Not a valid date (YYYY-MM-DD)."),
}
NOT_VALID = N_("Does not match the format {format}.")


def _field_errors(error: ValidationError) -> list[FieldError]:
    path = ".".join(str(part) for part in error.absolute_path)
    prefix = f"{path}." if path else ""
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else path
        return [FieldError(prefix + missing, REQUIRED, "required")]
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - known) if isinstance(error.instance, dict) else []
        return [FieldError(prefix + name, UNKNOWN_FIELD, "unknown_field") for name in extra]
    message = error.message
    if error.validator == "format":
        fmt = str(error.validator_value)
        message = FORMAT_MESSAGES.get(fmt) or NOT_VALID.format(format=fmt)
    return [FieldError(path or "body", message, str(error.validator))]


def validate(schema: dict[str, Any], instance: Any, *, where: str = "") -> None:
    """Raise :class:`ValidationProblem` listing every violation (never only the first)."""
    validator = Draft202012Validator(schema, format_checker=format_checker)
    errors: list[FieldError] = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        for field_error in _field_errors(error):
            name = f"{where}.{field_error.field}" if where else field_error.field
            errors.append(FieldError(name, field_error.message, field_error.code))
    if errors:
        raise ValidationProblem(errors)
