"""Assembling a sender from the server's settings: its channels, its links, its identity."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.config import Settings
from suivi_server.notifications.channels import Channel, ChannelContext, load_channels
from suivi_server.notifications.mailbox import Mailbox
from suivi_server.notifications.sender import DEFAULT_LEASE, Links, Sender, SenderMetrics
from suivi_server.notifications.unsubscribe import UnsubscribeLinks
from suivi_server.security import PageTokens


def default_sender_id() -> str:
    return f"sender-{socket.gethostname()}-{os.getpid()}"


def channels_for(
    settings: Settings,
    clock: Callable[[], datetime],
    *,
    mailbox: Mailbox | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Channel]:
    """The installed channels configured here (with a mailbox: every channel, capturing)."""
    context = ChannelContext(
        settings=settings,
        environ=os.environ if environ is None else environ,
        clock=clock,
        mailbox=mailbox,
    )
    return load_channels(context)


def links_for(settings: Settings, clock: Callable[[], datetime]) -> Links:
    tokens = PageTokens(settings.secret_keys, clock=clock)
    unsubscribe = UnsubscribeLinks(settings.secret_keys, settings.public_url)
    return Links(
        page=lambda shipment_id: f"{settings.public_url}/t/{tokens.sign(shipment_id)}",
        unsubscribe=unsubscribe.url,
    )


def build_sender(
    settings: Settings,
    engine: AsyncEngine,
    clock: Callable[[], datetime],
    *,
    mailbox: Mailbox | None = None,
    environ: Mapping[str, str] | None = None,
    sender_id: str | None = None,
    batch_size: int = 50,
    lease: timedelta = DEFAULT_LEASE,
    metrics: SenderMetrics | None = None,
) -> Sender:
    return Sender(
        engine,
        channels_for(settings, clock, mailbox=mailbox, environ=environ),
        links_for(settings, clock),
        clock=clock,
        sender_id=sender_id or default_sender_id(),
        default_locale=settings.default_locale,
        batch_size=batch_size,
        lease=lease,
        metrics=metrics,
    )
