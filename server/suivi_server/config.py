"""Server configuration, read in ONE place from the environment (or a `.env`-style file)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from starlette.config import Config

from suivi_server.security import MIN_SECRET_BYTES

DEFAULT_DATA_DIR = Path("data")


class ConfigError(ValueError):
    """A setting that would start an unsafe or broken server; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to start. Secrets never have a usable default in production."""

    # `postgresql://…` to scale out; default: SQLite in the data dir.
    database_url: str
    # Where the SQLite database and the generated secret key live.
    data_dir: Path
    # Comma-separated, each at least 32 bytes: the first signs links, all verify (rotation).
    secret_keys: tuple[str, ...]
    # The address shoppers use: the base of every link Suivi sends.
    public_url: str = "http://127.0.0.1:8000"
    # Send every carrier call to one host (the carrier simulator, a recording proxy).
    carrier_base_url: str | None = None
    # A folder of themes (`<name>/theme.toml`, with `default`) used instead of the bundled one.
    themes_dir: Path | None = None
    # The pages' language when neither the shopper nor the merchant's settings choose one.
    default_locale: str = "fr"
    # Lookups (order form, tracking-number search) one client address may try per minute.
    lookup_attempts_per_minute: int = 10
    # How long a page's versions or an API key's merchant, read from the database, are reused
    # by one process (its own writes drop them at once); 0: read on every request.
    page_recheck_seconds: float = 1.0
    # Proxy addresses (or networks) whose X-Forwarded-For/-Proto are believed; none by default.
    trusted_proxies: tuple[str, ...] = ()
    # Tracebacks in error responses: never in production.
    debug: bool = False
    # The Bearer token /metrics asks for; None: /metrics answers 404.
    metrics_token: str | None = field(default=None, repr=False)
    # Merchant webhook URLs may point at loopback or private networks (tests, closed networks).
    webhooks_allow_private_networks: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | None = None
) -> Settings:
    """Settings from `SUIVI_*` variables. Without SUIVI_SECRET_KEYS a random key is generated
    and stored in the data dir, so a single self-hosted instance keeps its links valid."""
    config = Config(env_file=env_file, environ=environ) if environ is not None else Config(env_file)
    data_dir = Path(config("SUIVI_DATA_DIR", default=str(DEFAULT_DATA_DIR)))
    database_url = config(
        "SUIVI_DATABASE_URL", default=f"sqlite+aiosqlite:///{data_dir.resolve() / 'suivi.db'}"
    )
    keys = secret_keys(config("SUIVI_SECRET_KEYS", default=""))
    return Settings(
        database_url=normalize_database_url(database_url),
        data_dir=data_dir,
        secret_keys=keys or (local_secret(data_dir),),
        public_url=config("SUIVI_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/"),
        carrier_base_url=config("SUIVI_CARRIER_BASE_URL", default=None),
        themes_dir=Path(t) if (t := config("SUIVI_THEMES_DIR", default=None)) else None,
        default_locale=config("SUIVI_DEFAULT_LOCALE", default="fr"),
        lookup_attempts_per_minute=config("SUIVI_LOOKUP_ATTEMPTS_PER_MINUTE", cast=int, default=10),
        page_recheck_seconds=recheck_seconds(config("SUIVI_PAGE_RECHECK_SECONDS", default="1")),
        trusted_proxies=trusted_proxies(config("SUIVI_TRUSTED_PROXIES", default="")),
        debug=config("SUIVI_DEBUG", cast=bool, default=False),
        metrics_token=config("SUIVI_METRICS_TOKEN", default=None) or None,
        webhooks_allow_private_networks=config(
            "SUIVI_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", cast=bool, default=False
        ),
    )


def secret_keys(value: str) -> tuple[str, ...]:
    """The keys of SUIVI_SECRET_KEYS; empty means none set. A blank or short entry is refused:
    it would sign links anyone can forge."""
    if value == "":
        return ()
    keys = tuple(key.strip() for key in value.split(","))
    for position, key in enumerate(keys, start=1):
        if len(key.encode()) < MIN_SECRET_BYTES:
            problem = "is blank" if not key else f"has {len(key.encode())} bytes"
            raise ConfigError(
                f"SUIVI_SECRET_KEYS: key {position} {problem}; every key needs at least "
                f"{MIN_SECRET_BYTES} bytes (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`)"
            )
    return keys


def recheck_seconds(value: str) -> float:
    """A number of seconds, zero or more: anything else would silently disable or break it."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ConfigError(
            f"SUIVI_PAGE_RECHECK_SECONDS: {value!r} is not a number of seconds >= 0 (e.g. 1)"
        )
    return seconds


def trusted_proxies(value: str) -> tuple[str, ...]:
    """IP addresses or CIDR networks of the reverse proxies in front of the server.

    Only their forwarding headers name the client; from anyone else they are ignored, so a
    client cannot pick the address the lookup form's rate limit counts against.
    """
    entries = tuple(entry.strip() for entry in value.split(",") if entry.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(
                f"SUIVI_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                "(e.g. 10.0.0.5 or 10.0.0.0/24)"
            ) from None
    return entries


def normalize_database_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite://` URLs and pick the async drivers."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def local_secret(data_dir: Path) -> str:
    import secrets

    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret.key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
