"""Signing in: the login form, and accepting an invitation (which signs in too).

Unknown email, wrong password and disabled account get the same answer after the same work
(one argon2 verification), so the form tells nothing about who has an account. Failures are
limited per client address and per account over a quarter of an hour, counted in the database
shared by every replica (the lookup form's `lookup_attempts` table, each limiter under its own
key prefix and pruned to its own window). An account guessed from many addresses is held by
the account's limit, one address guessing many accounts by the address's. A successful login
does not count. The form has no session to bind a token to: it is protected by the
Origin/Sec-Fetch-Site check and SameSite cookies.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from suivi_server.dashboard import guard, nul, passwords, render, sessions, users
from suivi_server.dashboard.access import CROSS_SITE, TOO_LARGE, Shell, refuse
from suivi_server.dashboard.body_limit import MAX_FORM_BYTES, BodyTooLarge, bounded, declared_over
from suivi_server.pages.attempts import AttemptLimiter, KeySpace, client_key
from suivi_server.pages.i18n import N_, Language

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 10
PER_ADDRESS = 30  # an office's agents share one address
MAX_FIELD = 300
BAD_LOGIN = N_("Wrong email or password.")
TOO_MANY = N_("Too many failed attempts. Please wait a quarter of an hour and try again.")
GONE = N_("This invitation link has expired or was already used. Ask an admin for a new one.")
MISMATCH = N_("The two passwords differ.")
NO_NAME = N_("Please give your name.")
SIGN_IN = N_("Sign in")
JOIN = N_("Join the dashboard")


def safe_next(value: str | None) -> str:
    """Where to go after signing in: only a path of the dashboard itself (no open redirect)."""
    value = value or ""
    inside = value == "/dashboard" or value.startswith("/dashboard/")
    return value if inside and "\\" not in value and "//" not in value else "/dashboard/"


def account_key(email: str) -> str:
    digest = hashlib.sha256(users.normalize_email(email).encode()).hexdigest()
    return digest[:40]


async def _fields(request: Request) -> dict[str, str] | None:
    """The form's text fields, each cut at MAX_FIELD; None when the body passes MAX_FORM_BYTES,
    declared or streamed (these forms are not behind the shell's bound: nobody is signed in)."""
    if declared_over(request, MAX_FORM_BYTES):
        return None
    try:
        form = await bounded(request, MAX_FORM_BYTES).form()
    except BodyTooLarge:
        return None
    return {k: v[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}


class Login:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        services = shell.services
        engine, clock = services.engine, services.clock
        self.by_address = AttemptLimiter(
            engine, PER_ADDRESS, WINDOW, clock, prefix=KeySpace.LOGIN_ADDRESS
        )
        self.by_account = AttemptLimiter(
            engine, PER_ACCOUNT, WINDOW, clock, prefix=KeySpace.LOGIN_ACCOUNT
        )

    def _page(
        self,
        request: Request,
        lang: Language,
        *,
        error: str | None = None,
        status: int = 200,
        email: str = "",
        headers: dict[str, str] | None = None,
    ) -> Response:
        response = render.public_page(
            request,
            self.shell.services.settings,
            lang,
            "login.html",
            title=SIGN_IN,
            status=status,
            error=error,
            email=email,
            next=safe_next(request.query_params.get("next")),
        )
        response.headers.update(headers or {})
        return response

    async def form(self, request: Request) -> Response:
        return self._page(request, self.shell.language(request))

    async def submit(self, request: Request) -> Response:
        services, lang = self.shell.services, self.shell.language(request)
        if not guard.same_origin(request, services.settings.public_url):
            return refuse(request, services, lang, 403, CROSS_SITE)
        fields = await _fields(request)
        if fields is None:
            return refuse(request, services, lang, 413, TOO_LARGE)
        if nul.any_nul([*fields, *fields.values()]):
            return refuse(request, services, lang, 400, nul.HOLDS_NUL)
        email, password = fields.get("email", "").strip(), fields.get("password", "")
        address = client_key(request.client.host if request.client else None)
        account = account_key(email)
        if await self.by_address.blocked(address) or await self.by_account.blocked(account):
            retry = {"Retry-After": str(int(WINDOW.total_seconds()))}
            return self._page(request, lang, error=TOO_MANY, status=429, email=email, headers=retry)
        now = services.clock()
        async with services.engine.begin() as conn:
            user = await users.by_email(conn, email) if email else None
            matches = passwords.verify_password(user.password_hash if user else None, password)
            if user is not None and matches and user.disabled_at is None:
                if passwords.needs_rehash(user.password_hash or ""):
                    await users.set_password(conn, user.id, passwords.hash_password(password))
                await users.record_login(conn, user.id, now)
                token = await sessions.open_session(conn, user, now)
                response = RedirectResponse(safe_next(fields.get("next")), status_code=303)
                sessions.set_cookie(response, services.settings, token)
                return response
        await self.by_address.allow(address)
        await self.by_account.allow(account)
        return self._page(request, lang, error=BAD_LOGIN, status=400, email=email)


class Invitation:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def _page(
        self,
        request: Request,
        lang: Language,
        user: users.StaffUser,
        *,
        error: str | None = None,
        status: int = 200,
        name: str = "",
    ) -> Response:
        return render.public_page(
            request,
            self.shell.services.settings,
            lang,
            "invitation.html",
            title=JOIN,
            status=status,
            error=error,
            invited=user,
            name=name,
        )

    async def form(self, request: Request) -> Response:
        services, lang = self.shell.services, self.shell.language(request)
        async with services.engine.connect() as conn:
            user = await users.by_invitation(conn, request.path_params["token"], services.clock())
        if user is None:
            return refuse(request, services, lang, 404, GONE)
        return self._page(request, lang, user)

    async def accept(self, request: Request) -> Response:
        services, lang = self.shell.services, self.shell.language(request)
        if not guard.same_origin(request, services.settings.public_url):
            return refuse(request, services, lang, 403, CROSS_SITE)
        fields = await _fields(request)
        if fields is None:
            return refuse(request, services, lang, 413, TOO_LARGE)
        if nul.any_nul([*fields, *fields.values()]):
            return refuse(request, services, lang, 400, nul.HOLDS_NUL)
        name, password = fields.get("name", "").strip(), fields.get("password", "")
        now = services.clock()
        async with services.engine.begin() as conn:
            user = await users.by_invitation(conn, request.path_params["token"], now)
            if user is None:
                return refuse(request, services, lang, 404, GONE)
            problem = (
                (NO_NAME if not name else None)
                or passwords.password_problem(password, user.email)
                or (MISMATCH if password != fields.get("confirm", "") else None)
            )
            if problem:
                return self._page(request, lang, user, error=problem, status=400, name=name)
            if not await users.accept(conn, user.id, name, passwords.hash_password(password), now):
                return refuse(request, services, lang, 404, GONE)
            token = await sessions.open_session(conn, user, now)
        response = RedirectResponse("/dashboard/", status_code=303)
        sessions.set_cookie(response, services.settings, token)
        return response


def routes(shell: Shell) -> list[BaseRoute]:
    login, invitation = Login(shell), Invitation(shell)
    return [
        Route("/login", login.form, methods=["GET"], name="login"),
        Route("/login", login.submit, methods=["POST"], name="login_submit"),
        Route("/invitation/{token}", invitation.form, methods=["GET"], name="invitation"),
        Route("/invitation/{token}", invitation.accept, methods=["POST"], name="accept"),
    ]
