"""Staff passwords: argon2id hashes, a dummy check for unknown accounts, and the policy.

An unknown email still costs one hash verification, so the time a login takes does not tell
whether the account exists.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from suivi_server.pages.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 256  # hashing a megabyte of "password" is a cheap way to load the server
TOO_SHORT = N_("Choose a password of at least 12 characters.")
TOO_LONG = N_("This password is too long.")
IS_EMAIL = N_("Your password must not be your email address.")

_HASHER = PasswordHasher()  # argon2id with the library's current recommended cost


@cache
def _dummy() -> str:
    """Made on first use: hashing costs time the commands that never check a password skip."""
    return _HASHER.hash("not a password anyone has: unknown accounts check against it")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches; an account without a hash still spends the same time."""
    try:
        return _HASHER.verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """The hash was made with weaker parameters than today's: store a new one at login."""
    return _HASHER.check_needs_rehash(stored)


def password_problem(password: str, email: str) -> str | None:
    """Why a chosen password is refused (a message id), or None."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    if password.strip().casefold() == email.strip().casefold():
        return IS_EMAIL
    return None
