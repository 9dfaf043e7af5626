"""Merchant API (JSON, bearer API keys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.routing import BaseRoute

from suivi_server.services import Services


def routes(services: Services) -> list[BaseRoute]:
    return []


def exception_handlers() -> Mapping[Any, Any]:
    return {}
