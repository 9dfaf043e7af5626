"""Server-side staff sessions: the cookie carries a random token, the table only its SHA-256.

A session ends after IDLE without a request, or LIFETIME after login whatever the activity;
logging out deletes its row, and a password change or a disabled account deletes them all.

The cookie is `__Host-suivi_dash` (Secure, HttpOnly, SameSite=Lax, Path=/) when the public URL
is https. Browsers refuse `__Host-` and Secure cookies over plain http, so a server whose
SUIVI_PUBLIC_URL is http (development, tests) names it `suivi_dash` and drops Secure.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from suivi_server.config import Settings
from suivi_server.dashboard.users import StaffUser, token_hash
from suivi_server.storage.schema import dashboard_sessions, dashboard_users

IDLE = timedelta(hours=2)
LIFETIME = timedelta(hours=12)
# last_seen_at is written at most this often: reading a page should not always write a row.
TOUCH_EVERY = timedelta(minutes=1)
_s = dashboard_sessions.c
_u = dashboard_users.c


@dataclass(frozen=True)
class Session:
    id: int
    user_id: int
    csrf_token: str


def cookie_name(settings: Settings) -> str:
    return "__Host-suivi_dash" if secure(settings) else "suivi_dash"


def secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


async def open_session(conn: AsyncConnection, user: StaffUser, now: datetime) -> str:
    """A new session for `user`; returns the cookie's token (stored only as its hash)."""
    token = secrets.token_urlsafe(32)
    await conn.execute(
        sa.insert(dashboard_sessions).values(
            user_id=user.id,
            token_hash=token_hash(token),
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + LIFETIME,
            last_seen_at=now,
        )
    )
    return token


async def current(conn: AsyncConnection, token: str, now: datetime) -> Session | None:
    """The live session of an enabled account that `token` names; an expired one is deleted."""
    row = (
        await conn.execute(
            sa.select(_s.id, _s.user_id, _s.csrf_token, _s.expires_at, _s.last_seen_at)
            .join(dashboard_users, _u.id == _s.user_id)
            .where(_s.token_hash == token_hash(token), _u.disabled_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    if now >= row.expires_at or now >= row.last_seen_at + IDLE:
        await conn.execute(sa.delete(dashboard_sessions).where(_s.id == row.id))
        return None
    if now >= row.last_seen_at + TOUCH_EVERY:
        await conn.execute(
            sa.update(dashboard_sessions).where(_s.id == row.id).values(last_seen_at=now)
        )
    return Session(row.id, row.user_id, row.csrf_token)


async def close(conn: AsyncConnection, session_id: int) -> None:
    await conn.execute(sa.delete(dashboard_sessions).where(_s.id == session_id))


async def close_others(conn: AsyncConnection, user_id: int, keep: int | None) -> None:
    """End every session of the user but `keep` (after a password change)."""
    query = sa.delete(dashboard_sessions).where(_s.user_id == user_id)
    if keep is not None:
        query = query.where(_s.id != keep)
    await conn.execute(query)


def set_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        cookie_name(settings),
        token,
        max_age=int(LIFETIME.total_seconds()),
        path="/",
        secure=secure(settings),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings), path="/", secure=secure(settings), httponly=True, samesite="lax"
    )
