"""Damaged copies of a carrier's answer: cut short, or mutated by a seeded random generator.

Carriers cut answers mid-body (timeouts, proxies) and garble them (wrong encodings, bad
gateways); a parser must meet both with a typed error, never a crash. The cut points and the
mutations are bounded and deterministic, so the contract stays fast and every failure replays.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

MAX_CUTS = 300
"""Bodies up to this length are cut at every byte; longer ones at this many evenly spaced
points (the structure a parser trips on repeats, so an even spread finds the same breaks)."""
MUTATIONS = 60
"""Mutated bodies per sample: enough to hit every mutation kind many times, in milliseconds."""

Mutation = Callable[[random.Random, bytes], bytes]


def cut_points(length: int, limit: int = MAX_CUTS) -> list[int]:
    """Where to cut a body of `length` bytes: every offset below it, or `limit` spread evenly."""
    if length <= limit:
        return list(range(length))
    return sorted({length * i // limit for i in range(limit)})


def _flip(rng: random.Random, body: bytes) -> bytes:
    at = rng.randrange(len(body))
    return body[:at] + bytes([rng.randrange(256)]) + body[at + 1 :]


def _delete(rng: random.Random, body: bytes) -> bytes:
    start = rng.randrange(len(body))
    return body[:start] + body[start + rng.randint(1, 64) :]


def _duplicate(rng: random.Random, body: bytes) -> bytes:
    start = rng.randrange(len(body))
    span = body[start : start + rng.randint(1, 256)]
    return body[:start] + span + span + body[start:]


def _insert(rng: random.Random, body: bytes) -> bytes:
    at = rng.randrange(len(body) + 1)
    return body[:at] + rng.randbytes(rng.randint(1, 16)) + body[at:]


def _swap_digits(rng: random.Random, body: bytes) -> bytes:
    """Dates, codes and counts are digits: change them and keep the structure valid."""
    digits = b"0123456789"
    return bytes(rng.choice(digits) if b in digits and rng.random() < 0.2 else b for b in body)


def _noise(rng: random.Random, body: bytes) -> bytes:
    return rng.randbytes(rng.randint(0, max(1, len(body))))


KINDS: tuple[Mutation, ...] = (_flip, _delete, _duplicate, _insert, _swap_digits, _noise)


def mutations(body: bytes, seed: str, count: int = MUTATIONS) -> Iterator[bytes]:
    """`count` damaged copies of `body`, the same ones for the same `seed`."""
    rng = random.Random(seed)
    for _ in range(count):
        mutate = rng.choice(KINDS)
        yield mutate(rng, body) if body else rng.randbytes(rng.randint(1, 64))
