"""Dashboard writes are bounded before anything reads them: a body declared or streamed past its
route's bound gets 413 and no handler runs, while the helpdesk import keeps its own, larger
bound; what was refused stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.dashboard import contacts as contact_pages
from suivi_server.dashboard.body_limit import MAX_FORM_BYTES
from suivi_server.helpdesk.api import MAX_EXPORT_BYTES
from suivi_server.storage.schema import contacts, shipment_notes
from tests.server.dashboard_support import (  # noqa: F401 (fixture)
    SAME_ORIGIN,
    anonymous_client,
    cheap_passwords,
    staff_client,
)
from tests.server.factories import create_shipment

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("cheap_passwords")]
IMPORT = "/dashboard/contacts/import?lang=en"
BOUNDARY = "suivi-test-boundary"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
ZENDESK = (Path(__file__).parents[1] / "fixtures" / "helpdesk" / "zendesk.csv").read_bytes()


def multipart(token: str, step: str, file: bytes) -> bytes:
    """The import form as a browser sends it: token and step first, then the file."""
    fields = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (("csrf_token", token), ("step", step), ("format", "auto"))
    )
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=file; filename=tickets.csv\r\n"
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return fields + head + file + f"\r\n--{BOUNDARY}--\r\n".encode()


async def streamed(
    body: bytes, chunk: int = 1024 * 1024, sent: list[int] | None = None
) -> AsyncIterator[bytes]:
    """The body sent chunked: no Content-Length to refuse it by; `sent` counts the chunks the
    server asked for."""
    for start in range(0, len(body), chunk):
        if sent is not None:
            sent.append(start)
        yield body[start : start + chunk]


@pytest.fixture
def handlers_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The import's previews and imports that ran (each still does its work)."""
    ran: list[str] = []

    def spy(name: str) -> Callable[..., Awaitable[Any]]:
        real = getattr(contact_pages, name)

        async def recorded(*args: Any, **kwargs: Any) -> Any:
            ran.append(name)
            return await real(*args, **kwargs)

        return recorded

    for name in ("preview_export", "import_export"):
        monkeypatch.setattr(contact_pages, name, spy(name))
    return ran


async def count(engine: AsyncEngine, table: sa.Table) -> int:
    async with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(table)
        return int((await conn.execute(query)).scalar_one())


async def test_an_upload_declaring_more_than_the_import_accepts_is_refused_unread(
    app: Starlette, engine: AsyncEngine, handlers_run: list[str]
) -> None:
    async with staff_client(app, engine) as agent:
        body = multipart(await agent.csrf_token(), "import", ZENDESK)  # a valid import...
        declared = {"Content-Length": str(MAX_EXPORT_BYTES + 1024 * 1024)}  # ...said to be 17 MB
        answer = await agent.client.post(
            IMPORT, content=body, headers={**SAME_ORIGIN, **MULTIPART, **declared}
        )
    assert answer.status_code == 413
    assert "This file is larger than 16 MB" in answer.text
    assert handlers_run == []
    assert await count(engine, contacts) == 0


async def test_an_upload_streamed_past_the_bound_is_cut_off_before_any_handler(
    app: Starlette, engine: AsyncEngine, handlers_run: list[str]
) -> None:
    sent: list[int] = []
    async with staff_client(app, engine) as agent:
        padding = b"x" * (MAX_EXPORT_BYTES + 8 * 1024 * 1024)
        body = multipart(await agent.csrf_token(), "import", ZENDESK + padding)
        answer = await agent.client.post(
            IMPORT, content=streamed(body, sent=sent), headers={**SAME_ORIGIN, **MULTIPART}
        )
    assert answer.status_code == 413
    assert "This file is larger than 16 MB" in answer.text
    assert max(sent) < MAX_EXPORT_BYTES + 2 * 1024 * 1024  # the last 6 MB were never read
    assert handlers_run == []
    assert await count(engine, contacts) == 0


async def test_the_import_still_takes_a_file_larger_than_any_other_form(
    app: Starlette, engine: AsyncEngine, handlers_run: list[str]
) -> None:
    header, *rows = ZENDESK.decode().splitlines()
    longer = "\n".join([header, *rows, *(f'9{n},"Hello","{"a" * 99}",,,' for n in range(1500))])
    assert len(longer) > 2 * MAX_FORM_BYTES
    async with staff_client(app, engine) as agent:
        body = multipart(await agent.csrf_token(), "preview", longer.encode())
        answer = await agent.client.post(
            IMPORT, content=streamed(body, 8192), headers={**SAME_ORIGIN, **MULTIPART}
        )
    assert answer.status_code == 200
    assert "Preview · Zendesk" in answer.text
    assert handlers_run == ["preview_export"]


@pytest.mark.parametrize("chunked", [False, True])
async def test_any_other_form_is_bounded_small(
    app: Starlette, engine: AsyncEngine, chunked: bool
) -> None:
    async with staff_client(app, engine) as agent:
        shipment_id = await create_shipment(engine, agent.merchant_id)
        note = ("note=" + "a" * MAX_FORM_BYTES).encode()
        headers = {
            **SAME_ORIGIN,
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRF-Token": await agent.csrf_token(),
        }
        answer = await agent.client.post(
            f"/dashboard/shipments/{shipment_id}/notes?lang=en",
            content=streamed(note, 4096) if chunked else note,
            headers=headers,
        )
    assert answer.status_code == 413
    assert "This form sends more than the dashboard accepts." in answer.text
    assert await count(engine, shipment_notes) == 0


async def test_htmx_is_answered_the_refusal_alone(app: Starlette, engine: AsyncEngine) -> None:
    async with staff_client(app, engine) as agent:
        token = await agent.csrf_token()
        body = multipart(token, "preview", ZENDESK)
        headers = {
            **SAME_ORIGIN,
            **MULTIPART,
            "HX-Request": "true",
            "X-CSRF-Token": token,
            "Content-Length": str(MAX_EXPORT_BYTES * 2),
        }
        answer = await agent.client.post(IMPORT, content=body, headers=headers)
    assert answer.status_code == 413
    assert "<html" not in answer.text
    assert 'role="alert">This file is larger than 16 MB' in answer.text


@pytest.mark.parametrize("path", ["/dashboard/login", "/dashboard/invitation/some-token"])
@pytest.mark.parametrize("chunked", [False, True])
async def test_the_forms_signed_out_users_post_are_bounded_too(
    app: Starlette, path: str, chunked: bool
) -> None:
    body = ("email=a%40example.com&password=" + "p" * MAX_FORM_BYTES).encode()
    headers = {**SAME_ORIGIN, "Content-Type": "application/x-www-form-urlencoded"}
    async with anonymous_client(app) as client:
        answer = await client.post(
            f"{path}?lang=en", content=streamed(body, 4096) if chunked else body, headers=headers
        )
    assert answer.status_code == 413
    assert "This form sends more than the dashboard accepts." in answer.text
