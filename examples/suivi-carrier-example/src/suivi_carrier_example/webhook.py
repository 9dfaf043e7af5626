"""Example Express pushes: each event of a parcel, POSTed as that parcel's tracking result.

The carrier signs the body with the secret shown in its customer portal and sends
`X-Example-Signature: sha256=<hex HMAC-SHA256 of the body>`. Suivi mounts the endpoint at
`POST /webhooks/example` once `SUIVI_EXAMPLE_WEBHOOK_SECRET` is set.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Final

SIGNATURE_HEADER: Final = "x-example-signature"


def signature(secret: str, body: bytes) -> str:
    """The header value the carrier sends with `body`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def authenticate(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether the push is signed with `secret`, compared in constant time."""
    given = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), "")
    return hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), signature(secret, body).encode()
    )
