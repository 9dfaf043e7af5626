"""Rendered signed-link pages kept in memory, bounded in bytes, with their strong ETag.

A key names everything the bytes depend on (pages/page_key.py), so an entry is never
invalidated: a change makes another key, and the old entry ages out of the LRU. Each process
holds its own: `suivi serve --workers N` shares nothing but the database the keys are read from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass

from cachetools import LRUCache

MAX_BYTES = 32 * 1024 * 1024  # a full page is 10–30 kB: one to three thousand pages


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str  # quoted, strong: this exact body


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110's weak comparison, as If-None-Match asks: gzip's W/ prefix still matches."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


class PageCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._entries: LRUCache[Hashable, Rendered] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: len(entry.body) + len(entry.etag)
        )

    def get(self, key: Hashable) -> Rendered | None:
        return self._entries.get(key)

    def put(self, key: Hashable, body: bytes) -> Rendered:
        """Keep a page; one bigger than the whole cache is answered but not kept."""
        entry = Rendered(body, etag_of(body))
        if len(body) < self._entries.maxsize:
            self._entries[key] = entry
        return entry

    @property
    def size(self) -> int:
        """Bytes held now, never more than the bound."""
        return int(self._entries.currsize)
