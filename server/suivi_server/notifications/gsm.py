"""How long an SMS is: GSM-7 or UCS-2, and how many segments the network will bill.

A text in the GSM 03.38 default alphabet travels as 7-bit septets (the extension table's
characters take two: an escape, then the character); one character outside it sends the
whole text as UCS-2, counted in UTF-16 code units (an emoji takes two). A single SMS holds
160 septets or 70 units; once split, each part loses room to its header (153 or 67), and a
two-unit character is never cut between parts, as handsets and providers count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# 3GPP TS 23.038 §6.2.1: the default alphabet, in code order (0x1B, the escape, left out).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# §6.2.1.1: the extension table, each sent as escape + character.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

Encoding = Literal["GSM-7", "UCS-2"]
# (one message, each part of a split message), in septets or UTF-16 units.
_CAPACITY: dict[Encoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


@dataclass(frozen=True, slots=True)
class SmsLength:
    """`characters` counts what the network counts: septets in GSM-7, code units in UCS-2."""

    encoding: Encoding
    characters: int
    segments: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def measure(text: str) -> SmsLength:
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    widths = [_width(c, encoding) for c in text]
    single, part = _CAPACITY[encoding]
    total = sum(widths)
    if total <= single:
        return SmsLength(encoding, total, 1 if total else 0)
    segments, used = 1, 0
    for width in widths:
        if used + width > part:
            segments, used = segments + 1, 0
        used += width
    return SmsLength(encoding, total, segments)


def _width(character: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return 2 if character in GSM7_EXTENSION else 1
    return 2 if ord(character) > 0xFFFF else 1
