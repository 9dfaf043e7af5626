"""The OpenAPI 3.1 document, generated from the route table and the pydantic models.

Routes and documentation come from the same `Operation` list, so a route cannot exist
undocumented; JSON schemas come from the very models that validate requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

import suivi
from suivi_server.api.auth import Handler
from suivi_server.api.responses import ErrorOut

REF = "#/components/schemas/{model}"


@dataclass(frozen=True, slots=True)
class Operation:
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: str
    handler: Handler
    summary: str
    status: int = 200
    response: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    # a raw body of these types instead of a JSON `body` model
    body_types: tuple[str, ...] = ()
    query: type[BaseModel] | None = None
    # more success statuses with the same response, and errors particular to this operation
    also: tuple[tuple[int, str], ...] = ()
    errors: tuple[tuple[int, str], ...] = ()

    @property
    def openapi_path(self) -> str:
        return "/api" + re.sub(r"\{(\w+):\w+\}", r"{\1}", self.path)


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": REF.format(model="ErrorOut")}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
        for name in re.findall(r"\{(\w+):int\}", op.path)
    ]
    if op.query is not None:
        for name, schema in schemas[op.query.__name__]["properties"].items():
            param = {"name": name, "in": "query", "required": False, "schema": schema}
            if schema.get("type") == "array":
                param.update(style="form", explode=False)
            params.append(param)
    return params


def _operation(op: Operation, refs: dict[Any, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    content = {}
    if op.response is not None:
        content = {"application/json": {"schema": refs[(op.response, "serialization")]}}
    responses: dict[str, Any] = {
        str(status): {"description": description, **({"content": content} if content else {})}
        for status, description in ((op.status, "success"), *op.also)
    }
    responses["401"] = _error("missing, invalid or revoked API key")
    if "{" in op.path:
        responses["404"] = _error("not found among this merchant's records")
    result: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.handler.__name__,
        "parameters": _parameters(op, schemas),
        "responses": responses,
    }
    if op.body is not None or op.body_types:
        body_schema = (
            refs[(op.body, "validation")] if op.body else {"type": "string", "minLength": 1}
        )
        result["requestBody"] = {
            "required": True,
            "content": {
                kind: {"schema": body_schema} for kind in op.body_types or ("application/json",)
            },
        }
        responses |= {"400": _error("malformed or empty body"), "413": _error("body too large")}
    if op.body is not None or op.query is not None:
        responses["422"] = _error("a field is invalid; `field` names it")
    responses |= {str(status): _error(description) for status, description in op.errors}
    if "429" in responses:
        retry = {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}
        responses["429"]["headers"] = {"Retry-After": retry}
    return result


def document(operations: list[Operation]) -> dict[str, Any]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorOut, "serialization")]
    for op in operations:
        wanted += [(m, "validation") for m in (op.body, op.query) if m is not None]
        wanted += [(op.response, "serialization")] if op.response is not None else []
    refs, defs = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REF)
    schemas = defs.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = _operation(op, refs, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Suivi merchant API", "version": suivi.__version__},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"apiKey": []}],
    }
