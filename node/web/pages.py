"""Browser pages (server-rendered with Jinja2): sign in, sign out and a small dashboard.

Pages are declared with :func:`node.web.api.api_route` like the JSON API, so their roles are
checked by the same wrapper, they appear in ``/openapi.json`` and the access-control test covers
them. A browser is authenticated by the ``coopnode_session`` cookie (see
:mod:`node.identity.csrf`); every form carries the session's CSRF token, and the sign-in form,
posted before any session exists, the token of the pre-session cookie ``coopnode_login_csrf``.

==================  ======================  ================================================
``GET  /login``     anyone                  the form and the pre-session CSRF cookie
                                            (signed-in browsers go to ``/``)
``POST /login``     anyone                  sign in (staff and admins also give their code);
                                            without the matching login CSRF token: the form
                                            again with 403 and an error, nobody signed in
``POST /logout``    member, staff, admin    end the session (needs the CSRF token)
``GET  /``          member, staff, admin    who you are, links (anonymous browsers → /login)
==================  ======================  ================================================

Pages speak the language of the signed-in user (``users.language``), else the browser's
(``Accept-Language``), else the node's (``node.language``): :func:`page_language`. Templates mark
their text with ``{{ _("…") }}`` and ``{% trans %}`` (Jinja2's i18n extension bound to
:mod:`node.i18n`); messages from problems raised by services (wrong password, throttling …) are
translated like the ``detail`` of problem documents.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response

from node import i18n
from node.config import SUPPORTED_LANGUAGES
from node.errors import CsrfFailed, Problem
from node.i18n import N_, negotiate, translate, translate_formatted, use_language
from node.identity import csrf, service, sessions
from node.identity.api import client_address
from node.identity.models import User
from node.identity.roles import Role
from node.web.api import ANY_USER, HTML, PUBLIC, Call, api_route
from node.web.validation import obj

templates = Environment(
    loader=PackageLoader("node.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    extensions=["jinja2.ext.i18n"],
)
# Whitespace inside {% trans %} is collapsed, as the extractor does (``trimmed`` in babel.cfg).
templates.policies["ext.i18n.trimmed"] = True
# _() / gettext() / ngettext() in templates translate into node.i18n's current language, which
# render() sets for the page. New-style: ``_("Hello %(name)s", name=…)`` escapes its values.
templates.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
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
ROLE_NAMES = {
    Role.MEMBER.value: N_("member"),
    Role.STAFF.value: N_("staff"),
    Role.ADMIN.value: N_("administrator"),
}
LOGIN_CSRF_FAILED = N_(
    "The sign-in form had expired or did not come from this site. Please sign in again."
)


def page_language(call: Call, user: User | None = None) -> str:
    """The signed-in user's language, else the browser's choice, else the node's default."""
    if user is not None and user.language in SUPPORTED_LANGUAGES:
        return user.language
    default = call.settings["node.language"]
    return negotiate(call.request.headers.get("accept-language"), default=default)


def render(
    call: Call, template: str, status: int = 200, *, language: str | None = None, **context: Any
) -> HTMLResponse:
    """Render ``template`` in ``language`` (default: :func:`page_language` without a user)."""
    context.setdefault("node_name", call.settings["node.name"])
    with use_language(language or page_language(call)) as current:
        html = templates.get_template(template).render(language=current, **context)
    headers = {**PAGE_HEADERS, "Content-Language": current, "Vary": "Accept-Language, Cookie"}
    return HTMLResponse(html, status, headers=headers)


def problem_message(problem: Problem, language: str) -> str:
    """What a page shows for ``problem``: its detail (or title), translated when catalogued."""
    return translate_formatted(problem.detail or problem.title, language)


def login_form(
    call: Call, status: int = 200, *, email: str = "", error: str | None = None
) -> Response:
    """The sign-in page with its pre-session CSRF cookie and token.

    A browser that already holds a well-formed cookie keeps it (several open tabs stay valid);
    otherwise a new random value is set. The form carries the HMAC of the cookie.
    """
    nonce = call.request.cookies.get(csrf.LOGIN_COOKIE_NAME)
    if nonce is None or not csrf.is_login_nonce(nonce):
        nonce = csrf.new_login_nonce()
    page = render(
        call,
        "login.html",
        status,
        email=email,
        error=error,
        csrf_token=csrf.login_csrf_token(call.settings, nonce),
    )
    page.set_cookie(csrf.LOGIN_COOKIE_NAME, nonce, **csrf.login_cookie_options(call.settings))
    return page


def redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


@api_route("GET", "/login", summary="The sign-in page.", roles=PUBLIC, tag="pages", media_type=HTML)
def login_page(call: Call) -> Response:
    if call.principal is not None and call.principal.via_cookie:
        return redirect("/")
    return login_form(call)


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
    """On success, 303 to ``/`` with the cookie; else the form again with the reason.

    403 when the login CSRF token does not match the browser's ``coopnode_login_csrf`` cookie
    (checked before the password, so a forged post neither signs in nor counts as a failure);
    401 for wrong credentials or a missing/wrong code, 429 when throttled.
    """
    email = call.body["email"]
    language = page_language(call)
    presented = getattr(call.request.state, "csrf_token", None)
    nonce = call.request.cookies.get(csrf.LOGIN_COOKIE_NAME)
    if not csrf.login_csrf_valid(call.settings, nonce, presented):
        refused = CsrfFailed(LOGIN_CSRF_FAILED)
        return login_form(
            call, refused.status, email=email, error=problem_message(refused, language)
        )
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
        page = login_form(
            call, problem.status, email=email, error=problem_message(problem, language)
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
    login_options = csrf.login_cookie_options(call.settings, max_age=0)
    response.delete_cookie(
        csrf.LOGIN_COOKIE_NAME,
        path=login_options["path"],
        secure=login_options["secure"],
        httponly=True,
        samesite="strict",
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
    language = page_language(call, user)
    return render(
        call,
        "dashboard.html",
        language=language,
        user=user,
        role_name=translate(ROLE_NAMES.get(user.role, user.role), language),
        member_id=principal.member_id,
        is_admin=principal.role is Role.ADMIN,
        csrf_token=token,
    )


ROUTES = [login_page, login_submit, logout_submit, dashboard]
