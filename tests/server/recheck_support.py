"""What the tests of reads reused for SUIVI_PAGE_RECHECK_SECONDS share: an app on a monotonic
clock the test moves, and the statements the engine sends while a block runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.app import create_app
from suivi_server.config import Settings
from tests.server.conftest import NOW

INTERVAL = 1.0  # the default


def timed_app(settings: Settings, engine: AsyncEngine, ticks: list[float]) -> Starlette:
    """The app, measuring the interval on `ticks[0]` (the `ticks` fixture)."""
    return create_app(
        settings, engine=engine, clock=lambda: NOW, monotonic=lambda: ticks[0], migrate=False
    )


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement the engine sends while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", record)
