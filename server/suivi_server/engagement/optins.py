"""Opt-ins to updates on one parcel by SMS or email: validated, confirmed by a code, revocable.

The code (6 digits) reaches the address through the outbox, as an "optin_confirmation" row
written directly: it is not a merchant event, so the merchant's rules do not apply to it. Only
an HMAC of the code is kept; a code lives 30 minutes and allows 5 attempts. What the sender
may use is `confirmed_optins()`: confirmed and not revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.notifications.message_wording import OPTIN_CONFIRMATION
from suivi_server.notifications.optouts import record_optout
from suivi_server.notifications.planner import idempotency_key
from suivi_server.notifications.sms import mobile_number
from suivi_server.pages.i18n import N_
from suivi_server.pages.queries import as_utc
from suivi_server.storage.schema import notification_optins, notification_optouts, notifications

CHANNELS = ("sms", "email")
CHANNEL_NAMES = {"sms": N_("text message"), "email": N_("email")}
EVENT = OPTIN_CONFIRMATION
CODE_LIFETIME = timedelta(minutes=30)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(minutes=1)
MAX_PER_SHIPMENT = 5
MAX_ADDRESS = 320

BAD_CHANNEL = N_("Please choose SMS or email.")
BAD_PHONE = N_("This does not look like a mobile number that can receive text messages.")
BAD_EMAIL = N_("This does not look like a valid email address.")
TOO_SOON = N_("A code was sent a moment ago: please wait a minute before asking again.")
TOO_MANY = N_("Too many addresses for this parcel already.")
TOO_MANY_CODES = N_("Too many codes were asked for today: please try again tomorrow.")
# Codes sent per day, per parcel and per address: a tracking link must not become a way to
# flood someone's phone (each code is an SMS the merchant pays for).
CODES_PER_DAY = {"shipment": 10, "address": 3}

Outcome = Literal["confirmed", "wrong", "expired", "locked", "missing"]
# What the shopper reads when a code does not confirm.
OUTCOME_MESSAGES: dict[str, str] = {
    "wrong": N_("This code is not the right one: check it and try again."),
    "expired": N_("This code has expired: ask for a new one."),
    "locked": N_("Too many wrong codes: ask for a new one."),
    "missing": N_("This request no longer exists: ask again."),
}
_o = notification_optins.c


class OptinInvalid(ValueError):
    """`message` is a message id to translate for the shopper."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Optin:
    id: int
    channel: str
    address: str
    requested_at: datetime
    confirmed_at: datetime | None
    attempts: int


def _optin(row: Any) -> Optin:
    return Optin(
        row.id,
        row.channel,
        row.address,
        as_utc(row.requested_at),
        as_utc(row.confirmed_at) if row.confirmed_at else None,
        row.attempts,
    )


def normalized_address(channel: str, raw: str, country: str | None) -> str:
    """E.164 for SMS (read in the shipment's country), lower-cased for email; raises
    OptinInvalid."""
    if channel not in CHANNELS:
        raise OptinInvalid(BAD_CHANNEL)
    raw = raw.strip()
    if channel == "sms":
        number = mobile_number(raw[:40], country) if len(raw) <= 40 else None
        if number is None:
            raise OptinInvalid(BAD_PHONE)
        return number
    if len(raw) > MAX_ADDRESS:
        raise OptinInvalid(BAD_EMAIL)
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise OptinInvalid(BAD_EMAIL) from None


def code_hash(keys: Sequence[str], shipment_id: int, channel: str, address: str, code: str) -> str:
    message = f"{shipment_id}:{channel}:{address}:{code}".encode()
    return hmac.new(keys[0].encode(), message, hashlib.sha256).hexdigest()


async def request_optin(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    shipment: Mapping[str, Any],
    channel: str,
    raw_address: str,
    keys: Sequence[str],
    now: datetime,
) -> Optin:
    """Record the request and queue its code; the same address asked again gets a new code."""
    shipment_id = int(shipment["id"])
    address = normalized_address(channel, raw_address, shipment["customer_country"])
    mine = (_o.shipment_id == shipment_id, _o.channel == channel, _o.address == address)
    row = (await conn.execute(sa.select(notification_optins).where(*mine))).first()
    if row is not None and as_utc(row.requested_at) + RESEND_AFTER > now:
        raise OptinInvalid(TOO_SOON)
    await _within_daily_codes(conn, shipment_id, address, now)
    code = f"{secrets.randbelow(10**6):06d}"
    values = {
        "confirmation_hash": code_hash(keys, shipment_id, channel, address, code),
        "attempts": 0,
        "requested_at": now,
        "confirmed_at": None,
        "revoked_at": None,
    }
    if row is None:
        count = sa.select(sa.func.count()).where(_o.shipment_id == shipment_id)
        if (await conn.execute(count)).scalar_one() >= MAX_PER_SHIPMENT:
            raise OptinInvalid(TOO_MANY)
        inserted = await conn.execute(
            sa.insert(notification_optins)
            .values(
                merchant_id=merchant_id,
                shipment_id=shipment_id,
                channel=channel,
                address=address,
                **values,
            )
            .returning(_o.id)
        )
        optin_id = int(inserted.scalar_one())
    else:
        optin_id = row.id
        await conn.execute(sa.update(notification_optins).where(*mine).values(**values))
    await _queue_code(conn, merchant_id, shipment_id, optin_id, channel, address, code, now)
    return Optin(optin_id, channel, address, now, None, 0)


async def _within_daily_codes(
    conn: AsyncConnection, shipment_id: int, address: str, now: datetime
) -> None:
    n = notifications.c
    sent = sa.select(sa.func.count()).where(
        n.event == EVENT, n.created_at > now - timedelta(days=1)
    )
    for scope, limit in CODES_PER_DAY.items():
        which = n.shipment_id == shipment_id if scope == "shipment" else n.recipient == address
        if (await conn.execute(sent.where(which))).scalar_one() >= limit:
            raise OptinInvalid(TOO_MANY_CODES)


async def _queue_code(
    conn: AsyncConnection,
    merchant_id: int,
    shipment_id: int,
    optin_id: int,
    channel: str,
    address: str,
    code: str,
    now: datetime,
) -> None:
    """The outbox row carrying the code, as the planner writes rows (planner._write)."""
    occurrence = f"{optin_id}@{now.isoformat()}"
    await conn.execute(
        sa.insert(notifications).values(
            merchant_id=merchant_id,
            shipment_id=shipment_id,
            event=EVENT,
            occurrence=occurrence[:100],
            channel=channel,
            idempotency_key=idempotency_key(shipment_id, EVENT, occurrence, channel),
            facts={"code": code, "address": address},
            recipient=address,
            template=None,
            due_at=now,
            created_at=now,
            updated_at=now,
        )
    )


async def confirm_optin(
    conn: AsyncConnection,
    *,
    shipment_id: int,
    optin_id: int,
    code: str,
    keys: Sequence[str],
    now: datetime,
) -> Outcome:
    """Check a code; every try counts as an attempt, taken before the check in one statement,
    so parallel guesses cannot exceed MAX_ATTEMPTS (the caller commits it either way)."""
    mine = (_o.id == optin_id, _o.shipment_id == shipment_id, _o.revoked_at.is_(None))
    taken = (
        await conn.execute(
            sa.update(notification_optins)
            .where(
                *mine,
                _o.confirmed_at.is_(None),
                _o.confirmation_hash.is_not(None),
                _o.attempts < MAX_ATTEMPTS,
            )
            .values(attempts=_o.attempts + 1)
            .returning(
                _o.merchant_id,
                _o.channel,
                _o.address,
                _o.requested_at,
                _o.confirmation_hash,
                _o.attempts,
            )
        )
    ).first()
    if taken is None:
        row = (await conn.execute(sa.select(notification_optins).where(*mine))).first()
        if row is None:
            return "missing"
        return "confirmed" if row.confirmed_at is not None else "locked"
    if as_utc(taken.requested_at) + CODE_LIFETIME <= now:
        return "expired"
    candidates = [
        code_hash([key], shipment_id, taken.channel, taken.address, code.strip()) for key in keys
    ]
    if not any(hmac.compare_digest(c, taken.confirmation_hash) for c in candidates):
        return "locked" if taken.attempts >= MAX_ATTEMPTS else "wrong"
    await conn.execute(
        sa.update(notification_optins).where(*mine).values(confirmed_at=now, confirmation_hash=None)
    )
    # asking here is a fresh consent: an earlier unsubscribe from this merchant no longer holds
    o = notification_optouts.c
    await conn.execute(
        sa.delete(notification_optouts).where(
            o.merchant_id == taken.merchant_id,
            o.channel == taken.channel,
            o.address == taken.address,
        )
    )
    return "confirmed"


async def revoke_optin(
    conn: AsyncConnection, *, shipment_id: int, optin_id: int, now: datetime
) -> bool:
    """The page's "stop" button; False when there was nothing to stop. A stopped address gets
    no more messages from this merchant on that channel, even the ones its rules send."""
    result = await conn.execute(
        sa.update(notification_optins)
        .where(_o.id == optin_id, _o.shipment_id == shipment_id, _o.revoked_at.is_(None))
        .values(revoked_at=now, confirmation_hash=None)
        .returning(_o.merchant_id, _o.channel, _o.address, _o.confirmed_at)
    )
    stopped = result.first()
    if stopped is None:
        return False
    if stopped.confirmed_at is not None:
        await record_optout(conn, stopped.merchant_id, stopped.channel, stopped.address, now)
    return True


async def live_optins(conn: AsyncConnection, shipment_id: int) -> list[Optin]:
    """Pending and confirmed opt-ins of a shipment, for its page."""
    query = sa.select(notification_optins).where(
        _o.shipment_id == shipment_id, _o.revoked_at.is_(None)
    )
    return [_optin(r) for r in (await conn.execute(query.order_by(_o.id))).all()]


async def confirmed_optins(conn: AsyncConnection, shipment_id: int) -> dict[str, str]:
    """Channel → the confirmed, unrevoked address (the latest confirmed one per channel)."""
    query = sa.select(_o.channel, _o.address).where(
        _o.shipment_id == shipment_id,
        _o.confirmed_at.is_not(None),
        _o.revoked_at.is_(None),
    )
    rows = (await conn.execute(query.order_by(_o.confirmed_at, _o.id))).all()
    return {row.channel: row.address for row in rows}
