"""Carrier pages and native-code tables, written from the installed adapters' declarations.

Every carrier found through the `suivi.adapters` entry point gets a page: its settings (one
environment variable each), limits, number formats, weekdays, scan gaps, webhook and what its
module says about the carrier's API. Nothing here names a carrier: a third-party package that
is installed gets its page and its code table like a built-in one.
"""

from __future__ import annotations

import ast
import calendar
import importlib
import inspect
import itertools
import textwrap
from collections.abc import Iterable

from pydantic_core import PydanticUndefined

from suivi import Registry
from suivi.toolkit import Adapter, CodeMapping, Status

LABEL_FIRST = " — the label decides first"


def adapters() -> dict[str, type[Adapter]]:
    """The installed carriers by name, in the registry's order."""
    registry = Registry()
    return {name: registry.get(name) for name in registry.names()}


def table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A Markdown table; cells are written as given (callers quote code)."""
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        lines.append("| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


def attribute_docs(cls: type) -> dict[str, str]:
    """Docstrings written under class attributes (`name: T = v` then `\"\"\"…\"\"\"`), by name,
    along the class's bases: pydantic keeps no trace of them at run time."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                found[node.target.id] = " ".join(after.value.value.split())
    return found


def type_name(annotation: object) -> str:
    text = annotation.__name__ if isinstance(annotation, type) else repr(annotation)
    return text.replace("typing.", "").replace("NoneType", "None")


def meaning(mapping: CodeMapping) -> str:
    sub = f" / `{mapping.substatus.value}`" if mapping.substatus else ""
    notice = " (notice: does not change the status)" if not mapping.affects_status else ""
    return f"`{mapping.status.value}`{sub}{notice}"


def weekdays(days: frozenset[int]) -> str:
    return ", ".join(calendar.day_name[day] for day in sorted(days))


def module_doc(module_name: str) -> str:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return ""
    return inspect.cleandoc(module.__doc__ or "")


def settings_section(adapter: type[Adapter]) -> str:
    docs = attribute_docs(adapter.settings_model)
    rows = []
    for field, info in adapter.settings_model.model_fields.items():
        default = "required" if info.default is PydanticUndefined else f"`{info.default!r}`"
        rows.append(
            (
                f"`SUIVI_{adapter.name.upper()}_{field.upper()}`",
                f"`{field}`",
                f"`{type_name(info.annotation)}`",
                default,
                info.description or docs.get(field, ""),
            )
        )
    return table(("variable", "setting", "type", "default", "meaning"), rows)


def limits_section(adapter: type[Adapter]) -> str:
    limit = adapter.rate_limit
    batch = "one number a call"
    if adapter.supports_batch:
        batch = f"up to {adapter.max_batch} numbers a call"
    rows = [
        ("calls per second (sustained)", f"{limit.per_second:g}"),
        ("burst", limit.burst),
        ("calls in flight", limit.max_concurrency),
        ("batching", batch),
        ("local time of its scans", f"`{adapter.timezone.key}`"),
        ("countries", ", ".join(adapter.countries)),
        ("production host", f"`{adapter.default_base_url}`"),
    ]
    return table(("limit", "value"), rows)


def numbers_section(adapter: type[Adapter]) -> str:
    rows = [
        (
            pattern.description,
            f"`{pattern.regex}`",
            f"`{pattern.check.__name__}`" if pattern.check else "none",
        )
        for pattern in adapter.number_patterns
    ]
    return table(("shape", "regular expression", "check digit"), rows)


def calendar_section(adapter: type[Adapter]) -> str:
    lines = [f"Business days: {weekdays(adapter.delivery_weekdays)}."]
    if adapter.service_weekdays:
        lines += [
            "",
            table(
                ("service name contains", "business days"),
                ((f"`{word}`", weekdays(days)) for word, days in adapter.service_weekdays),
            ),
        ]
    if adapter.scan_gaps:
        lines += [
            "",
            "Longest normal silence between two scans, in business hours, before the parcel is "
            "called silent (other statuses use the platform's defaults):",
            "",
            table(
                ("current status", "hours"),
                (
                    (f"`{Status(status).value}`", f"{hours:g}")
                    for status, hours in adapter.scan_gaps.items()
                ),
            ),
        ]
    return "\n".join(lines)


def webhook_section(adapter: type[Adapter]) -> str:
    hook = adapter.webhook
    if hook is None:
        return "The carrier does not push events: Suivi polls it."
    variable = f"SUIVI_{adapter.name.upper()}_{hook.secret_setting.upper()}"
    return (
        f"The carrier pushes events to `POST /webhooks/{adapter.name}`. The endpoint exists only "
        f"while `{variable}` is set (404 otherwise); a push that does not prove it knows the "
        f"secret is refused with 401, a body over {hook.max_bytes // 1024} KiB with 413, and an "
        f"accepted one is answered {hook.accepted_status}."
    )


def carrier_page(adapter: type[Adapter]) -> str:
    """The whole page of one carrier."""
    parts = [
        f"# {adapter.display_name}",
        "",
        f"Adapter `{adapter.__module__}.{adapter.__qualname__}`, carrier name `{adapter.name}`. "
        "Its native codes and what they mean are in "
        f"[Native codes](../concepts/native-codes.md#{adapter.name}).",
        "",
        "## Credentials and settings",
        "",
        "Each setting is read from its environment variable when the adapter is built "
        "(`base_url` points the adapter at another host, such as the carrier simulator).",
        "",
        settings_section(adapter),
        "",
        "## Limits",
        "",
        limits_section(adapter),
        "",
        "## Number formats",
        "",
        numbers_section(adapter),
        "",
        "## Delivery weekdays and scan gaps",
        "",
        calendar_section(adapter),
        "",
        "## Pushed events",
        "",
        webhook_section(adapter),
    ]
    quirks = module_doc(adapter.__module__)
    if quirks:
        parts += ["", "## How its API behaves", "", quirks]
    return "\n".join(parts) + "\n"


def code_tables() -> str:
    """Every carrier's native codes and label keywords, one section per carrier."""
    parts: list[str] = []
    for name, adapter in adapters().items():
        status_map = adapter.status_map
        dependent = status_map.label_dependent
        rows = [
            (f"`{code}`", meaning(mapping) + (LABEL_FIRST if code in dependent else ""))
            for code, mapping in status_map.items()
        ]
        parts += [
            f"## {adapter.display_name} {{ #{name} }}",
            "",
            f"{len(rows)} codes; [settings and limits](../carriers/{name}.md).",
            "",
        ]
        sources = module_doc(adapter.__module__.rpartition(".")[0] + ".codes")
        if sources:
            parts += ['??? note "Where these codes come from"', ""]
            parts += [textwrap.indent(sources, "    "), ""]
        parts += [table(("code", "status / substatus"), rows), ""]
        if status_map.keyword_rules:
            parts += [
                f"Label keywords ({len(status_map.keyword_rules)}, first match wins):",
                "",
                table(
                    ("words", "status / substatus"),
                    ((f"`{text}`", meaning(mapping)) for text, mapping in status_map.keyword_rules),
                ),
                "",
            ]
    return "\n".join(parts)


def carrier_index() -> str:
    rows = [
        (f"[{adapter.display_name}]({name}.md)", f"`{name}`", ", ".join(adapter.countries))
        for name, adapter in adapters().items()
    ]
    return table(("carrier", "name", "countries"), rows)
