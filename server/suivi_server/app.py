"""The Starlette application: merchant API under /api, shopper pages and widget at the root."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.routing import Mount

from suivi_server import api, pages
from suivi_server.config import Settings
from suivi_server.security import PageTokens
from suivi_server.services import Services, utc_now
from suivi_server.storage.engine import create_engine, upgrade


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    clock: Callable[[], datetime] = utc_now,
    migrate: bool = True,
) -> Starlette:
    """Build the app. Migrations run at start-up unless `migrate=False` (tests migrate once)."""
    services = Services(
        settings=settings,
        engine=engine or create_engine(settings.database_url),
        tokens=PageTokens(settings.secret_keys),
        clock=clock,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if migrate:
            await upgrade(settings.database_url)
        yield
        if engine is None:
            await services.engine.dispose()

    app = Starlette(
        debug=settings.debug,
        routes=[Mount("/api", routes=api.routes(services)), *pages.routes(services)],
        middleware=pages.middleware(services),
        exception_handlers=api.exception_handlers(),
        lifespan=lifespan,
    )
    app.state.services = services
    return app
