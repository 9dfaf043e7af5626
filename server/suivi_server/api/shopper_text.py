"""JSON answers that carry what shoppers typed: `<`, `>` and `&` written as \\u escapes.

The JSON is the same to any parser, but a dashboard or helpdesk that pastes a value into HTML
without escaping it cannot be made to run a shopper's markup.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

_INERT = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


class ShopperTextJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return super().render(content).decode().translate(_INERT).encode()
