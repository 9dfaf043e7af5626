"""`suivi db`, `suivi merchant` and `suivi import`: running a self-hosted instance from a shell.

Settings come from `SUIVI_*` variables (see config.py). Commands that write migrate first, so
a fresh install needs no separate step; heavy imports stay inside the commands.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

T = TypeVar("T")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
BATCH = 200


def _origins(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[str]:
    from suivi_server.origins import InvalidOrigin, parse_origin

    try:
        return [parse_origin(value) for value in values]
    except InvalidOrigin as exc:
        raise click.BadParameter(str(exc)) from None


def _run(work: Callable[[Any, Any], Awaitable[T]]) -> T:
    """Migrate, then run `work(engine, now)` with an engine that is disposed afterwards."""
    from suivi_server.commands import load_settings_or_exit
    from suivi_server.services import utc_now
    from suivi_server.storage.engine import create_engine, upgrade_sync

    settings = load_settings_or_exit()
    upgrade_sync(settings.database_url)

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(engine, utc_now())
        finally:
            await engine.dispose()

    return asyncio.run(main())


@click.group()
def db() -> None:
    """The database schema."""


@db.command()
def upgrade() -> None:
    """Apply every pending migration (also done when the server starts)."""
    from suivi_server.commands import load_settings_or_exit
    from suivi_server.storage.engine import upgrade_sync

    upgrade_sync(load_settings_or_exit().database_url)
    click.echo("database is up to date")


def _postgresql_only(command: str) -> None:
    from suivi_server.commands import load_settings_or_exit

    if load_settings_or_exit().is_sqlite:
        raise click.ClickException(
            f"{command} is for PostgreSQL only: SQLite keeps events in one table"
        )


@db.command("partition-events")
@click.option("--ahead", default=3, show_default=True, type=click.IntRange(0, 24))
def partition_events(ahead: int) -> None:
    """Partition tracking events by month (converting the table, rows kept, the first time)
    and create this month's partition and the next AHEAD ones. Idempotent: run it daily."""
    from suivi_server.storage import partitions

    _postgresql_only("partition-events")

    async def work(engine: Any, now: Any) -> tuple[partitions.Conversion | None, list[str]]:
        async with engine.begin() as conn:
            if await partitions.is_partitioned(conn):
                return None, await partitions.create_ahead(conn, now, ahead)
            try:
                return await partitions.convert(conn, now, ahead), []
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None

    conversion, made = _run(work)
    if conversion is not None:
        click.echo(
            f"tracking_events partitioned by month: {conversion.rows} rows kept,"
            f" {len(conversion.months)} month partitions and a default one"
        )
        made = list(conversion.months)
    click.echo(f"created: {', '.join(made)}" if made else "every month partition already exists")


@db.command("prune-events")
@click.option("--keep-months", required=True, type=click.IntRange(min=1), help="Months kept.")
def prune_events(keep_months: int) -> None:
    """Drop the month partitions of tracking events older than KEEP-MONTHS months: a parcel
    older than that keeps its status and dates, but its page shows no events."""
    from suivi_server.storage import partitions

    _postgresql_only("prune-events")

    async def work(engine: Any, now: Any) -> tuple[list[str], int]:
        async with engine.begin() as conn:
            try:
                return await partitions.prune(conn, now, keep_months)
            except partitions.NotPartitioned:
                raise click.ClickException(
                    "tracking_events is not partitioned: run `suivi db partition-events` first"
                ) from None

    dropped, deleted = _run(work)
    click.echo(f"dropped: {', '.join(dropped)}" if dropped else "no month to drop")
    click.echo(f"{deleted} older events deleted from the default partition")


@click.group()
def merchant() -> None:
    """Merchants and their API keys."""


@merchant.command()
@click.argument("slug")
@click.option("--name", required=True, help="Shown to shoppers on the tracking page.")
@click.option("--theme", default="default", show_default=True)
@click.option(
    "--allowed-origin",
    "origins",
    multiple=True,
    callback=_origins,
    help="Site allowed to embed the widget, as http(s)://host[:port].",
)
def create(slug: str, name: str, theme: str, origins: list[str]) -> None:
    """Create merchant SLUG and print its API key (shown once, stored hashed)."""
    from suivi_server.storage import merchants

    if not SLUG.fullmatch(slug):
        raise click.BadParameter("lower-case letters, digits and dashes", param_hint="SLUG")

    async def work(engine: Any, now: Any) -> str:
        async with engine.begin() as conn:
            if await merchants.merchant_by_slug(conn, slug):
                raise click.ClickException(f"merchant {slug!r} already exists")
            settings = {"allowed_origins": origins}
            created = await merchants.create_merchant(
                conn, slug, name, now, theme=theme, settings=settings
            )
            return await merchants.issue_api_key(conn, created.id, now, label="cli")

    key = _run(work)
    click.echo(f"merchant {slug!r} created. API key (shown once, keep it secret):")
    click.echo(key)


@merchant.command("revoke-key")
@click.argument("key")
def revoke_key(key: str) -> None:
    """Revoke an API key, given in full or by its prefix."""
    from suivi_server.storage import merchants

    async def work(engine: Any, now: Any) -> bool:
        async with engine.begin() as conn:
            return await merchants.revoke_api_key(conn, key, now)

    if not _run(work):
        raise click.ClickException("no live key with that prefix")
    click.echo("key revoked")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--merchant", "slug", required=True, help="The merchant's slug.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="Default: guessed.")
def import_command(file: Path, slug: str, fmt: str | None) -> None:
    """Import shipments from a CSV or JSON-lines FILE; bad lines are listed, not fatal."""
    from rich.console import Console
    from rich.progress import Progress

    from suivi_server import importer
    from suivi_server.api.imports import LineResult, import_line
    from suivi_server.storage.merchants import merchant_by_slug

    text = file.read_text(encoding="utf-8-sig")
    lines = list(importer.parse(text, importer.guess_format(text, fmt or file.name)))

    async def work(engine: Any, now: Any) -> list[LineResult]:
        async with engine.connect() as conn:
            found = await merchant_by_slug(conn, slug)
        if found is None:
            raise click.ClickException(f"no merchant {slug!r}")
        results: list[LineResult] = []
        with Progress(console=Console(stderr=True)) as progress:
            task = progress.add_task(f"importing {file.name}", total=len(lines))
            for start in range(0, len(lines), BATCH):
                async with engine.begin() as conn:
                    for line in lines[start : start + BATCH]:
                        results.append(await import_line(conn, found.id, line, now))
                        progress.advance(task)
        return results

    results = _run(work)
    counts = {
        kind: sum(r.result == kind for r in results) for kind in ("created", "updated", "failed")
    }
    click.echo(", ".join(f"{n} {kind}" for kind, n in counts.items()))
    for result in results:
        for error in result.errors:
            click.echo(f"line {result.line}: {error['field']}: {error['message']}", err=True)
    if counts["failed"]:
        sys.exit(1)


@merchant.command("notifications")
@click.argument("slug")
@click.option(
    "--file",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML or JSON rules to store; without it the current rules are printed.",
)
def notifications(slug: str, source: Path | None) -> None:
    """Show or set merchant SLUG's notification rules (events left out keep their default)."""
    import json
    import tomllib

    from pydantic import ValidationError

    from suivi_server.notifications.rules import NotificationRules, rules_of, save_rules
    from suivi_server.storage.merchants import merchant_by_slug

    rules: NotificationRules | None = None
    if source is not None:
        text = source.read_text(encoding="utf-8")
        try:
            raw = json.loads(text) if source.suffix == ".json" else tomllib.loads(text)
            rules = NotificationRules.model_validate(raw)
        except (ValueError, ValidationError) as exc:
            raise click.ClickException(f"{source.name}: {exc}") from None

    async def work(engine: Any, now: Any) -> tuple[NotificationRules, list[str]]:
        async with engine.begin() as conn:
            found = await merchant_by_slug(conn, slug)
            if found is None:
                raise click.ClickException(f"no merchant {slug!r}")
            if rules is None:
                return rules_of(found.settings), []
            return rules, await save_rules(conn, found.id, rules, now, changed_by="cli")

    stored, changed = _run(work)
    if source is not None:
        click.echo(f"rules stored; changed: {', '.join(changed) or 'nothing'}", err=True)
    click.echo(json.dumps(stored.model_dump(mode="json"), indent=2))


@merchant.command("invite")
@click.argument("slug")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "agent"]), default="agent", show_default=True)
def invite(slug: str, email: str, role: str) -> None:
    """Invite EMAIL to merchant SLUG's dashboard and print the invitation link (7 days)."""
    from email_validator import EmailNotValidError, validate_email

    from suivi_server.commands import load_settings_or_exit
    from suivi_server.dashboard import invitations, users
    from suivi_server.storage.merchants import merchant_by_slug

    try:
        address = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from None

    async def work(engine: Any, now: Any) -> str:
        async with engine.begin() as conn:
            found = await merchant_by_slug(conn, slug)
            if found is None:
                raise click.ClickException(f"no merchant {slug!r}")
            try:
                return await users.invite(conn, found.id, address, role, now)  # type: ignore[arg-type]
            except users.AlreadyMember:
                raise click.ClickException(f"{address} already has an account") from None

    token = _run(work)
    click.echo(f"{address} invited as {role}. Invitation link (valid 7 days, single use):")
    click.echo(invitations.invitation_link(load_settings_or_exit(), token))


@merchant.command("users")
@click.argument("slug")
def list_users(slug: str) -> None:
    """List merchant SLUG's dashboard users: email, role, status, name."""
    from suivi_server.dashboard import users
    from suivi_server.storage.merchants import merchant_by_slug

    async def work(engine: Any, now: Any) -> tuple[Any, list[users.StaffUser]]:
        async with engine.connect() as conn:
            found = await merchant_by_slug(conn, slug)
            if found is None:
                raise click.ClickException(f"no merchant {slug!r}")
            return now, await users.of_merchant(conn, found.id)

    now, team = _run(work)
    for user in team:
        click.echo(f"{user.email}\t{user.role}\t{user.status(now)}\t{user.name}")
    if not team:
        click.echo("no users yet: invite one with `suivi merchant invite`", err=True)
