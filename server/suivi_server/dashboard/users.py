"""A merchant's staff in the database: invitations, roles, disabling, and the last admin.

Emails are stored lower-cased and are unique across merchants: one address, one account.
Invitation links carry a random token; only its SHA-256 is stored, so a copy of the
database cannot be used to accept a pending invitation.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.storage.merchants import Merchant
from suivi_server.storage.schema import dashboard_sessions, dashboard_users, merchants

Role = Literal["admin", "agent"]
ROLES: tuple[Role, ...] = ("admin", "agent")
INVITATION_LIFETIME = timedelta(days=7)
_u = dashboard_users.c


@dataclass(frozen=True)
class StaffUser:
    id: int
    merchant_id: int
    email: str
    name: str
    role: Role
    password_hash: str | None
    invitation_expires_at: datetime | None
    last_login_at: datetime | None
    disabled_at: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def pending(self) -> bool:
        """Invited, but the invitation was not accepted yet."""
        return self.password_hash is None

    def status(self, now: datetime) -> Literal["active", "pending", "expired", "disabled"]:
        if self.disabled_at is not None:
            return "disabled"
        if not self.pending:
            return "active"
        expires = self.invitation_expires_at
        return "pending" if expires is not None and expires > now else "expired"


class LastAdmin(Exception):
    """The change would leave the merchant without an active admin."""


class AlreadyMember(Exception):
    """The address already has an account (with this merchant or another)."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: Any) -> StaffUser:
    return StaffUser(
        row.id,
        row.merchant_id,
        row.email,
        row.name,
        row.role,
        row.password_hash,
        row.invitation_expires_at,
        row.last_login_at,
        row.disabled_at,
    )


_SELECT = sa.select(
    _u.id,
    _u.merchant_id,
    _u.email,
    _u.name,
    _u.role,
    _u.password_hash,
    _u.invitation_expires_at,
    _u.last_login_at,
    _u.disabled_at,
)


async def by_email(conn: AsyncConnection, email: str) -> StaffUser | None:
    row = (await conn.execute(_SELECT.where(_u.email == normalize_email(email)))).first()
    return _user(row) if row else None


async def by_id(conn: AsyncConnection, merchant_id: int, user_id: int) -> StaffUser | None:
    query = _SELECT.where(_u.id == user_id, _u.merchant_id == merchant_id)
    row = (await conn.execute(query)).first()
    return _user(row) if row else None


async def of_merchant(conn: AsyncConnection, merchant_id: int) -> list[StaffUser]:
    """Every account of the merchant, by email (ix_dashboard_users_merchant_id)."""
    query = _SELECT.where(_u.merchant_id == merchant_id).order_by(_u.email)
    return [_user(row) for row in await conn.execute(query)]


async def invite(
    conn: AsyncConnection, merchant_id: int, email: str, role: Role, now: datetime
) -> str:
    """Create a pending account and return the invitation token (shown once, stored hashed)."""
    email = normalize_email(email)
    if await by_email(conn, email) is not None:
        raise AlreadyMember(email)
    token = secrets.token_urlsafe(32)
    await conn.execute(
        sa.insert(dashboard_users).values(
            merchant_id=merchant_id,
            email=email,
            role=role,
            invitation_hash=token_hash(token),
            invitation_expires_at=now + INVITATION_LIFETIME,
            created_at=now,
        )
    )
    return token


async def renew_invitation(
    conn: AsyncConnection, merchant_id: int, user_id: int, now: datetime
) -> str | None:
    """A fresh token for a still-pending account (the old link stops working); None otherwise."""
    token = secrets.token_urlsafe(32)
    result = await conn.execute(
        sa.update(dashboard_users)
        .where(_u.id == user_id, _u.merchant_id == merchant_id, _u.password_hash.is_(None))
        .values(invitation_hash=token_hash(token), invitation_expires_at=now + INVITATION_LIFETIME)
    )
    return token if result.rowcount else None


async def by_invitation(conn: AsyncConnection, token: str, now: datetime) -> StaffUser | None:
    """The pending account a live invitation token names (unique index on its hash)."""
    row = (
        await conn.execute(
            _SELECT.where(
                _u.invitation_hash == token_hash(token),
                _u.invitation_expires_at > now,
                _u.password_hash.is_(None),
                _u.disabled_at.is_(None),
            )
        )
    ).first()
    return _user(row) if row else None


async def accept(
    conn: AsyncConnection, user_id: int, name: str, password_hash: str, now: datetime
) -> bool:
    """Set name and password and burn the token; False when someone used it first."""
    result = await conn.execute(
        sa.update(dashboard_users)
        .where(_u.id == user_id, _u.password_hash.is_(None), _u.invitation_hash.is_not(None))
        .values(
            name=name,
            password_hash=password_hash,
            invitation_hash=None,
            invitation_expires_at=None,
            last_login_at=now,
        )
    )
    return bool(result.rowcount)


async def set_password(conn: AsyncConnection, user_id: int, password_hash: str) -> None:
    await conn.execute(
        sa.update(dashboard_users).where(_u.id == user_id).values(password_hash=password_hash)
    )


async def record_login(conn: AsyncConnection, user_id: int, now: datetime) -> None:
    await conn.execute(sa.update(dashboard_users).where(_u.id == user_id).values(last_login_at=now))


async def _other_active_admins(conn: AsyncConnection, merchant_id: int, user_id: int) -> int:
    query = sa.select(sa.func.count()).where(
        _u.merchant_id == merchant_id,
        _u.id != user_id,
        _u.role == "admin",
        _u.disabled_at.is_(None),
        _u.password_hash.is_not(None),
    )
    return int((await conn.execute(query)).scalar_one())


async def _lock_admins(conn: AsyncConnection, merchant_id: int) -> None:
    """Serialize changes to a merchant's admins (PostgreSQL row locks; SQLite writes one at a
    time already), so two admins demoting each other at once cannot both succeed."""
    await conn.execute(
        sa.select(_u.id).where(_u.merchant_id == merchant_id, _u.role == "admin").with_for_update()
    )


async def change_role(conn: AsyncConnection, merchant_id: int, user_id: int, role: Role) -> bool:
    """False when there is no such user; LastAdmin when it would demote the last admin."""
    await _lock_admins(conn, merchant_id)
    user = await by_id(conn, merchant_id, user_id)
    if user is None:
        return False
    if (
        user.is_admin
        and role != "admin"
        and not await _other_active_admins(conn, merchant_id, user_id)
    ):
        raise LastAdmin(user.email)
    await conn.execute(sa.update(dashboard_users).where(_u.id == user_id).values(role=role))
    return True


async def disable(conn: AsyncConnection, merchant_id: int, user_id: int, now: datetime) -> bool:
    """Disable the account and end its sessions; LastAdmin for the last active admin."""
    await _lock_admins(conn, merchant_id)
    user = await by_id(conn, merchant_id, user_id)
    if user is None:
        return False
    if user.is_admin and not await _other_active_admins(conn, merchant_id, user_id):
        raise LastAdmin(user.email)
    await conn.execute(
        sa.update(dashboard_users)
        .where(_u.id == user_id)
        .values(disabled_at=now, invitation_hash=None, invitation_expires_at=None)
    )
    await conn.execute(sa.delete(dashboard_sessions).where(dashboard_sessions.c.user_id == user_id))
    return True


async def enable(conn: AsyncConnection, merchant_id: int, user_id: int) -> bool:
    result = await conn.execute(
        sa.update(dashboard_users)
        .where(_u.id == user_id, _u.merchant_id == merchant_id)
        .values(disabled_at=None)
    )
    return bool(result.rowcount)


async def user_and_merchant(
    conn: AsyncConnection, user_id: int
) -> tuple[StaffUser, Merchant] | None:
    """An enabled account and its merchant, for the session that names it."""
    m = merchants.c
    query = (
        _SELECT.add_columns(
            m.slug.label("m_slug"),
            m.name.label("m_name"),
            m.theme.label("m_theme"),
            m.settings.label("m_settings"),
        )
        .join(merchants, m.id == _u.merchant_id)
        .where(_u.id == user_id, _u.disabled_at.is_(None), _u.password_hash.is_not(None))
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    merchant = Merchant(
        row.merchant_id, row.m_slug, row.m_name, row.m_theme, dict(row.m_settings or {})
    )
    return _user(row), merchant
