"""Invitation links, and sending them by email when the SMTP channel is configured.

The same SUIVI_SMTP_* settings as the shopper notifications (notifications/email.py); without
SUIVI_SMTP_HOST, or when the server refuses the message, the admin is shown the link to pass on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from email.message import EmailMessage
from urllib.parse import urlsplit

import aiosmtplib

from suivi_server.config import Settings
from suivi_server.notifications.email import EmailSettings
from suivi_server.pages.i18n import N_, Language

SUBJECT = N_("Your invitation to the %(shop)s dashboard")
BODY = N_(
    "Hello,\n\n%(inviter)s invites you to the %(shop)s dashboard on Suivi.\n"
    "Open this link within 7 days to choose your password:\n\n%(link)s\n\n"
    "If you did not expect this message, you can ignore it."
)


def invitation_link(settings: Settings, token: str) -> str:
    return f"{settings.public_url}/dashboard/invitation/{token}"


def message(
    settings: EmailSettings,
    public_url: str,
    lang: Language,
    *,
    to: str,
    shop: str,
    inviter: str,
    link: str,
) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = lang.gettext(SUBJECT, shop=shop).replace("\n", " ")
    email["From"] = settings.mail_from or f"notifications@{urlsplit(public_url).hostname}"
    email["To"] = to
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(lang.gettext(BODY, shop=shop, inviter=inviter, link=link))
    return email


async def send(
    public_url: str,
    lang: Language,
    *,
    to: str,
    shop: str,
    inviter: str,
    link: str,
    environ: Mapping[str, str] | None = None,
) -> bool:
    """True once the SMTP server accepted the invitation; False when there is no SMTP host or
    it could not be sent (the caller then shows the link)."""
    settings = EmailSettings.from_environ(os.environ if environ is None else environ)
    if settings.host is None:
        return False
    email = message(settings, public_url, lang, to=to, shop=shop, inviter=inviter, link=link)
    password = settings.password.get_secret_value() if settings.password else None
    try:
        await aiosmtplib.send(
            email,
            hostname=settings.host,
            port=settings.port,
            username=settings.username,
            password=password,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            timeout=settings.timeout,
        )
    except (aiosmtplib.SMTPException, OSError):
        return False
    return True
