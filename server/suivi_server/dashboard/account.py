"""The signed-in user's own account: signing out, and changing one's password (which ends
every other session of the account, wherever it was opened)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from suivi_server.dashboard import passwords, render, sessions, users
from suivi_server.dashboard.access import DashboardRoute, Desk
from suivi_server.pages.i18n import N_

ACCOUNT = N_("Your account")
WRONG_PASSWORD = N_("Your current password is not this one.")
MISMATCH = N_("The two passwords differ.")
CHANGED = N_("Your password is changed. Your other sessions are closed.")
MAX_FIELD = 300


async def account(request: Request, desk: Desk) -> Response:
    return render.page(request, desk, "account.html", title=ACCOUNT)


async def change_password(request: Request, desk: Desk) -> Response:
    form = await request.form()
    fields = {k: v[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}
    new = fields.get("password", "")
    problem = (
        (
            None
            if passwords.verify_password(desk.user.password_hash, fields.get("current", ""))
            else WRONG_PASSWORD
        )
        or passwords.password_problem(new, desk.user.email)
        or (MISMATCH if new != fields.get("confirm", "") else None)
    )
    if problem:
        return render.page(request, desk, "account.html", title=ACCOUNT, status=400, error=problem)
    await users.set_password(desk.conn, desk.user.id, passwords.hash_password(new))
    await sessions.close_others(desk.conn, desk.user.id, keep=desk.session_id)
    return render.redirect(desk.services.settings, "/dashboard/account", flash=CHANGED)


async def logout(request: Request, desk: Desk) -> Response:
    await sessions.close(desk.conn, desk.session_id)
    response = render.redirect(desk.services.settings, "/dashboard/login")
    sessions.clear_cookie(response, desk.services.settings)
    return response


ROUTES = [
    DashboardRoute("/account", account, name="account"),
    DashboardRoute("/account/password", change_password, methods=("POST",), name="password"),
    DashboardRoute("/logout", logout, methods=("POST",), name="logout"),
]
