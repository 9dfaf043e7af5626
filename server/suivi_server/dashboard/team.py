"""The team page (admins only): who can sign in, inviting, roles, disabling, new links.

The last active admin can be neither demoted nor disabled, so a shop never locks itself out.
Disabling ends the user's sessions at once. Lists use ix_dashboard_users_merchant_id.
"""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from starlette.requests import Request
from starlette.responses import Response

from suivi_server.dashboard import invitations, render, users
from suivi_server.dashboard.access import DashboardRoute, Desk
from suivi_server.pages.i18n import N_

TEAM = N_("Team")
BAD_EMAIL = N_("This email address is not valid.")
BAD_ROLE = N_("Choose the role admin or agent.")
TAKEN = N_("This address already has an account.")
LAST_ADMIN = N_("The shop needs at least one active admin: make someone else admin first.")
NO_SUCH_USER = N_("This user does not exist.")
SENT = N_("The invitation was sent to %(email)s.")
ROLE_CHANGED = N_("%(email)s is now %(role)s.")
DISABLED = N_("%(email)s can no longer sign in.")
ENABLED = N_("%(email)s can sign in again.")
ROLE_NAMES = {"admin": N_("Admin"), "agent": N_("Agent")}
STATES = {
    "active": N_("Active"),
    "pending": N_("Invited"),
    "expired": N_("Invitation expired"),
    "disabled": N_("Disabled"),
}
MAX_ID = 2**31 - 1
CSV_HEADER = (N_("Name"), N_("Email"), N_("Role"), N_("Status"), N_("Last sign-in"))


async def _fields(request: Request) -> dict[str, str]:
    return {k: v[:320] for k, v in (await request.form()).items() if isinstance(v, str)}


async def _show(
    request: Request, desk: Desk, *, status: int = 200, error: str | None = None, **extra: Any
) -> Response:
    team = await users.of_merchant(desk.conn, desk.merchant.id)
    if request.query_params.get("format") == "csv":
        t = desk.lang.gettext
        rows = [
            (
                u.name,
                u.email,
                t(ROLE_NAMES[u.role]),
                t(STATES[u.status(desk.now)]),
                u.last_login_at.isoformat() if u.last_login_at else "",
            )
            for u in team
        ]
        return render.csv_download("team.csv", [t(h) for h in CSV_HEADER], rows)
    return render.page(
        request,
        desk,
        "team.html",
        title=TEAM,
        status=status,
        error=error,
        team=[(u, u.status(desk.now)) for u in team],
        roles=ROLE_NAMES,
        states=STATES,
        **extra,
    )


async def team(request: Request, desk: Desk) -> Response:
    return await _show(request, desk)


async def _offer(request: Request, desk: Desk, email: str, token: str) -> Response:
    """Email the link when SMTP is configured; otherwise show it to the admin."""
    link = invitations.invitation_link(desk.services.settings, token)
    sent = await invitations.send(
        desk.services.settings.public_url,
        desk.lang,
        to=email,
        shop=desk.merchant.name,
        inviter=desk.user.name or desk.user.email,
        link=link,
    )
    if sent:
        return render.redirect(desk.services.settings, "/dashboard/team", flash=SENT, email=email)
    return await _show(request, desk, link=link, link_for=email)


async def invite(request: Request, desk: Desk) -> Response:
    fields = await _fields(request)
    role = fields.get("role", "")
    try:
        email = validate_email(fields.get("email", ""), check_deliverability=False).normalized
    except EmailNotValidError:
        return await _show(request, desk, status=400, error=BAD_EMAIL)
    if role not in users.ROLES:
        return await _show(request, desk, status=400, error=BAD_ROLE)
    try:
        token = await users.invite(desk.conn, desk.merchant.id, email, role, desk.now)
    except users.AlreadyMember:
        return await _show(request, desk, status=409, error=TAKEN)
    return await _offer(request, desk, users.normalize_email(email), token)


async def _member(request: Request, desk: Desk) -> users.StaffUser | None:
    """The user of the path, if one of this merchant's (ids past the column's range: none)."""
    user_id: int = request.path_params["user_id"]
    if user_id > MAX_ID:
        return None
    return await users.by_id(desk.conn, desk.merchant.id, user_id)


async def resend(request: Request, desk: Desk) -> Response:
    member = await _member(request, desk)
    token = None
    if member is not None:
        token = await users.renew_invitation(desk.conn, desk.merchant.id, member.id, desk.now)
    if member is None or token is None:
        return await _show(request, desk, status=404, error=NO_SUCH_USER)
    return await _offer(request, desk, member.email, token)


async def change_role(request: Request, desk: Desk) -> Response:
    role = (await _fields(request)).get("role", "")
    member = await _member(request, desk)
    if member is None:
        return await _show(request, desk, status=404, error=NO_SUCH_USER)
    if role not in users.ROLES:
        return await _show(request, desk, status=400, error=BAD_ROLE)
    try:
        await users.change_role(desk.conn, desk.merchant.id, member.id, role)
    except users.LastAdmin:
        return await _show(request, desk, status=409, error=LAST_ADMIN)
    role_name = desk.lang.gettext(ROLE_NAMES[role])
    return render.redirect(
        desk.services.settings,
        "/dashboard/team",
        flash=ROLE_CHANGED,
        email=member.email,
        role=role_name,
    )


async def disable(request: Request, desk: Desk) -> Response:
    member = await _member(request, desk)
    if member is None:
        return await _show(request, desk, status=404, error=NO_SUCH_USER)
    try:
        await users.disable(desk.conn, desk.merchant.id, member.id, desk.now)
    except users.LastAdmin:
        return await _show(request, desk, status=409, error=LAST_ADMIN)
    return render.redirect(
        desk.services.settings, "/dashboard/team", flash=DISABLED, email=member.email
    )


async def enable(request: Request, desk: Desk) -> Response:
    member = await _member(request, desk)
    if member is None or not await users.enable(desk.conn, desk.merchant.id, member.id):
        return await _show(request, desk, status=404, error=NO_SUCH_USER)
    return render.redirect(
        desk.services.settings, "/dashboard/team", flash=ENABLED, email=member.email
    )


ROUTES = [
    DashboardRoute("/team", team, name="team", nav=TEAM, role="admin"),
    DashboardRoute("/team/invite", invite, methods=("POST",), name="team_invite", role="admin"),
    DashboardRoute(
        "/team/{user_id:int}/role",
        change_role,
        methods=("POST",),
        name="team_role",
        role="admin",
    ),
    DashboardRoute(
        "/team/{user_id:int}/disable",
        disable,
        methods=("POST",),
        name="team_disable",
        role="admin",
    ),
    DashboardRoute(
        "/team/{user_id:int}/enable",
        enable,
        methods=("POST",),
        name="team_enable",
        role="admin",
    ),
    DashboardRoute(
        "/team/{user_id:int}/resend",
        resend,
        methods=("POST",),
        name="team_resend",
        role="admin",
    ),
]
