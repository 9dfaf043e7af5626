"""The server's configuration reference and its merchant API, read from the code at build time.

Variables: `load_settings` in `suivi_server/config.py` (each `config("SUIVI_…")` call, the
`Settings` field it fills and the comment above that field), then every other `SUIVI_…` name a
server module reads (`environ.get`, pydantic aliases), so a new variable is listed the day it is
read. The API: the OpenAPI document the server serves at `/api/openapi.json`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gen_carriers import adapters, table

import suivi_server
from suivi_server import config as server_config
from suivi_server.api.openapi import document
from suivi_server.api.routes import OPERATIONS

VARIABLE = re.compile(r"SUIVI_[A-Z0-9_]+")


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    kind: str
    meaning: str
    where: str


def comments_above(source: list[str], line: int) -> str:
    """The `#` comment lines right above line `line` (1-based), joined."""
    found: list[str] = []
    index = line - 2
    while index >= 0 and source[index].strip().startswith("#"):
        found.insert(0, source[index].strip().lstrip("#").strip())
        index -= 1
    return " ".join(found)


def _is_variable(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if VARIABLE.fullmatch(node.value) else None
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _shown(node: ast.expr | None) -> str:
    if node is None:
        return "–"
    if isinstance(node, ast.Constant) and node.value in ("", None):
        return "unset"
    return f"`{ast.unparse(node)}`"


def settings_variables() -> list[Variable]:
    """What `load_settings` reads, with the Settings field each variable fills."""
    path = Path(inspect.getfile(server_config))
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    settings = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    fields = {
        node.target.id: (ast.unparse(node.annotation), comments_above(lines, node.lineno))
        for node in settings.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    loader = next(
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "load_settings"
    )
    locals_: dict[str, ast.expr] = {
        target.id: node.value
        for node in ast.walk(loader)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    defaults: dict[str, str] = {}

    def direct(node: ast.AST) -> list[ast.Call]:
        return [
            inner
            for inner in ast.walk(node)
            if isinstance(inner, ast.Call) and inner.args and _is_variable(inner.args[0])
        ]

    def names(node: ast.AST) -> list[str]:
        return [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in locals_]

    built = next(
        n
        for n in ast.walk(loader)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "Settings"
    )
    # A variable fills the field that reads it most directly: in its own expression, then
    # through a local of the field's name (`data_dir=data_dir`), then through any local.
    reach: dict[str, tuple[int, str]] = {}
    for keyword in built.keywords:
        if keyword.arg is None:
            continue
        levels = (
            direct(keyword.value),
            [c for n in names(keyword.value) if n == keyword.arg for c in direct(locals_[n])],
            [c for n in names(keyword.value) for c in direct(locals_[n])],
        )
        for level, calls in enumerate(levels):
            for call in calls:
                name = _is_variable(call.args[0])
                assert name is not None
                if name not in reach or reach[name][0] > level:
                    reach[name] = (level, keyword.arg)
                    defaults[name] = _shown(_keyword(call, "default"))
    found = {}
    for name, (_, field) in reach.items():
        annotation, meaning = fields.get(field, ("", ""))
        found[name] = Variable(name, defaults[name], f"`{annotation}`", meaning, field)
    return list(found.values())


def _scopes(tree: ast.Module) -> Iterator[tuple[str, ast.AST, list[str]]]:
    """(enclosing function or class, node, enclosing scope names) for every node."""

    def visit(node: ast.AST, scope: list[str]) -> Iterator[tuple[str, ast.AST, list[str]]]:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = [*scope, child.name]
            yield (".".join(inner), child, inner)
            yield from visit(child, inner)

    yield from visit(tree, [])


def other_variables(known: set[str]) -> dict[str, list[Variable]]:
    """Every other `SUIVI_…` a server module reads, grouped by module (its docstring's line)."""
    groups: dict[str, list[Variable]] = {}
    root = Path(suivi_server.__file__).parent
    for info in pkgutil.walk_packages([str(root)], "suivi_server."):
        if info.name in (server_config.__name__,) or ".simulator" in info.name:
            continue
        path = root.joinpath(*info.name.split(".")[1:])
        file = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        if not file.is_file():
            continue
        source = file.read_text()
        if "SUIVI_" not in source:
            continue
        lines = source.splitlines()
        for scope, node, _ in _scopes(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            alias = _is_variable(_keyword(node, "alias"))
            positional = [(i, _is_variable(a)) for i, a in enumerate(node.args)]
            name = alias or next((n for _, n in positional if n), None)
            if name is None or name in known:
                continue
            if alias:
                default = _keyword(node, "default")
            else:
                index = next(i for i, n in positional if n)
                default = node.args[index + 1] if len(node.args) > index + 1 else None
            meaning = comments_above(lines, node.lineno) if alias else ""
            known.add(name)
            groups.setdefault(info.name, []).append(
                Variable(name, _shown(default), "", meaning, scope)
            )
    return groups


def configuration() -> str:
    """The reference: server settings, other server variables, then each carrier's."""
    core = settings_variables()
    parts = [
        "## Server",
        "",
        "Read once at start by `suivi_server.config.load_settings` "
        "(a `.env`-style file works too).",
        "",
        table(
            ("variable", "default", "type", "meaning"),
            ((f"`{v.name}`", v.default, v.kind, v.meaning) for v in core),
        ),
    ]
    for module, variables in other_variables({v.name for v in core}).items():
        doc = inspect.cleandoc(importlib.import_module(module).__doc__ or "").split("\n\n")[0]
        parts += [
            "",
            f"## `{module}`",
            "",
            " ".join(doc.split()),
            "",
            table(
                ("variable", "default", "read by", "meaning"),
                ((f"`{v.name}`", v.default, f"`{v.where}`", v.meaning) for v in variables),
            ),
        ]
    parts += ["", "## Carriers", ""]
    parts += [
        f"- [{adapter.display_name}](../carriers/{name}.md#credentials-and-settings): "
        + ", ".join(
            f"`SUIVI_{name.upper()}_{field.upper()}`"
            for field in adapter.settings_model.model_fields
        )
        for name, adapter in adapters().items()
    ]
    return "\n".join(parts)


def _schema_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref")
    if ref:
        return f"`{ref.rpartition('/')[2]}`"
    kind = schema.get("type", "")
    if kind == "array":
        return f"array of {_schema_name(schema.get('items', {}))}"
    if "anyOf" in schema:
        return " or ".join(_schema_name(s) for s in schema["anyOf"])
    return f"`{kind}`" if kind else "any"


def openapi() -> str:
    """Every path and method with its parameters, body and answers; then the raw document."""
    spec = document(OPERATIONS)
    parts: list[str] = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            parts += [f"### `{method.upper()} {path}`", "", op["summary"], ""]
            params = op.get("parameters", [])
            if params:
                parts += [
                    table(
                        ("parameter", "in", "type"),
                        ((f"`{p['name']}`", p["in"], _schema_name(p["schema"])) for p in params),
                    ),
                    "",
                ]
            body = op.get("requestBody")
            if body:
                kinds = ", ".join(
                    f"`{kind}` ({_schema_name(c['schema'])})" for kind, c in body["content"].items()
                )
                parts += [f"Body: {kinds}.", ""]
            answers = (
                (
                    f"`{status}`",
                    answer["description"],
                    ", ".join(_schema_name(c["schema"]) for c in answer.get("content", {}).values())
                    or "–",
                )
                for status, answer in sorted(op["responses"].items())
            )
            parts += [table(("status", "meaning", "body"), answers), ""]
    raw = json.dumps(spec, indent=2, ensure_ascii=False)
    parts += [
        "## The document",
        "",
        '??? example "`/api/openapi.json`"',
        "",
        textwrap.indent(f"```json\n{raw}\n```", "    "),
    ]
    return "\n".join(parts)
