"""Security headers on every response: strict CSP, no referrer, no sniffing, HSTS over HTTPS.

Pages carry tokens in their URLs, so no referrer ever leaves them. The CSP allows no inline
script or style; a response that sets its own CSP (the widget frame, with the merchant's
`frame-ancestors`) keeps it. Header values are built only from validated origins.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = DEFAULT_CSP
                    headers["X-Frame-Options"] = "DENY"
                headers.setdefault("Referrer-Policy", "no-referrer")  # the dashboard sets its own
                headers["X-Content-Type-Options"] = "nosniff"
                if https:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)
