"""The team: invitations (page and CLI, shown or emailed), accepting one, roles, disabling,
the last admin, another shop's users out of reach, and the CSV export's formula guard."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi.cli import main
from suivi_server.dashboard import passwords
from suivi_server.dashboard.render import csv_download
from suivi_server.storage.schema import dashboard_users
from tests.server.dashboard_support import (  # noqa: F401 (fixtures)
    PASSWORD,
    SAME_ORIGIN,
    Staff,
    anonymous_client,
    cheap_passwords,
    create_user,
    dashboard_client_fixture,
    staff_client,
)

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("cheap_passwords")]
LINK = re.compile(r"http://testserver(/dashboard/invitation/[\w-]+)")
NEW_PASSWORD = "my own long passphrase"


async def invite(admin: Staff, email: str, role: str = "agent") -> str:
    """Invite through the page (no SMTP configured: the link is shown) and return its path."""
    response = await admin.post("/dashboard/team/invite", {"email": email, "role": role})
    assert response.status_code == 200, response.text
    found = LINK.search(response.text)
    assert found, response.text
    return found.group(1)


async def accept(
    client: httpx.AsyncClient, path: str, *, name: str = "Léa Petit", password: str = NEW_PASSWORD
) -> httpx.Response:
    data = {"name": name, "password": password, "confirm": password}
    return await client.post(path, data=data, headers=SAME_ORIGIN)


async def user_row(engine: AsyncEngine, email: str) -> Any:
    async with engine.connect() as conn:
        query = sa.select(dashboard_users).where(dashboard_users.c.email == email)
        return (await conn.execute(query)).first()


async def test_an_invited_agent_accepts_once_and_is_signed_in(
    app: Starlette, dashboard_client: Staff, engine: AsyncEngine
) -> None:
    path = await invite(dashboard_client, "Lea@Maison-Lumiere.example")
    row = await user_row(engine, "lea@maison-lumiere.example")
    assert row.password_hash is None
    assert path.rsplit("/", 1)[1] not in (row.invitation_hash or "")  # only the hash is kept
    async with anonymous_client(app) as lea:
        form = await lea.get(path)
        assert form.status_code == 200
        assert "lea@maison-lumiere.example" in form.text
        accepted = await accept(lea, path)
        assert accepted.status_code == 303
        home = await lea.get("/dashboard/")
        assert home.status_code == 200
        assert "Léa Petit" in home.text
        assert (await lea.get("/dashboard/team")).status_code == 403  # an agent
    async with anonymous_client(app) as again:
        assert (await again.get(path)).status_code == 404
        assert (await accept(again, path, password="someone else's pass")).status_code == 404
    assert passwords.verify_password(
        (await user_row(engine, row.email)).password_hash, NEW_PASSWORD
    )


async def test_an_invitation_expires_after_seven_days(
    app: Starlette, dashboard_client: Staff, clock: list[datetime]
) -> None:
    path = await invite(dashboard_client, "late@maison-lumiere.example")
    clock[0] += timedelta(days=7, seconds=1)
    async with anonymous_client(app) as late:
        assert (await late.get(path)).status_code == 404
        response = await accept(late, f"{path}?lang=en")
        assert response.status_code == 404
        assert "expired or was already used" in response.text


async def test_a_weak_password_is_refused_and_the_invitation_kept(
    app: Starlette, dashboard_client: Staff, engine: AsyncEngine
) -> None:
    path = await invite(dashboard_client, "weak@maison-lumiere.example")
    async with anonymous_client(app) as client:
        for password in ("too short", "weak@maison-lumiere.example"):
            assert (await accept(client, path, password=password)).status_code == 400
        mismatch = {"name": "W", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"}
        assert (await client.post(path, data=mismatch, headers=SAME_ORIGIN)).status_code == 400
        assert (await accept(client, path, name=" ")).status_code == 400
        assert (await user_row(engine, "weak@maison-lumiere.example")).password_hash is None
        assert (await accept(client, path)).status_code == 303


async def test_a_new_link_replaces_the_old_one(
    app: Starlette, dashboard_client: Staff, engine: AsyncEngine
) -> None:
    old = await invite(dashboard_client, "slow@maison-lumiere.example")
    user_id = (await user_row(engine, "slow@maison-lumiere.example")).id
    response = await dashboard_client.post(f"/dashboard/team/{user_id}/resend")
    assert response.status_code == 200
    new = LINK.search(response.text)
    assert new
    async with anonymous_client(app) as client:
        assert (await client.get(old)).status_code == 404
        assert (await accept(client, new.group(1))).status_code == 303
    # accepted: no more links for this account
    assert (await dashboard_client.post(f"/dashboard/team/{user_id}/resend")).status_code == 404


async def test_bad_invitations_are_refused_with_a_reason(dashboard_client: Staff) -> None:
    cases = [
        ({"email": "not an address", "role": "agent"}, 400, "not valid"),
        ({"email": "x@maison-lumiere.example", "role": "owner"}, 400, "admin or agent"),
        ({"email": "ADMIN@maison-lumiere.example", "role": "agent"}, 409, "already has"),
    ]
    for data, status, reason in cases:
        response = await dashboard_client.post("/dashboard/team/invite?lang=en", data)
        assert response.status_code == status
        assert reason in response.text


async def test_the_last_admin_can_be_neither_demoted_nor_disabled(
    app: Starlette, dashboard_client: Staff, engine: AsyncEngine
) -> None:
    me = dashboard_client.user_id
    demote = await dashboard_client.post(f"/dashboard/team/{me}/role?lang=en", {"role": "agent"})
    assert demote.status_code == 409
    assert "at least one active admin" in demote.text
    assert (await dashboard_client.post(f"/dashboard/team/{me}/disable")).status_code == 409
    other = await create_user(engine, dashboard_client.merchant_id, "second@maison-lumiere.example")
    promoted = await dashboard_client.post(f"/dashboard/team/{other}/role", {"role": "admin"})
    assert promoted.status_code == 303
    assert (
        await dashboard_client.post(f"/dashboard/team/{me}/role", {"role": "agent"})
    ).status_code == 303
    assert (await dashboard_client.get("/dashboard/team")).status_code == 403  # now an agent


async def test_disabling_a_user_ends_their_sessions(
    app: Starlette, dashboard_client: Staff, engine: AsyncEngine
) -> None:
    async with staff_client(app, engine, role="agent") as agent:
        assert (await agent.get("/dashboard/")).status_code == 200
        response = await dashboard_client.post(f"/dashboard/team/{agent.user_id}/disable")
        assert response.status_code == 303
        assert (await agent.get("/dashboard/")).status_code == 303
    async with anonymous_client(app) as client:
        login = await client.post(
            "/dashboard/login",
            data={"email": agent.email, "password": PASSWORD},
            headers=SAME_ORIGIN,
        )
        assert login.status_code == 400
    assert (
        await dashboard_client.post(f"/dashboard/team/{agent.user_id}/enable")
    ).status_code == 303


async def test_another_shops_users_are_out_of_reach(
    app: Starlette, dashboard_client: Staff, engine: AsyncEngine
) -> None:
    async with staff_client(app, engine, role="admin", merchant_slug="other-shop") as other:
        page = await other.get("/dashboard/team")
        assert dashboard_client.email not in page.text
        victim = dashboard_client.user_id
        for action, data in (("role", {"role": "agent"}), ("disable", {}), ("resend", {})):
            response = await other.post(f"/dashboard/team/{victim}/{action}", data)
            assert response.status_code == 404, action
        assert (await other.post("/dashboard/team/99999999999/disable")).status_code == 404
    assert (await dashboard_client.get("/dashboard/team")).status_code == 200  # still admin


async def test_the_team_csv_neutralizes_formulas(
    dashboard_client: Staff, engine: AsyncEngine
) -> None:
    await create_user(
        engine, dashboard_client.merchant_id, "f@maison-lumiere.example", name='=HYPERLINK("x")'
    )
    response = await dashboard_client.get("/dashboard/team?format=csv&lang=en")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="team.csv"' in response.headers["content-disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffName,Email,Role,Status,Last sign-in\r\n")
    assert '"\'=HYPERLINK(""x"")",f@maison-lumiere.example,Agent,Active,' in body


def test_every_formula_start_is_neutralized_and_numbers_kept() -> None:
    rows = [["=1+1", "+33 1 23", "-2", "@SUM(A1)", "\tx", -3, 4.5, None, 'say "hi", then']]
    body = csv_download("x.csv", ["a"], rows).body.decode()
    assert body == (
        '\ufeffa\r\n\'=1+1,\'+33 1 23,\'-2,\'@SUM(A1),\'\tx,-3,4.5,,"say ""hi"", then"\r\n'
    )


def test_passwords_are_stored_as_argon2id() -> None:
    stored = passwords.hash_password(NEW_PASSWORD)
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, NEW_PASSWORD)
    assert not passwords.verify_password(stored, NEW_PASSWORD + "x")
    assert not passwords.verify_password(None, NEW_PASSWORD)


class Recorder:
    def __init__(self) -> None:
        self.received: list[Any] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SUIVI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SUIVI_SMTP_PORT", str(port))
    monkeypatch.setenv("SUIVI_SMTP_SECURITY", "none")
    monkeypatch.setenv("SUIVI_MAIL_FROM", "dashboard@track.example")
    yield recorder
    controller.stop()


async def test_with_smtp_configured_the_invitation_is_emailed(
    app: Starlette, dashboard_client: Staff, smtp: Recorder
) -> None:
    response = await dashboard_client.post(
        "/dashboard/team/invite?lang=en", {"email": "mail@maison-lumiere.example", "role": "agent"}
    )
    assert response.status_code == 303
    shown = await dashboard_client.get("/dashboard/team?lang=en")
    assert "The invitation was sent to mail@maison-lumiere.example." in shown.text
    assert not LINK.search(shown.text)
    (mail,) = smtp.received
    assert mail["To"] == "mail@maison-lumiere.example"
    assert mail["From"] == "dashboard@track.example"
    found = LINK.search(mail.get_content())
    assert found
    async with anonymous_client(app) as client:
        assert (await accept(client, found.group(1))).status_code == 303


def test_the_cli_invites_and_lists_users(tmp_path: Path) -> None:
    env = {
        "SUIVI_DATA_DIR": str(tmp_path),
        "SUIVI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
        "SUIVI_PUBLIC_URL": "https://track.example",
    }
    runner = CliRunner()
    assert (
        runner.invoke(main, ["merchant", "create", "maison", "--name", "M"], env=env).exit_code == 0
    )
    invited = runner.invoke(
        main, ["merchant", "invite", "maison", "Boss@Maison.example", "--role", "admin"], env=env
    )
    assert invited.exit_code == 0, invited.output
    assert re.search(
        r"^https://track\.example/dashboard/invitation/[\w-]{40,}$", invited.stdout, re.M
    )
    listed = runner.invoke(main, ["merchant", "users", "maison"], env=env)
    assert listed.stdout == "boss@maison.example\tadmin\tpending\t\n"
    again = runner.invoke(main, ["merchant", "invite", "maison", "boss@maison.example"], env=env)
    assert again.exit_code == 1
    assert "already has an account" in again.output
    unknown = runner.invoke(main, ["merchant", "invite", "nope", "a@b.example"], env=env)
    assert "no merchant 'nope'" in unknown.output
