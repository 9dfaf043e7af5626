"""Whole numbers read from a page's parameters: ASCII digits only, and few enough of them.

`str.isdigit()` is true for "²" or "٣", which `int()` then refuses (or reads as a number no
column holds): a parameter is a number only when it matches [0-9]{1,9}.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,9}")


def whole(value: str | None) -> int | None:
    """The number `value` writes (spaces around it ignored), or None when it writes none."""
    text = (value or "").strip()
    return int(text) if _DIGITS.fullmatch(text) else None
