"""The security headers' values: strict CSP, HSTS (pages/outbound.py puts them on every response).

Pages carry tokens in their URLs, so no referrer ever leaves them. The CSP allows no inline
script or style; a response that sets its own CSP (the widget frame, with the merchant's
`frame-ancestors`) keeps it. Header values are built only from validated origins.
"""

from __future__ import annotations

from collections.abc import Sequence

from suivi_server.origins import is_origin

HSTS = "max-age=63072000; includeSubDomains"


def content_security_policy(frame_ancestors: Sequence[str] = ()) -> str:
    """The policy; frame ancestors that are not bare origins are left out, never copied in."""
    ancestors = " ".join(o for o in frame_ancestors if is_origin(o)) or "'none'"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        f"object-src 'none'; frame-ancestors {ancestors}"
    )


DEFAULT_CSP = content_security_policy()
