"""Secrets on the server: merchant API keys (stored hashed) and signed tracking-page links.

API keys look like `sk_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of the whole key
is compared in constant time. Page tokens are itsdangerous-signed shipment ids; the first secret
signs, every listed secret verifies, so secrets rotate without breaking links already sent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

KEY_PREFIX = "sk"
_TOKEN_SALT = "suivi.tracking-page"
# HMAC keys shorter than this can be guessed or are typos (a blank entry in a list).
MIN_SECRET_BYTES = 32
GRANTS_KEPT = 4096  # verified links remembered: ~300 bytes each


@dataclass(frozen=True, slots=True)
class NewApiKey:
    key: str
    prefix: str
    key_hash: str


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_api_key() -> NewApiKey:
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(key=key, prefix=prefix, key_hash=hash_api_key(key))


def api_key_prefix(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1]:
        return None
    return parts[1]


def api_key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key), stored_hash)


class InvalidToken(Exception):
    """A page token that is forged, tampered with or expired."""


def _signer_on(clock: Callable[[], datetime]) -> type[TimestampSigner]:
    """A signer that dates links, and measures their age, by the server's clock."""

    class ClockedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock().timestamp())

    return ClockedSigner


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PageGrant:
    """An authentic link: its shipment, its own expiry if it has one, and when it was signed."""

    shipment_id: int
    expires_at: datetime | None
    signed_at: datetime


def _granted(value: object) -> tuple[int, datetime | None]:
    if isinstance(value, int) and not isinstance(value, bool):
        return value, None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return value[0], datetime.fromtimestamp(value[1], UTC)
    raise InvalidToken("invalid link")


class PageTokens:
    def __init__(
        self, secret_keys: tuple[str, ...], *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is required")
        if any(len(key.encode()) < MIN_SECRET_BYTES for key in secret_keys):
            raise ValueError(f"every secret key must be at least {MIN_SECRET_BYTES} bytes")
        # itsdangerous signs with the LAST key and verifies with all of them.
        self._serializer = URLSafeTimedSerializer(
            list(reversed(secret_keys)), salt=_TOKEN_SALT, signer=_signer_on(clock)
        )
        # A grant depends on the token's text and the keys only (ages are judged by the caller):
        # an open page re-sends its token each minute, so the check runs once per link, not per
        # request. Only authentic links are kept (a failed check raises), so forged tokens cannot
        # push them out; the bound keeps memory flat.
        self._grants = lru_cache(maxsize=GRANTS_KEPT)(self._verified_grant)

    def sign(self, shipment_id: int, *, expires_at: datetime | None = None) -> str:
        """A link to one shipment's page; with `expires_at` the link stops working then."""
        if expires_at is None:
            return self._serializer.dumps(shipment_id)
        return self._serializer.dumps([shipment_id, int(expires_at.timestamp())])

    def _load(self, token: str, max_age_seconds: int | None) -> tuple[int, datetime | None]:
        try:
            value = self._serializer.loads(token, max_age=max_age_seconds)
        except SignatureExpired as exc:
            raise InvalidToken("link expired") from exc
        except BadSignature as exc:
            raise InvalidToken("invalid link") from exc
        return _granted(value)

    def grant(self, token: str) -> PageGrant:
        """What an authentic link grants, read with one signature check: the page handlers
        then judge its age against the merchant's limit without verifying it again."""
        return self._grants(token)

    def _verified_grant(self, token: str) -> PageGrant:
        try:
            value, signed_at = self._serializer.loads(token, return_timestamp=True)
        except BadSignature as exc:
            raise InvalidToken("invalid link") from exc
        shipment_id, expires_at = _granted(value)
        return PageGrant(shipment_id, expires_at, signed_at)

    def verify(self, token: str, *, max_age_seconds: int | None = None) -> int:
        """The shipment id of an authentic link (its own expiry is checked by `expires_at`)."""
        return self._load(token, max_age_seconds)[0]

    def expires_at(self, token: str) -> datetime | None:
        """When an authentic link stops working, if it was signed with an expiry."""
        return self._load(token, None)[1]
