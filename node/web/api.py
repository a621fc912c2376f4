"""Declaring API endpoints: who may call them, what they take, and one transaction per call.

An endpoint is a plain synchronous function ``handler(call: Call) -> result`` wrapped by
:func:`api_route`, which declares its method, path, allowed roles, body and query schemas. The
wrapper, on every request:

1. reads and parses the JSON body (415 if not JSON, 400 if malformed);
2. opens one database transaction (a read for ``GET``, a write otherwise) in a worker thread;
3. authenticates the caller and checks the declared roles (401 / 403) — before validating, so a
   caller who may not use the endpoint learns nothing from its validation errors;
4. validates the body and the query string (422);
5. runs the handler; any exception rolls the whole transaction back;
6. encodes the result as JSON (Decimals as strings).

Browser pages use the same declaration with two options: ``form=schema`` takes an
``application/x-www-form-urlencoded`` (or multipart) body instead of JSON — its ``csrf_token``
field is lifted out before validation and handed to the CSRF check in :mod:`node.web.auth` — and
``media_type="text/html"`` for what they return (usually a ``Response`` built by the handler).
``anonymous_redirect="/login"`` sends a browser (``Accept: text/html``) without credentials there
with 303 instead of answering 401; other callers still get 401.

The same declaration feeds ``/openapi.json`` and the access-control test matrix, so what an endpoint
says about itself is what it does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from node.errors import Forbidden, MalformedJson, TotpRequired, Unauthorized, UnsupportedMediaType
from node.i18n import N_
from node.identity.csrf import CSRF_FIELD
from node.identity.roles import Principal, Role
from node.web.jsonenc import dumps
from node.web.validation import validate

if TYPE_CHECKING:
    from node.runtime import Node

PUBLIC: frozenset[Role] = frozenset()
ANY_USER = frozenset({Role.MEMBER, Role.STAFF, Role.ADMIN})
STAFF = frozenset({Role.STAFF, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
HTML = "text/html"


@dataclass(frozen=True)
class EndpointSpec:
    """What an endpoint declares about itself (used by the wrapper, OpenAPI and the tests)."""

    method: str
    path: str
    name: str
    summary: str
    roles: frozenset[Role]
    tag: str
    body: dict[str, Any] | None = None
    query: dict[str, Any] | None = None
    status: int = 200
    response: dict[str, Any] | None = None
    own_records: bool = False
    media_type: str = JSON  # of the success response
    database: str = "auto"  # "auto": read for GET, write otherwise; "none": no transaction
    body_media_type: str = JSON  # FORM for pages' forms (``api_route(form=...)``)
    anonymous_redirect: str | None = None

    @property
    def public(self) -> bool:
        return not self.roles

    @property
    def writes(self) -> bool:
        return self.database == "write" or (self.database == "auto" and self.method != "GET")


@dataclass
class Call:
    """Everything a handler may use: the request, its session, caller, validated input."""

    request: Request
    node: Node
    session: Session
    principal: Principal | None
    body: Any
    query: dict[str, Any]
    path: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    cookies_to_set: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    @property
    def settings(self) -> Any:
        return self.node.settings

    @property
    def actor(self) -> str:
        return self.principal.actor if self.principal else "anonymous"

    @property
    def request_id(self) -> str | None:
        return getattr(self.request.state, "request_id", None)

    def caller(self) -> Principal:
        """The authenticated caller (endpoints that are not public always have one)."""
        if self.principal is None:
            raise Unauthorized()
        return self.principal


Handler = Callable[[Call], Any]


async def read_json(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise UnsupportedMediaType(N_("Send the body as application/json."))
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedJson(N_("The body is not valid JSON: {reason}").format(reason=exc)) from None


def parse_query(spec: EndpointSpec, request: Request) -> dict[str, Any]:
    schema = spec.query or {"type": "object", "properties": {}, "additionalProperties": False}
    raw: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        declared = schema.get("properties", {}).get(key, {})
        if declared.get("type") == "integer":
            try:
                raw[key] = int(value)
            except ValueError:
                raw[key] = value
        else:
            raw[key] = value
    validate(schema, raw, where="query")
    return raw


async def read_form(request: Request) -> dict[str, str]:
    """A form body as ``{field: value}``; its ``csrf_token`` goes to ``request.state``."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in {FORM, "multipart/form-data"}:
        if await request.body():
            raise UnsupportedMediaType(N_("Send the form as {media_type}.").format(media_type=FORM))
        return {}
    async with request.form() as form:
        values = {key: value for key, value in form.items() if isinstance(value, str)}
    request.state.csrf_token = values.pop(CSRF_FIELD, None)
    return values


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def authorize(spec: EndpointSpec, principal: Principal | None, totp_ok: bool = True) -> None:
    """Enforce the declared roles: 401 without a caller, 403 for a role not allowed."""
    if spec.public:
        return
    if principal is None:
        raise Unauthorized()
    if principal.role not in spec.roles:
        raise Forbidden(N_("Your role may not use this endpoint."))
    if not totp_ok:
        raise TotpRequired(N_("Staff and admins must confirm a second factor first."))


@contextmanager
def _unit_of_work(node: Node, spec: EndpointSpec) -> Iterator[Session | None]:
    if spec.database == "none":
        yield None
        return
    with node.db.transaction() if spec.writes else node.db.reading() as session:
        yield session


def _respond(spec: EndpointSpec, call: Call, result: Any) -> Response:
    if isinstance(result, Response):
        response = result
    elif spec.status == 204:
        response = Response(status_code=204)
    else:
        response = Response(dumps(result), spec.status, media_type=spec.media_type)
    for name, value in call.headers.items():
        response.headers[name] = value
    for name, value, options in call.cookies_to_set:
        response.set_cookie(name, value, **options)
    return response


def api_route(
    method: str,
    path: str,
    *,
    summary: str,
    roles: frozenset[Role],
    tag: str,
    body: dict[str, Any] | None = None,
    query: dict[str, Any] | None = None,
    status: int = 200,
    response: dict[str, Any] | None = None,
    own_records: bool = False,
    database: str = "auto",
    form: dict[str, Any] | None = None,
    media_type: str = JSON,
    anonymous_redirect: str | None = None,
) -> Callable[[Handler], Route]:
    """Turn a handler into a Starlette route carrying its :class:`EndpointSpec`.

    ``form``, ``media_type`` and ``anonymous_redirect`` are for browser pages (module docstring).
    """
    if form is not None and body is not None:
        raise ValueError("an endpoint takes a JSON body or a form, not both")

    def wrap(handler: Handler) -> Route:
        spec = EndpointSpec(
            method=method,
            path=path,
            name=handler.__name__,
            summary=summary,
            roles=roles,
            tag=tag,
            body=body if form is None else form,
            query=query,
            status=status,
            response=response,
            own_records=own_records,
            database=database,
            media_type=media_type,
            body_media_type=JSON if form is None else FORM,
            anonymous_redirect=anonymous_redirect,
        )

        def identify(
            node: Node, request: Request, session: Session | None
        ) -> tuple[Principal | None, bool]:
            if session is not None:
                return node.authenticate(request, session)
            if spec.public:
                return None, True
            with node.db.reading() as reader:  # database="none" still needs to know the caller
                return node.authenticate(request, reader)

        async def endpoint(request: Request) -> Response:
            node: Node = request.app.state.node
            if spec.body_media_type == FORM:
                payload: Any = await read_form(request)
            else:
                payload = await read_json(request)
                if spec.body is None and payload is not None:
                    raise UnsupportedMediaType(N_("This endpoint takes no body."))

            def run() -> Response:
                with _unit_of_work(node, spec) as session:
                    principal, totp_ok = identify(node, request, session)
                    try:
                        authorize(spec, principal, totp_ok)
                    except Unauthorized:
                        if spec.anonymous_redirect and principal is None and wants_html(request):
                            return RedirectResponse(spec.anonymous_redirect, status_code=303)
                        raise
                    if spec.body is not None:
                        validate(spec.body, payload if payload is not None else {})
                    query_values = parse_query(spec, request)
                    call = Call(
                        request,
                        node,
                        cast(Session, session),  # None only for database="none"
                        principal,
                        payload,
                        query_values,
                        dict(request.path_params),
                    )
                    result = handler(call)
                return _respond(spec, call, result)

            return await run_in_threadpool(run)

        endpoint.__doc__ = handler.__doc__
        route = Route(path, endpoint, methods=[method], name=handler.__name__)
        route.coop_spec = spec  # type: ignore[attr-defined]
        return route

    return wrap


def spec_of(route: Any) -> EndpointSpec | None:
    return getattr(route, "coop_spec", None)
