"""Errors the node raises on purpose, and their stable problem types.

Hierarchy::

    CoopError                      base; never raised itself
    ├── ConfigError                invalid configuration (CLI exit code 2)
    ├── PluginError                a plugin cannot be loaded or conflicts with another
    └── Problem                    an error a client sees as RFC 9457 problem+json
        ├── ValidationProblem      422, with one entry per bad field
        ├── NotFound               404 (also used to hide records a caller may not see)
        ├── Unauthorized           401
        ├── Forbidden              403
        ├── Conflict               409
        └── TooManyRequests        429

Problem ``type`` URIs are built from :class:`Code` and never change once published: clients and
peer nodes may switch on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

PROBLEM_BASE = "https://coopnode.org/problems/"


def N_(message: str) -> str:
    """Mark ``message`` for translation (as :func:`node.i18n.N_`, which imports this module)."""
    return message


INVALID_FIELDS = N_("Invalid fields: {fields}")


class Code(StrEnum):
    """Stable problem codes; the problem ``type`` is :data:`PROBLEM_BASE` + code."""

    VALIDATION = "validation"
    NOT_FOUND = "not-found"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    TOO_MANY_REQUESTS = "too-many-requests"
    BODY_TOO_LARGE = "body-too-large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    MALFORMED_JSON = "malformed-json"
    CSRF = "csrf-failed"
    TOTP_REQUIRED = "totp-required"
    INTERNAL = "internal-error"
    NOT_READY = "not-ready"


class CoopError(Exception):
    """Base of every error the node raises deliberately."""


class ConfigError(CoopError):
    """The configuration is invalid; the message names the key and the problem."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"config: {key}: {problem}")
        self.key = key
        self.problem = problem


class PluginError(CoopError):
    """A plugin cannot be used: wrong hook API version, conflict, misspelt hook."""


@dataclass(frozen=True)
class FieldError:
    """One bad input field: a JSON-pointer-like dotted path and why it is wrong."""

    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class Problem(CoopError):
    """An error shown to an API client as ``application/problem+json``."""

    status = 500
    code = Code.INTERNAL
    title = "Internal error"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extra = extra

    def as_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.code,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class ValidationProblem(Problem):
    status = 422
    code = Code.VALIDATION
    title = "Invalid input"

    def __init__(self, errors: Iterable[FieldError], detail: str | None = None) -> None:
        self.errors = list(errors)
        fields = ", ".join(sorted({e.field for e in self.errors}))
        super().__init__(
            detail or INVALID_FIELDS.format(fields=fields),
            errors=[e.as_dict() for e in self.errors],
        )

    @classmethod
    def single(cls, field: str, message: str, code: str = "invalid") -> ValidationProblem:
        return cls([FieldError(field, message, code)])


class NotFound(Problem):
    status = 404
    code = Code.NOT_FOUND
    title = "Not found"


class MethodNotAllowed(Problem):
    status = 405
    code = Code.METHOD_NOT_ALLOWED
    title = "Method not allowed"


class Unauthorized(Problem):
    status = 401
    code = Code.UNAUTHORIZED
    title = "Authentication required"


class TotpRequired(Problem):
    status = 401
    code = Code.TOTP_REQUIRED
    title = "Second factor required"


class Forbidden(Problem):
    status = 403
    code = Code.FORBIDDEN
    title = "Forbidden"


class CsrfFailed(Problem):
    status = 403
    code = Code.CSRF
    title = "CSRF check failed"


class Conflict(Problem):
    status = 409
    code = Code.CONFLICT
    title = "Conflict"


class TooManyRequests(Problem):
    status = 429
    code = Code.TOO_MANY_REQUESTS
    title = "Too many requests"


class BodyTooLarge(Problem):
    status = 413
    code = Code.BODY_TOO_LARGE
    title = "Request body too large"


class UnsupportedMediaType(Problem):
    status = 415
    code = Code.UNSUPPORTED_MEDIA_TYPE
    title = "Unsupported media type"


class MalformedJson(Problem):
    status = 400
    code = Code.MALFORMED_JSON
    title = "Malformed JSON"


class NotReady(Problem):
    status = 503
    code = Code.NOT_READY
    title = "Not ready"


def field_errors_from_mapping(errors: Mapping[str, str]) -> list[FieldError]:
    """Build field errors from ``{field: message}`` (a convenience for services)."""
    return [FieldError(field, message) for field, message in errors.items()]
