"""Every error leaves the node as RFC 9457 ``application/problem+json``.

Handlers raise :class:`node.errors.Problem` subclasses; this module turns them (and Starlette's own
HTTP errors, and anything unexpected) into problem documents. Unexpected errors are logged with the
request id and shown without internals.

Documents are written in the language the client asks for (``Accept-Language``, English when
nothing supported is asked for; ``Content-Language`` says which): the ``title``, the ``detail`` and
each ``errors[].message`` are translated when they are catalogued messages (marked with ``N_`` where
they are raised; formatted ones through their template, see :func:`node.i18n.translate_formatted`).
Anything else — jsonschema's own messages, text from libraries — stays as it is. ``type``,
``errors[].field`` and ``errors[].code`` are for programs and never translated.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from node.errors import (
    MethodNotAllowed,
    NotFound,
    Problem,
    Unauthorized,
)
from node.i18n import N_, negotiate, translate, translate_formatted
from node.web.jsonenc import dumps

log = logging.getLogger("coopnode.web")
PROBLEM_JSON = "application/problem+json"


def translate_problem(body: dict[str, Any], language: str) -> dict[str, Any]:
    """A copy of the problem document ``body`` with its human-readable text in ``language``."""
    translated = dict(body)
    translated["title"] = translate(body["title"], language)
    if isinstance(body.get("detail"), str):
        translated["detail"] = translate_formatted(body["detail"], language)
    errors = body.get("errors")
    if isinstance(errors, list):
        translated["errors"] = [
            {**error, "message": translate_formatted(error["message"], language)}
            if isinstance(error, dict) and isinstance(error.get("message"), str)
            else error
            for error in errors
        ]
    return translated


def problem_response(request: Request, problem: Problem) -> Response:
    language = negotiate(request.headers.get("accept-language"))
    body = translate_problem(problem.as_dict(instance=request.url.path), language)
    headers = {"Content-Language": language}
    if isinstance(problem, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="coopnode"'
    retry_after = problem.extra.get("retry_after")
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return Response(dumps(body), problem.status, headers=headers, media_type=PROBLEM_JSON)


async def handle_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(request, exc)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    problem: Problem
    if exc.status_code == 404:
        problem = NotFound(N_("No such resource."))
    elif exc.status_code == 405:
        problem = MethodNotAllowed(
            N_("{method} is not allowed here.").format(method=request.method)
        )
    else:
        problem = Problem(exc.detail)
        problem.status = exc.status_code
    return problem_response(request, problem)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"path": request.url.path})
    return problem_response(
        request, Problem(N_("An unexpected error occurred; it has been logged."))
    )


EXCEPTION_HANDLERS = {
    Problem: handle_problem,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
