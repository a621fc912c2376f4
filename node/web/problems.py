"""Every error leaves the node as RFC 9457 ``application/problem+json``.

Handlers raise :class:`node.errors.Problem` subclasses; this module turns them (and Starlette's own
HTTP errors, and anything unexpected) into problem documents. Unexpected errors are logged with the
request id and shown without internals.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from node.errors import (
    MethodNotAllowed,
    NotFound,
    Problem,
    Unauthorized,
)
from node.i18n import negotiate, translate
from node.web.jsonenc import dumps

log = logging.getLogger("coopnode.web")
PROBLEM_JSON = "application/problem+json"


def problem_response(request: Request, problem: Problem) -> Response:
    language = negotiate(request.headers.get("accept-language"))
    body = problem.as_dict(instance=request.url.path)
    body["title"] = translate(body["title"], language)
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
        problem = NotFound("No such resource.")
    elif exc.status_code == 405:
        problem = MethodNotAllowed(f"{request.method} is not allowed here.")
    else:
        problem = Problem(exc.detail)
        problem.status = exc.status_code
    return problem_response(request, problem)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"path": request.url.path})
    return problem_response(request, Problem("An unexpected error occurred; it has been logged."))


EXCEPTION_HANDLERS = {
    Problem: handle_problem,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
