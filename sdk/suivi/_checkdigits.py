"""Check-digit algorithms used by carriers' tracking numbers."""

from __future__ import annotations

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    """UPU S10 (international mail, e.g. `EW112720413FR`): check digit over the 8 serial digits."""
    total = sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def is_valid_s10(number: str) -> bool:
    """`AA123456785FR`: two letters, 8 digits, check digit, two letters."""
    if len(number) != 13 or not number[2:11].isdigit():
        return False
    return s10_check_digit(number[2:10]) == int(number[10])


def _ups_value(char: str) -> int:
    """UPS maps letters onto digits: (ord - 63) % 10 gives A=2 … Z=7 as UPS publishes."""
    return int(char) if char.isdigit() else (ord(char) - 63) % 10


def is_valid_ups(number: str) -> bool:
    """`1Z` numbers: mod-10 over characters 3–17, odd positions weight 1, even weight 2."""
    body, check = number[2:17], number[17:]
    if len(number) != 18 or not check.isdigit():
        return False
    total = sum(_ups_value(c) * (2 if i % 2 else 1) for i, c in enumerate(body))
    return (10 - total % 10) % 10 == int(check)


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10, doubling every second digit from the right)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0
