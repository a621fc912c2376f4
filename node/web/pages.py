"""Browser pages (server-rendered with Jinja2): sign in, sign out and a small dashboard.

Pages are declared with :func:`node.web.api.api_route` like the JSON API, so their roles are
checked by the same wrapper, they appear in ``/openapi.json`` and the access-control test covers
them. A browser is authenticated by the ``coopnode_session`` cookie (see
:mod:`node.identity.csrf`); every form carries the session's CSRF token.

==================  ======================  ================================================
``GET  /login``     anyone                  the form (signed-in browsers go to ``/``)
``POST /login``     anyone                  sign in (staff and admins also give their code)
``POST /logout``    member, staff, admin    end the session (needs the CSRF token)
``GET  /``          member, staff, admin    who you are, links (anonymous browsers → /login)
==================  ======================  ================================================
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response

from node.errors import Problem
from node.identity import csrf, service, sessions
from node.identity.api import client_address
from node.identity.models import User
from node.identity.roles import Role
from node.web.api import ANY_USER, HTML, PUBLIC, Call, api_route
from node.web.validation import obj

templates = Environment(
    loader=PackageLoader("node.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
# Pages need no scripts, frames or foreign resources; saying so blunts injection and clickjacking.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
}
LOGIN_FORM = obj(
    {
        "email": {"type": "string", "maxLength": 254},
        "password": {"type": "string", "maxLength": 1024},
        "totp": {"type": "string", "maxLength": 16},
    },
    required=("email", "password"),
)


def render(call: Call, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("node_name", call.settings["node.name"])
    context.setdefault("language", call.settings["node.language"])
    html = templates.get_template(template).render(**context)
    return HTMLResponse(html, status, headers=PAGE_HEADERS)


def redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


@api_route("GET", "/login", summary="The sign-in page.", roles=PUBLIC, tag="pages", media_type=HTML)
def login_page(call: Call) -> Response:
    if call.principal is not None and call.principal.via_cookie:
        return redirect("/")
    return render(call, "login.html", email="", error=None)


@api_route(
    "POST",
    "/login",
    summary="Sign in from the page; sets the session cookie.",
    roles=PUBLIC,
    tag="pages",
    form=LOGIN_FORM,
    media_type=HTML,
    status=303,
    database="none",
)
def login_submit(call: Call) -> Response:
    """On success, 303 to ``/`` with the cookie; else the form again with the reason (401/429)."""
    email = call.body["email"]
    try:
        started = service.login(
            call.node.db,
            call.settings,
            call.node.cipher,
            email=email,
            password=call.body["password"],
            code=call.body.get("totp") or None,
            address=client_address(call),
            kind=sessions.BROWSER,
        )
    except Problem as problem:
        page = render(
            call, "login.html", problem.status, email=email, error=problem.detail or problem.title
        )
        if "retry_after" in problem.extra:
            page.headers["Retry-After"] = str(problem.extra["retry_after"])
        return page
    response = redirect("/")
    response.set_cookie(
        csrf.COOKIE_NAME,
        csrf.sign_session(call.settings, started.session_id),
        **csrf.cookie_options(call.settings, max_age=started.max_age),
    )
    return response


@api_route(
    "POST",
    "/logout",
    summary="Sign out from the page.",
    roles=ANY_USER,
    tag="pages",
    form=obj({}),
    media_type=HTML,
    status=303,
)
def logout_submit(call: Call) -> Response:
    session_id = call.caller().session_id
    if session_id is not None:
        sessions.end(call.session, session_id)
    response = redirect("/login")
    options = csrf.cookie_options(call.settings, max_age=0)
    response.delete_cookie(
        csrf.COOKIE_NAME,
        path=options["path"],
        secure=options["secure"],
        httponly=True,
        samesite="lax",
    )
    return response


@api_route(
    "GET",
    "/",
    summary="Dashboard: who you are and where to go.",
    roles=ANY_USER,
    tag="pages",
    media_type=HTML,
    anonymous_redirect="/login",
)
def dashboard(call: Call) -> Response:
    principal = call.caller()
    user = call.session.get(User, principal.user_id)
    assert user is not None
    token = csrf.csrf_token(call.settings, principal.session_id) if principal.session_id else ""
    return render(
        call,
        "dashboard.html",
        user=user,
        member_id=principal.member_id,
        is_admin=principal.role is Role.ADMIN,
        csrf_token=token,
        language=user.language,
    )


ROUTES = [login_page, login_submit, logout_submit, dashboard]
