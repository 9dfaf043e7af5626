"""Web origins a merchant allows to frame the widget: `scheme://host[:port]` and nothing else.

An origin ends up in a `Content-Security-Policy` header, so a stray newline, space, path or
`;` would break the header or widen the policy. Origins are checked when stored and again
when a header is built from them.
"""

from __future__ import annotations

import re

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ORIGIN = re.compile(rf"(https?)://({_LABEL}(?:\.{_LABEL})*)(?::([0-9]{{1,5}}))?", re.IGNORECASE)


class InvalidOrigin(ValueError):
    """Text that is not a bare `http(s)://host[:port]` origin."""


def parse_origin(text: str) -> str:
    """The origin, lower-cased; anything beyond scheme, host and port is refused, not trimmed."""
    match = _ORIGIN.fullmatch(text)
    port = match.group(3) if match else None
    if match is None or (port is not None and not 0 < int(port) <= 65535):
        raise InvalidOrigin(
            f"{text!r} is not an origin: expected http(s)://host[:port], "
            "without path, query, user or spaces"
        )
    return text.lower()


def is_origin(value: object) -> bool:
    try:
        return isinstance(value, str) and bool(parse_origin(value))
    except InvalidOrigin:
        return False
