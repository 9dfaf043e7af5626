"""Every public name of the SDK says what it is for: the API reference is built from docstrings.

Walks `__all__` of `suivi`, `suivi.toolkit` and `suivi.testing`; for a class, also every public
method and property the SDK itself defines on it or on its SDK base classes (not what pydantic,
`enum` or the standard library bring). Constants carry no runtime docstring and are not walked.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import types
from collections.abc import Iterator

import pytest

import suivi
import suivi.testing
import suivi.toolkit

MODULES = (suivi, suivi.toolkit, suivi.testing)


def own_docstring(obj: object) -> str:
    """The docstring written on `obj` itself: a dataclass's generated signature does not count."""
    doc = vars(obj).get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if not isinstance(doc, str):
        return ""
    name = getattr(obj, "__name__", "")
    return "" if isinstance(obj, type) and doc.startswith(f"{name}(") else doc.strip()


def function_of(member: object) -> object | None:
    """The function behind a method, class or static method, property or cached property."""
    if isinstance(member, staticmethod | classmethod):
        return member.__func__
    if isinstance(member, property):
        return member.fget
    if isinstance(member, functools.cached_property):
        return member.func
    return member if inspect.isfunction(member) else None


def defined_in_sdk(obj: object) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == "suivi" or module.startswith("suivi.")


def methods(cls: type) -> Iterator[tuple[str, object]]:
    """Public methods and properties of `cls` written in the SDK, named by the defining class."""
    for owner in cls.__mro__:
        if not defined_in_sdk(owner):
            continue
        for name, member in vars(owner).items():
            function = function_of(member)
            if name.startswith("_") or function is None or not defined_in_sdk(function):
                continue
            yield f"{owner.__qualname__}.{name}", function


def public_objects() -> Iterator[tuple[str, object]]:
    """Each documented object once, under the first module exporting it."""
    for module in MODULES:
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, types.ModuleType) or inspect.isfunction(value):
                yield f"{module.__name__}.{name}", value
            elif isinstance(value, type):
                yield f"{module.__name__}.{name}", value
                for qualname, function in methods(value):
                    yield f"{module.__name__}:{qualname}", function


PUBLIC: dict[str, object] = {}
for _name, _obj in public_objects():
    if all(_obj is not seen for seen in PUBLIC.values()):
        PUBLIC[_name] = _obj


def test_the_walk_reaches_classes_methods_and_properties() -> None:
    assert "suivi.Tracker" in PUBLIC
    assert "suivi:Tracker.track" in PUBLIC
    assert "suivi.toolkit:Adapter.base_url" in PUBLIC
    assert "suivi.testing.AdapterContract" in PUBLIC
    assert not any(name.endswith((".model_dump", ".__init__")) for name in PUBLIC)


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_name_has_a_docstring(name: str) -> None:
    assert own_docstring(PUBLIC[name]), f"{name} has no docstring"


@pytest.mark.parametrize(
    ("obj", "documented"),
    [
        (type("Bare", (), {}), False),
        (type("Told", (), {"__doc__": "Why it exists."}), True),
        (dataclasses.make_dataclass("Plain", ["where"]), False),
    ],
)
def test_a_class_counts_only_its_own_docstring(obj: object, documented: bool) -> None:
    assert bool(own_docstring(obj)) is documented
