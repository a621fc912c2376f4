"""The OpenAPI 3.1 document, generated from the endpoints' own declarations.

Nothing is written by hand: each route made with :func:`node.web.api.api_route` carries an
:class:`EndpointSpec`, and this module turns the application's routes into ``/openapi.json``. A test
checks that every route of the application appears here, so the document cannot fall behind.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import BaseRoute

from node import __version__
from node.errors import PROBLEM_BASE
from node.web.api import EndpointSpec, spec_of

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status"],
}
_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-z]+))?}")


def openapi_path(path: str) -> str:
    return _PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


def _path_parameters(path: str) -> list[dict[str, Any]]:
    parameters = []
    for name, converter in _PARAM.findall(path):
        kind = "integer" if converter == "int" else "string"
        parameters.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
    return parameters


def _query_parameters(spec: EndpointSpec) -> list[dict[str, Any]]:
    if not spec.query:
        return []
    required = set(spec.query.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": schema}
        for name, schema in spec.query.get("properties", {}).items()
    ]


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def operation(spec: EndpointSpec) -> dict[str, Any]:
    who = "anyone" if spec.public else ", ".join(sorted(role.value for role in spec.roles))
    if spec.own_records:
        who += " (members: their own records only)"
    op: dict[str, Any] = {
        "operationId": spec.name,
        "summary": spec.summary,
        "description": f"Who may call: {who}.",
        "tags": [spec.tag],
        "x-coop-roles": sorted(role.value for role in spec.roles),
        "parameters": _path_parameters(spec.path) + _query_parameters(spec),
        "responses": {},
    }
    if not spec.public:
        op["security"] = [{"bearer": []}, {"session": []}]
    if spec.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {spec.body_media_type: {"schema": spec.body}},
        }
        op["responses"]["422"] = _problem("Invalid input; each bad field is named.")
    success: dict[str, Any] = {"description": "Success."}
    if spec.status != 204:
        success["content"] = {spec.media_type: {"schema": spec.response or {}}}
    op["responses"][str(spec.status)] = success
    if not spec.public:
        op["responses"]["401"] = _problem("No valid credentials.")
        op["responses"]["403"] = _problem("The caller's role may not use this endpoint.")
    op["responses"]["default"] = _problem("Any other error.")
    return op


def build_openapi(routes: list[BaseRoute], title: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        spec = spec_of(route)
        if spec is None:
            continue
        paths.setdefault(openapi_path(spec.path), {})[spec.method.lower()] = operation(spec)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": __version__,
            "description": f"Errors are RFC 9457 problem documents; types start with {PROBLEM_BASE}.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Problem": PROBLEM_SCHEMA},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "session": {"type": "apiKey", "in": "cookie", "name": "coopnode_session"},
            },
        },
    }
