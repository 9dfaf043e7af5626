"""Parse speed: Suivi's adapters against karrio's connectors, on the same carrier payloads.

    /work/bench-venv/bin/python bench/parse.py [--rounds N] [--peer DIR]

Each side turns the same response bytes into its normalized tracking objects (or its typed
errors), deserialization included. Rounds interleave both sides payload by payload, so any slow
spell of the machine hits both; figures are per-payload medians and the ratio karrio/suivi.
Then, per payload both sides tracked, where their statuses disagree, with the native code of
the event that decided Suivi's status, so a reader can see who is right.
Without karrio importable, only Suivi's figures are printed. See bench/README.md.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = ROOT / "adapters" / "suivi_adapters"
PEER = ROOT.parent / "shared" / "peer-samples" / "karrio"
CARRIERS = ("colissimo", "chronopost", "dpd", "ups")
NOT_RESPONSES = {"oauth_token.json", "expected.json"}  # UPS's token answer; what samples read as

Parser = Callable[[bytes], Any]


@dataclass
class Payload:
    carrier: str
    label: str
    body: bytes
    suivi: list[int] = field(default_factory=list)
    karrio: list[int] = field(default_factory=list)
    suivi_result: str = ""
    karrio_result: str = ""
    suivi_ok: bool = False
    karrio_ok: bool = False
    both_tracked: bool = False
    # tracking number → (status, substatus, deciding code); karrio's: number → status
    suivi_statuses: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    karrio_statuses: dict[str, str] = field(default_factory=dict)


def is_response(path: Path) -> bool:
    return (
        path.suffix in {".json", ".xml"}
        and not path.stem.startswith("request")
        and path.name not in NOT_RESPONSES
    )


def payloads(peer: Path) -> list[Payload]:
    found = []
    for carrier in CARRIERS:
        for source, folder in (
            ("suivi", ADAPTERS / carrier / "samples"),
            ("karrio", peer / carrier),
        ):
            for path in sorted(folder.glob("*")) if folder.is_dir() else []:
                if is_response(path):
                    found.append(Payload(carrier, f"{source}/{path.name}", path.read_bytes()))
    return found


def suivi_parsers() -> dict[str, Parser]:
    from suivi import Registry, errors
    from suivi.toolkit import RawResponse

    registry = Registry()

    def parser(name: str) -> Parser:
        cls = registry.get(name)
        adapter = cls(cls.settings_model.model_construct())

        def parse(body: bytes) -> Any:
            try:
                return adapter.parse(RawResponse(body=body))
            except errors.SuiviError as exc:  # a typed error is a parsed answer too
                return exc

        return parse

    return {name: parser(name) for name in CARRIERS}


def karrio_parsers() -> dict[str, Parser]:
    """Each wrapper builds the Deserializable that the connector's Proxy.get_tracking returns
    (body decoded as karrio's HTTP layer does), then calls the Mapper's public parse."""
    import karrio.lib as lib
    import karrio.mappers.chronopost as chronopost
    import karrio.mappers.dpd as dpd
    import karrio.mappers.laposte as laposte
    import karrio.mappers.ups as ups

    number = "BENCH"  # DPD and UPS proxies pair each answer with the number asked for

    def xml_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, Any]]:
        return [(n, lib.to_element(text)) for n, text in pairs]

    def json_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, Any]]:
        return [(n, lib.to_dict(text)) for n, text in pairs if any(text.strip())]

    mappers: dict[str, tuple[Any, Callable[[str], Any]]] = {
        "colissimo": (
            laposte.Mapper(laposte.Settings(api_key="bench")),
            lambda text: lib.Deserializable(text, lib.to_dict),
        ),
        "chronopost": (
            chronopost.Mapper(chronopost.Settings(account_number="bench", password="bench")),
            lambda text: lib.Deserializable([text], lib.to_element),
        ),
        "dpd": (
            dpd.Mapper(dpd.Settings(delis_id="bench", password="bench")),
            lambda text: lib.Deserializable([(number, text)], xml_pairs),
        ),
        "ups": (
            ups.Mapper(ups.Settings(client_id="bench", client_secret="bench")),
            lambda text: lib.Deserializable([(number, text)], json_pairs),
        ),
    }

    def parser(mapper: Any, wrap: Callable[[str], Any]) -> Parser:
        return lambda body: mapper.parse_tracking_response(wrap(body.decode("utf-8")))

    return {name: parser(*pair) for name, pair in mappers.items()}


def describe_suivi(result: Any) -> tuple[str, bool]:
    if isinstance(result, Exception):
        return type(result).__name__, False
    events = sum(len(t.events) for t in result)
    return f"{len(result)} tracking, {events} ev ({result[0].status.value})", True


def suivi_statuses(result: Any) -> dict[str, tuple[str, str, str]]:
    """Each tracking's status, substatus and the native code of the event that decided it."""
    if isinstance(result, Exception):
        return {}
    decided = {}
    for tracking in result:
        decisive = next((e for e in tracking.events if e.affects_status), None)
        sub = tracking.substatus.value if tracking.substatus else "-"
        code = decisive.code if decisive else "-"
        decided[tracking.tracking_number] = (tracking.status.value, sub, code)
    return decided


def describe_karrio(result: Any) -> tuple[str, bool]:
    details, messages = result
    if details:
        events = sum(len(d.events) for d in details)
        return f"{len(details)} tracking, {events} ev ({details[0].status})", True
    if messages:
        return f"message {messages[0].code}", False
    return "nothing (not its format)", False


# karrio's TrackerStatus names → Suivi's statuses, to tell a disagreement from a naming choice.
KARRIO_STATUS = {
    "pending": "pending",
    "on_hold": "exception",
    "in_transit": "in_transit",
    "delivery_delayed": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "delivery_failed": "attempt_failed",
    "ready_for_pickup": "available_for_pickup",
    "delivered": "delivered",
    "return_to_sender": "returning",
    "cancelled": "exception",
    "unknown": "unknown",
}


def karrio_statuses(result: Any) -> dict[str, str]:
    """Each parcel's status by tracking number (karrio gives some carriers none: left out)."""
    details, _ = result
    found = {}
    for detail in details or ():
        status = getattr(detail.status, "value", detail.status)
        if status is not None:
            found[str(detail.tracking_number)] = str(status)
    return found


def check(items: list[Payload], suivi: dict[str, Parser], karrio: dict[str, Parser]) -> None:
    """One call each: record what it gave, and warm up both sides."""
    for p in items:
        try:
            parsed = suivi[p.carrier](p.body)
            p.suivi_result, tracked = describe_suivi(parsed)
            p.suivi_statuses = suivi_statuses(parsed)
            p.suivi_ok = True
        except Exception as exc:
            p.suivi_result, tracked = f"FAILED {type(exc).__name__}: {exc}", False
        if karrio:
            try:
                answer = karrio[p.carrier](p.body)
                p.karrio_result, k_tracked = describe_karrio(answer)
                p.karrio_statuses = karrio_statuses(answer)
                p.karrio_ok = not p.karrio_result.startswith("nothing")
                p.both_tracked = tracked and k_tracked
            except Exception as exc:
                p.karrio_result = f"FAILED {type(exc).__name__}: {exc}"


def measure(
    items: list[Payload], suivi: dict[str, Parser], karrio: dict[str, Parser], rounds: int
) -> None:
    for r in range(rounds):
        for p in items:
            sides = [(suivi[p.carrier], p.suivi, p.suivi_ok)]
            if karrio:
                sides.append((karrio[p.carrier], p.karrio, p.karrio_ok))
            for parse, samples, ok in sides if r % 2 else reversed(sides):
                if ok:
                    start = time.perf_counter_ns()
                    parse(p.body)
                    samples.append(time.perf_counter_ns() - start)


def micros(samples: list[int]) -> float:
    return statistics.median(samples) / 1000


def geomean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values)) if values else float("nan")


def report(items: list[Payload], with_karrio: bool) -> None:
    results = "suivi | karrio result" if with_karrio else "suivi result"
    print(f"{'payload':<48}{'suivi µs':>10}{'karrio µs':>11}{'k/s':>8}  {results}")
    every: dict[str, list[float]] = {c: [] for c in CARRIERS}
    tracked: dict[str, list[float]] = {c: [] for c in CARRIERS}
    for p in items:
        suivi = f"{micros(p.suivi):10.1f}" if p.suivi else f"{'-':>10}"
        karrio = f"{micros(p.karrio):11.1f}" if p.karrio else f"{'-':>11}"
        ratio = ""
        if p.suivi and p.karrio:
            value = micros(p.karrio) / micros(p.suivi)
            every[p.carrier].append(value)
            tracked[p.carrier] += [value] if p.both_tracked else []
            ratio = f"{value:7.2f}×"
        outcome = p.suivi_result + (f" | {p.karrio_result}" if with_karrio else "")
        print(f"{p.carrier + ' ' + p.label:<48}{suivi}{karrio}{ratio:>8}  {outcome}")
    if not with_karrio:
        return
    every["overall"] = [v for c in CARRIERS for v in every[c]]
    tracked["overall"] = [v for c in CARRIERS for v in tracked[c]]
    print("\nkarrio/suivi, geometric mean (n payloads)   all answers   tracking answers")
    for name, values in every.items():
        both = tracked[name]
        print(
            f"  {name:<42}{geomean(values):6.2f}× ({len(values):2})"
            f"{geomean(both):11.2f}× ({len(both):2})"
        )
    print("  (all: every payload both sides parsed, errors included;")
    print("   tracking: both returned tracking objects)")
    for name, key in (("all answers", every), ("tracking answers", tracked)):
        met = geomean(key["overall"]) >= 3
        print(f"design target ≥ 3× overall, {name}: {'met' if met else 'NOT met'}")
    disagreements(items)


def disagreements(items: list[Payload]) -> None:
    """Where both sides tracked a payload and read a different status, parcel by parcel."""
    rows = []
    compared = 0
    for p in items:
        if not p.both_tracked:
            continue
        single = len(p.suivi_statuses) == len(p.karrio_statuses) == 1  # numbers may be "BENCH"
        pairs = (
            [(next(iter(p.suivi_statuses.values())), next(iter(p.karrio_statuses.values())))]
            if single
            else [
                (ours, p.karrio_statuses[number])
                for number, ours in p.suivi_statuses.items()
                if number in p.karrio_statuses
            ]
        )
        for (status, sub, code), theirs in pairs:
            compared += 1
            if KARRIO_STATUS.get(theirs, theirs) != status:
                rows.append((f"{p.carrier} {p.label}", code, f"{status}/{sub}", theirs))
    print(f"\nstatus disagreements: {len(rows)} of {compared} trackings both sides read")
    if rows:
        print(f"  {'payload':<52} {'code':<22} {'suivi':<34} karrio")
    for label, code, ours, theirs in rows:
        print(f"  {label:<52} {code:<22} {ours:<34} {theirs}")


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--rounds", type=int, default=300, help="timed calls per payload and side")
    options.add_argument("--peer", type=Path, default=PEER, help="karrio's sample payloads")
    args = options.parse_args()
    logging.disable(logging.WARNING)  # karrio's jstruct warns on unknown fields; mute both sides

    suivi = suivi_parsers()
    try:
        karrio = karrio_parsers()
        karrio_version = version("karrio")
    except (ImportError, PackageNotFoundError) as exc:
        print(f"karrio skipped: not importable ({exc}); see bench/README.md to install it.")
        karrio, karrio_version = {}, "-"
    if not args.peer.is_dir():
        print(f"karrio's payloads skipped: {args.peer} not found.")

    items = payloads(args.peer)
    check(items, suivi, karrio)
    measure(items, suivi, karrio, args.rounds)
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, karrio {karrio_version}, {args.rounds} rounds, medians"
    )
    report(items, bool(karrio))
    return 0


if __name__ == "__main__":
    sys.exit(main())
