"""Adapters are found only through the `suivi.adapters` entry-point group.

Built-in carriers register themselves there exactly like third-party packages do. A plugin that
fails to import is recorded with its error, not fatal: the other carriers keep working, and using
the broken one raises AdapterLoadError naming the package and the cause.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points

from suivi._adapter import Adapter
from suivi.errors import AdapterLoadError, AdapterNotFound

ENTRY_POINT_GROUP = "suivi.adapters"


class Registry:
    """The installed adapters by name, from the `suivi.adapters` entry points (or `points`
    given), each imported on first use only, so one broken plugin costs nothing to the others."""

    def __init__(self, points: Iterable[EntryPoint] | None = None) -> None:
        found = entry_points(group=ENTRY_POINT_GROUP) if points is None else points
        self._points: dict[str, EntryPoint] = {}
        for point in found:
            self._points.setdefault(point.name, point)
        self._loaded: dict[str, type[Adapter]] = {}
        self._errors: dict[str, AdapterLoadError] = {}

    def names(self) -> list[str]:
        """Every registered name, loadable or not, sorted."""
        return sorted(self._points)

    def get(self, name: str) -> type[Adapter]:
        """The adapter class registered as `name`, imported and checked once; AdapterNotFound
        when none is, AdapterLoadError (remembered) when its plugin is broken."""
        if name in self._loaded:
            return self._loaded[name]
        if name in self._errors:
            raise self._errors[name]
        point = self._points.get(name)
        if point is None:
            known = ", ".join(self.names()) or "none"
            raise AdapterNotFound(f"no adapter named {name!r} (installed: {known})", carrier=name)
        try:
            loaded = point.load()
        except Exception as exc:
            error = AdapterLoadError(
                f"plugin {point.value!r} failed to load: {type(exc).__name__}: {exc}", carrier=name
            )
            self._errors[name] = error
            raise error from exc
        if not (isinstance(loaded, type) and issubclass(loaded, Adapter)):
            error = AdapterLoadError(
                f"plugin {point.value!r} is not a suivi.toolkit.Adapter subclass", carrier=name
            )
            self._errors[name] = error
            raise error
        if loaded.name != name:
            error = AdapterLoadError(
                f"plugin {point.value!r} calls itself {loaded.name!r}, registered as {name!r}",
                carrier=name,
            )
            self._errors[name] = error
            raise error
        self._loaded[name] = loaded
        return loaded

    def load_all(self) -> tuple[dict[str, type[Adapter]], dict[str, AdapterLoadError]]:
        """Load every plugin: the ones that work, and the errors of those that don't."""
        for name in self.names():
            with contextlib.suppress(AdapterLoadError):
                self.get(name)
        return dict(self._loaded), dict(self._errors)
