"""Endpoints that take a file: a multipart form with file fields, or a raw XML body.

:func:`node.web.api.api_route` takes JSON or url-encoded forms only, so receipts (expenses) and
bank statements (CAMT.053) come in through :func:`upload_route`, which follows the same order on
every request — one transaction, authenticate (with the CSRF check for cookie sessions, whose
token may come as the form's ``csrf_token`` field), enforce the declared roles, then validate — so
that callers without the right learn nothing from a refused body. It declares the same
:class:`~node.web.api.EndpointSpec` (OpenAPI and the access matrix see it like any other route).

The request's size is bounded by ``server.max_body_bytes`` (the body-size middleware), before
anything here reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from node.errors import Problem, UnsupportedMediaType, ValidationProblem
from node.identity.csrf import CSRF_FIELD
from node.identity.roles import Role
from node.web.api import Call, EndpointSpec, Handler, authorize
from node.web.jsonenc import dumps
from node.web.validation import validate

MULTIPART = "multipart/form-data"
XML_TYPES = ("application/xml", "text/xml")


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    declared_type: str
    data: bytes


@dataclass
class Upload:
    """What the handler gets as ``call.body``: form fields, files, or a raw body."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    raw: bytes | None = None


async def _read(request: Request, files: tuple[str, ...], raw_types: tuple[str, ...]) -> Upload:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == MULTIPART:
        upload = Upload()
        try:
            async with request.form(max_files=max(len(files), 1), max_fields=50) as form:
                for name, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        if name in files and name not in upload.files:
                            upload.files[name] = UploadedFile(
                                value.filename or "",
                                value.content_type or "",
                                await value.read(),
                            )
                        else:
                            upload.fields[name] = ""  # refused below as an unknown field
                    else:
                        upload.fields[name] = value
        except HTTPException as exc:  # starlette's multipart limits and syntax errors
            message = f"Malformed multipart body: {exc.detail}"
            raise ValidationProblem.single("body", message) from None
        request.state.csrf_token = upload.fields.pop(CSRF_FIELD, None)
        return upload
    if content_type in raw_types:
        return Upload(raw=await request.body())
    accepted = ", ".join((MULTIPART, *raw_types)) if raw_types else MULTIPART
    raise UnsupportedMediaType(f"Send the body as {accepted}.")


def upload_route(
    method: str,
    path: str,
    *,
    summary: str,
    roles: frozenset[Role],
    tag: str,
    fields: dict[str, Any],
    files: tuple[str, ...] = (),
    raw_types: tuple[str, ...] = (),
    status: int = 200,
    own_records: bool = False,
) -> Callable[[Handler], Route]:
    """A route whose body is a multipart form (``fields`` schema plus ``files``) or, when
    ``raw_types`` are given, a raw body of one of those media types (``call.body.raw``)."""
    documented = {
        **fields,
        "properties": {
            **fields.get("properties", {}),
            **{name: {"type": "string", "format": "binary"} for name in files},
        },
    }

    def wrap(handler: Handler) -> Route:
        spec = EndpointSpec(
            method=method,
            path=path,
            name=handler.__name__,
            summary=summary,
            roles=roles,
            tag=tag,
            body=documented,
            status=status,
            own_records=own_records,
            body_media_type=raw_types[0] if raw_types else MULTIPART,
        )

        async def endpoint(request: Request) -> Response:
            node = request.app.state.node
            refused: Problem | None = None
            try:
                upload = await _read(request, files, raw_types)
            except Problem as problem:  # raised only once the caller may use the endpoint
                upload, refused = Upload(), problem

            def run() -> Response:
                with node.db.transaction() as session:
                    principal, totp_ok = node.authenticate(request, session)
                    authorize(spec, principal, totp_ok)
                    if refused is not None:
                        raise refused
                    if upload.raw is None:
                        validate(fields, upload.fields)
                    call = Call(
                        request, node, session, principal, upload, {}, dict(request.path_params)
                    )
                    result = handler(call)
                if isinstance(result, Response):
                    return result
                return Response(dumps(result), status, media_type="application/json")

            return await run_in_threadpool(run)

        endpoint.__doc__ = handler.__doc__
        route = Route(path, endpoint, methods=[method], name=handler.__name__)
        route.coop_spec = spec  # type: ignore[attr-defined]
        return route

    return wrap
