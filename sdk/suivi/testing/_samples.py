"""An adapter's sample answers and what `expected.json` says each one must read as."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from suivi._adapter import Adapter, RawResponse
from suivi._models import Tracking
from suivi.errors import SuiviError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

EXPECTED = "expected.json"
TRACKING = "tracking"
WEBHOOK = "webhook"
REQUESTED = ("X",)
"""The number every sample is parsed as having been asked for (answers naming none use it)."""

Read = tuple[tuple[str, str | None], ...] | str
"""What an answer reads as: (status, substatus) per parcel, or the typed error's class name."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One file of an adapter's `samples/` folder and its line of `expected.json`."""

    name: str
    body: bytes
    kind: str
    """"tracking" for answers `Adapter.parse` reads; otherwise the kind `expected.json` gives."""
    expected: Read | None = None
    """What a tracking answer must read as; None for the other kinds."""


class SamplesInvalid(Exception):
    """An adapter's `samples/` folder or its `expected.json` cannot be used as written."""


def sample_bytes(adapter: type[Adapter], name: str) -> bytes:
    """The bytes of the sample `name` in the adapter's `samples/` folder."""
    return _folder(adapter).joinpath(name).read_bytes()


@cache
def samples(adapter: type[Adapter]) -> Mapping[str, Sample]:
    """Every sample of the adapter, by file name, checked against `expected.json` both ways:
    a file without its line, or a line without its file, is refused."""
    folder = _folder(adapter)
    lines = _expected(adapter)
    files = sorted(
        entry.name for entry in folder.iterdir() if entry.is_file() and entry.name != EXPECTED
    )
    missing = sorted(set(files) - set(lines))
    extra = sorted(set(lines) - set(files))
    if missing or extra:
        raise SamplesInvalid(
            f"{adapter.name}: {EXPECTED} must list exactly the sample files "
            f"(files without a line: {missing}; lines without a file: {extra})"
        )
    return {
        name: _sample(adapter, name, folder.joinpath(name).read_bytes(), lines[name])
        for name in files
    }


def read(adapter: Adapter, raw: RawResponse) -> Read:
    """What `adapter.parse` makes of the answer, in `expected.json`'s vocabulary."""
    try:
        trackings = adapter.parse(raw)
    except SuiviError as exc:
        return type(exc).__name__
    return reads_of(trackings)


def reads_of(trackings: list[Tracking]) -> tuple[tuple[str, str | None], ...]:
    """(status, substatus) per parcel, as `expected.json` writes them."""
    return tuple((t.status.value, t.substatus.value if t.substatus else None) for t in trackings)


def _folder(adapter: type[Adapter]) -> Traversable:
    folder = adapter.samples()
    if folder is None or not folder.is_dir():
        raise SamplesInvalid(f"{adapter.name}: no samples/ folder beside {adapter.__module__}")
    return folder


def _expected(adapter: type[Adapter]) -> dict[str, Any]:
    try:
        lines = json.loads(_folder(adapter).joinpath(EXPECTED).read_bytes())
    except (OSError, ValueError) as exc:
        raise SamplesInvalid(f"{adapter.name}: samples/{EXPECTED} is unreadable: {exc}") from exc
    if not isinstance(lines, dict):
        raise SamplesInvalid(f"{adapter.name}: samples/{EXPECTED} must be a JSON object")
    return lines


def _sample(adapter: type[Adapter], name: str, body: bytes, line: Any) -> Sample:
    if isinstance(line, str):
        return Sample(name, body, TRACKING, line)
    if isinstance(line, list) and all(_is_read(parcel) for parcel in line):
        return Sample(name, body, TRACKING, tuple((p[0], p[1]) for p in line))
    if isinstance(line, dict) and isinstance(line.get("kind"), str) and line["kind"] != TRACKING:
        return Sample(name, body, line["kind"])
    raise SamplesInvalid(
        f"{adapter.name}: samples/{EXPECTED} line {name!r} must be [[status, substatus], ...], "
        f'an error class name, or {{"kind": ...}}; got {line!r}'
    )


def _is_read(parcel: Any) -> bool:
    return (
        isinstance(parcel, list)
        and len(parcel) == 2
        and isinstance(parcel[0], str)
        and (parcel[1] is None or isinstance(parcel[1], str))
    )
