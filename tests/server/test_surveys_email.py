"""The delivered emails open the page at its survey; the other messages at the page's top."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.server.test_notification_email import PAGE_URL, channel, message

DELIVERED_FACTS = {"delivered_at": "2026-11-25T08:00:00+00:00", "how": "to_recipient"}


@pytest.mark.parametrize(
    ("event", "facts", "link"),
    [
        ("delivered", DELIVERED_FACTS, f"{PAGE_URL}#survey"),
        (
            "delivered_to_third_party",
            {**DELIVERED_FACTS, "handed_to": "neighbour"},
            f"{PAGE_URL}#survey",
        ),
        ("shipped", {"shipped_at": "2026-11-24T08:00:00+00:00"}, PAGE_URL),
    ],
)
def test_the_delivered_emails_button_opens_the_survey(
    tmp_path: Path, event: str, facts: dict[str, str], link: str
) -> None:
    outbound = replace(message(locale="en"), event=event, facts=facts)
    rendered = channel(tmp_path, 2525).render(outbound)
    assert f'class="button" href="{link}"' in rendered.html
