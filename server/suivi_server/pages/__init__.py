"""Shopper-facing tracking pages, lookup form, embeddable widget."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from suivi_server.services import Services


def routes(services: Services) -> list[BaseRoute]:
    return []


def middleware(services: Services) -> list[Middleware]:
    return []
