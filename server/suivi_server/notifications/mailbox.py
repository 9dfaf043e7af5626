"""The demo's mailbox: messages captured instead of sent, so a new user can read them."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count


@dataclass(frozen=True)
class CapturedMessage:
    """One message as it would have left: `html` only for email, `headers` as sent."""

    id: int
    channel: str
    recipient: str
    captured_at: datetime
    subject: str | None
    text: str
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


class Mailbox:
    """The newest `capacity` captured messages, newest first (a bounded, in-memory store)."""

    def __init__(self, capacity: int = 500) -> None:
        self._messages: deque[CapturedMessage] = deque(maxlen=capacity)
        self._ids = count(1)

    def capture(
        self,
        *,
        channel: str,
        recipient: str,
        captured_at: datetime,
        subject: str | None,
        text: str,
        html: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> CapturedMessage:
        message = CapturedMessage(
            id=next(self._ids),
            channel=channel,
            recipient=recipient,
            captured_at=captured_at,
            subject=subject,
            text=text,
            html=html,
            headers=dict(headers or {}),
        )
        self._messages.appendleft(message)
        return message

    def get(self, message_id: int) -> CapturedMessage | None:
        return next((m for m in self._messages if m.id == message_id), None)

    def __iter__(self) -> Iterator[CapturedMessage]:
        return iter(tuple(self._messages))

    def __len__(self) -> int:
        return len(self._messages)
