"""Tracking pages against a bare Starlette app returning the same bytes, under the same load.

A: uvicorn (uvloop, httptools) serving the real app of one `suivi serve --workers` process
   (`suivi_server.serving:web_app`): signed link, database, render, page cache, middleware.
B: the same uvicorn command serving a bare Starlette app whose routes answer the very status,
   headers and body A answered, recorded just before.

Three targets: the full page (`/t/{token}`), its htmx status fragment asked with the ETag the
browser holds (`If-None-Match`: what every open page sends each minute, answered 304) and a
Bearer API read (`/api/shipments/{id}`). `wrk` (Debian's) drives both with the same threads and
connections; rounds interleave A B A B and the report gives the median of each side, the
ratio of requests/s (A/B, higher is better) and of p99 latency (A/B, lower is better).

    python bench/page_vs_bare.py                      # SQLite, then PostgreSQL if configured
    python bench/page_vs_bare.py --postgres postgresql://postgres:postgres@127.0.0.1/suivi_bench
    python bench/page_vs_bare.py --smoke              # tiny run: the structure, not the figures
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

SECRET = "bench-secret-0123456789abcdef0123456789"
RECORDED = "PAGE_VS_BARE_RESPONSES"  # the env var naming B's recorded answers
# Set by uvicorn itself on both sides; everything else B answers as A did.
OWN_HEADERS = frozenset({"date", "server", "content-length"})
TARGET_NAMES = ("page", "fragment_304", "api_read")


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Run:
    requests_per_second: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the data: the demo's merchant, one parcel in transit with a history ------------------------


async def seed(database_url: str, public_url: str) -> tuple[int, str]:
    """The shipment whose page is measured and an API key of its merchant."""
    from suivi_server.demo import seed_demo
    from suivi_server.storage.engine import create_engine, upgrade
    from suivi_server.storage.schema import shipments, tracking_events

    await upgrade(database_url)
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    try:
        demo = await seed_demo(engine, now, public_url)
        shipment_id = next(iter(demo.shipment_ids.values()))
        steps = [
            ("info_received", "DR1", "Annonce du colis", "Paris"),
            ("in_transit", "PCH", "Pris en charge", "Paris"),
            ("in_transit", "ET1", "En cours d'acheminement", "Lyon"),
            ("in_transit", "ET2", "Arrivé sur le site de distribution", "Grenoble"),
        ]
        async with engine.begin() as conn:
            for hours, (status, code, label, city) in zip((50, 30, 20, 6), steps, strict=True):
                await conn.execute(
                    sa.insert(tracking_events).values(
                        shipment_id=shipment_id,
                        occurred_at=now - timedelta(hours=hours),
                        status=status,
                        code=code,
                        label=label,
                        location={"city": city, "country": "FR"},
                        created_at=now,
                    )
                )
            await conn.execute(
                sa.update(shipments)
                .where(shipments.c.id == shipment_id)
                .values(status="in_transit", last_event_at=now - timedelta(hours=6))
            )
    finally:
        await engine.dispose()
    return shipment_id, demo.api_key


# --- the two servers -------------------------------------------------------------------------


def uvicorn_command(app: str, port: int, *, app_dir: str | None = None) -> list[str]:
    """The same server for A and B: one process, uvloop, httptools, no access log."""
    command = [sys.executable, "-m", "uvicorn", app, "--factory", "--port", str(port)]
    command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
    command += ["--log-level", "warning"]
    return command + (["--app-dir", app_dir] if app_dir else [])


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {' '.join(command)}") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def record(base: str, targets: Sequence[Target]) -> dict[str, dict[str, Any]]:
    """What A answers to each target: B will answer exactly that."""
    answers = {}
    with httpx.Client(base_url=base) as client:
        for target in targets:
            response = client.get(target.path, headers=target.headers)
            if response.status_code not in (200, 304):
                raise RuntimeError(f"{target.name}: {response.status_code} {response.text[:200]}")
            answers[target.path] = {
                "status": response.status_code,
                "headers": [(k, v) for k, v in response.headers.items() if k not in OWN_HEADERS],
                "body": response.content.decode(),
            }
    return answers


def bare_app() -> Starlette:
    """B: each recorded path answers its recorded status, headers and body, nothing more."""
    answers: dict[str, dict[str, Any]] = json.loads(Path(os.environ[RECORDED]).read_text())

    def endpoint_for(answer: dict[str, Any]) -> Any:
        body = answer["body"].encode()
        headers = dict(answer["headers"])

        async def endpoint(request: Any) -> Response:
            return Response(body, status_code=answer["status"], headers=headers)

        return endpoint

    routes = [Route(path.split("?")[0], endpoint_for(a)) for path, a in answers.items()]
    return Starlette(routes=routes)


# --- the load ----------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, headers: dict[str, str], *, seconds: int, connections: int, threads: int) -> Run:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return Run(
        requests_per_second=rps,
        p99_ms=float(p99.group(1)) * _UNITS[p99.group(2)] if p99 else float("nan"),
        errors=int(errors.group(1)) if errors else 0,
    )


def measure(
    database_url: str,
    *,
    rounds: int,
    seconds: int,
    connections: int,
    threads: int,
    only: Sequence[str] = TARGET_NAMES,
) -> dict[str, dict[str, list[Run]]]:
    workdir = Path(tempfile.mkdtemp(prefix="page-vs-bare-"))
    port_a, port_b = free_port(), free_port()
    env = {
        **os.environ,
        "SUIVI_DATABASE_URL": database_url,
        "SUIVI_SECRET_KEYS": SECRET,
        "SUIVI_DATA_DIR": str(workdir),
        "SUIVI_PUBLIC_URL": f"http://127.0.0.1:{port_a}",
    }
    try:
        shipment_id, api_key = asyncio.run(seed(database_url, env["SUIVI_PUBLIC_URL"]))
        from suivi_server.security import PageTokens

        token = PageTokens((SECRET,)).sign(shipment_id)
        with serving(uvicorn_command("suivi_server.serving:web_app", port_a), env, port_a) as a:
            page = httpx.get(f"{a}/t/{token}/status?lang=fr")
            targets = [
                Target("page", f"/t/{token}", {"Accept-Language": "fr"}),
                Target(
                    "fragment_304",
                    f"/t/{token}/status?lang=fr",
                    {"HX-Request": "true", "If-None-Match": page.headers["etag"]},
                ),
                Target(
                    "api_read",
                    f"/api/shipments/{shipment_id}",
                    {"Authorization": f"Bearer {api_key}"},
                ),
            ]
            targets = [t for t in targets if t.name in only]
            recorded = workdir / "recorded.json"
            recorded.write_text(json.dumps(record(a, targets)))
            bench_dir = str(Path(__file__).resolve().parent)
            bare_command = uvicorn_command("page_vs_bare:bare_app", port_b, app_dir=bench_dir)
            with serving(bare_command, {**env, RECORDED: str(recorded)}, port_b) as b:
                runs: dict[str, dict[str, list[Run]]] = {
                    t.name: {"suivi": [], "bare": []} for t in targets
                }
                for _ in range(rounds):
                    for target in targets:
                        for side, base in (("suivi", a), ("bare", b)):
                            run = wrk(
                                base + target.path,
                                target.headers,
                                seconds=seconds,
                                connections=connections,
                                threads=threads,
                            )
                            runs[target.name][side].append(run)
        return runs
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(database: str, runs: dict[str, dict[str, list[Run]]]) -> list[dict[str, Any]]:
    rows = []
    print(f"\n{database}")
    print(f"{'target':<14}{'req/s suivi':>12}{'bare':>10}{'ratio':>8}{'p99 ms':>10}{'bare':>8}"
          f"{'ratio':>8}{'errors':>8}")  # fmt: skip
    for name, sides in runs.items():
        a, b = sides["suivi"], sides["bare"]
        rps_a = statistics.median(r.requests_per_second for r in a)
        rps_b = statistics.median(r.requests_per_second for r in b)
        p99_a = statistics.median(r.p99_ms for r in a)
        p99_b = statistics.median(r.p99_ms for r in b)
        errors = sum(r.errors for r in a + b)
        row = {
            "database": database,
            "target": name,
            "rps_suivi": rps_a,
            "rps_bare": rps_b,
            "rps_ratio": rps_a / rps_b,
            "p99_ms_suivi": p99_a,
            "p99_ms_bare": p99_b,
            "p99_ratio": p99_a / p99_b,
            "errors": errors,
            "rounds": len(a),
        }
        rows.append(row)
        print(f"{name:<14}{rps_a:>12.0f}{rps_b:>10.0f}{row['rps_ratio']:>8.2f}{p99_a:>10.2f}"
              f"{p99_b:>8.2f}{row['p99_ratio']:>8.2f}{errors:>8}")  # fmt: skip
    return rows


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--postgres", default=os.environ.get("SUIVI_BENCH_POSTGRES_URL"))
    parser.add_argument("--smoke", action="store_true", help="1 round of 1 s, 4 connections")
    parser.add_argument(
        "--targets", nargs="+", choices=TARGET_NAMES, default=TARGET_NAMES, help="default: all"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.seconds, args.connections, args.threads = 1, 1, 4, 1
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (scripts/services.sh does)")
    sqlite_dir = Path(tempfile.mkdtemp(prefix="page-vs-bare-db-"))
    databases = [("sqlite", f"sqlite+aiosqlite:///{sqlite_dir / 'bench.db'}")]
    if args.postgres and not args.smoke:
        from suivi_server.config import normalize_database_url

        databases.append(("postgresql", normalize_database_url(args.postgres)))
    rows: list[dict[str, Any]] = []
    try:
        for name, url in databases:
            runs = measure(
                url,
                rounds=args.rounds,
                seconds=args.seconds,
                connections=args.connections,
                threads=args.threads,
                only=args.targets,
            )
            rows += report(name, runs)
    finally:
        shutil.rmtree(sqlite_dir, ignore_errors=True)
    print("\n" + json.dumps(rows))
    return rows


if __name__ == "__main__":
    main()
