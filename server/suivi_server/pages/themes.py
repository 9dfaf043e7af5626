"""Themes: `themes/<name>/theme.toml` + templates/ + static/, all read once at start-up.

Each theme gets ONE Jinja environment whose loader tries the theme's templates, then the default
theme's, and also answers `default:<name>` so a theme can extend the default page and override a
single block (the Datasette model). Static files are held in memory with their ETag, and also
answer under a content-hashed name (`suivi.<hash>.css`) that templates get from `asset_url()`:
a new content is a new URL, so those URLs can be cached for a year.
"""

from __future__ import annotations

import hashlib
import mimetypes
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from starlette.templating import Jinja2Templates

DEFAULT_THEME = "default"
_PACKAGED = Path(__file__).resolve().parent.parent / "themes"
_REPOSITORY = Path(__file__).resolve().parents[3] / "themes"


@dataclass(frozen=True)
class Theme:
    """What theme.toml declares: defaults a merchant's own settings may override."""

    name: str
    label: str
    logo: str | None
    font: str
    colours: Mapping[str, str]
    contact: Mapping[str, str]
    stylesheets: tuple[str, ...]


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str
    hashed_path: str


@dataclass
class ThemeSet:
    themes: dict[str, Theme]
    templates: dict[str, Jinja2Templates]
    assets: dict[tuple[str, str], Asset] = field(default_factory=dict)
    hashed: dict[tuple[str, str], Asset] = field(init=False)

    def __post_init__(self) -> None:
        self.hashed = {(theme, a.hashed_path): a for (theme, _), a in self.assets.items()}

    def theme(self, name: str) -> Theme:
        return self.themes.get(name) or self.themes[DEFAULT_THEME]

    def renderer(self, name: str) -> Jinja2Templates:
        return self.templates.get(name) or self.templates[DEFAULT_THEME]

    def asset(self, theme: str, path: str) -> Asset | None:
        return self.assets.get((theme, path)) or self.assets.get((DEFAULT_THEME, path))

    def hashed_asset(self, theme: str, path: str) -> Asset | None:
        """Only the exact theme: `url()` already names the theme that holds the file."""
        return self.hashed.get((theme, path))

    def url(self, path: str, theme: str = DEFAULT_THEME) -> str:
        """The long-cached URL of a theme's file, else the default theme's; a typo raises."""
        for owner in (theme, DEFAULT_THEME):
            asset = self.assets.get((owner, path))
            if asset is not None:
                return f"/static/{owner}/{asset.hashed_path}"
        raise LookupError(f"no static file {path!r} in theme {theme!r} or the default theme")


def themes_root(configured: Path | None) -> Path:
    """The configured directory, else the one shipped in the wheel, else the repository's."""
    for candidate in (configured, _PACKAGED, _REPOSITORY):
        if candidate is not None and (candidate / DEFAULT_THEME / "theme.toml").is_file():
            return candidate
    raise RuntimeError("no themes directory with a 'default' theme was found")


def load_themes(
    root: Path, configure: Callable[[jinja2.Environment], None] | None = None
) -> ThemeSet:
    """Read every theme under `root`; `configure(env)` installs globals such as gettext."""
    default_templates = root / DEFAULT_THEME / "templates"
    directories = [toml_path.parent for toml_path in sorted(root.glob("*/theme.toml"))]
    assets: dict[tuple[str, str], Asset] = {}
    for directory in directories:
        assets.update(_read_assets(directory.name, directory / "static"))
    themes = ThemeSet({}, {}, assets)
    for directory in directories:
        theme = _read_theme(directory.name, directory / "theme.toml", themes)
        for sheet in theme.stylesheets:
            themes.url(sheet, theme.name)  # a stylesheet the theme lacks fails at start-up
        themes.themes[theme.name] = theme
        env = _environment(directory / "templates", default_templates)
        env.globals["asset_url"] = themes.url
        if configure is not None:
            configure(env)
        for name in env.list_templates():
            env.get_template(name)  # compile now, never during a request
        themes.templates[theme.name] = Jinja2Templates(env=env)
    return themes


def _read_theme(name: str, path: Path, themes: ThemeSet) -> Theme:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Theme(
        name=name,
        label=str(data.get("name", name)),
        logo=_logo_url(str(data.get("logo") or ""), name, themes),
        font=str(data.get("font", "system-ui, sans-serif")),
        colours={str(k): str(v) for k, v in data.get("colours", {}).items()},
        contact={str(k): str(v) for k, v in data.get("contact", {}).items()},
        stylesheets=tuple(str(s) for s in data.get("css", ())),
    )


def _logo_url(logo: str, theme: str, themes: ThemeSet) -> str | None:
    """A web address is kept; a file of the theme gets its long-cached URL."""
    if not logo:
        return None
    return logo if logo.startswith(("https://", "http://", "/")) else themes.url(logo, theme)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process, shared by every environment.

    Each app (and each test's app) loads its themes and compiles every template at start; the
    same source compiles to the same code, so it is compiled once per process. A changed file
    has another checksum, hence its own entry.
    """

    def __init__(self) -> None:
        self._code: dict[tuple[str, str | None], bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[(bucket.key, bucket.checksum)] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def _environment(theme_templates: Path, default_templates: Path) -> jinja2.Environment:
    search = [str(theme_templates), str(default_templates)]
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(search),
            jinja2.PrefixLoader(
                {DEFAULT_THEME: jinja2.FileSystemLoader(str(default_templates))}, delimiter=":"
            ),
        ]
    )
    return jinja2.Environment(
        loader=loader,
        autoescape=True,
        auto_reload=False,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_COMPILED,
    )


def _read_assets(theme: str, static: Path) -> dict[tuple[str, str], Asset]:
    """ETags are weak: the same file may leave compressed or not, byte-different."""
    assets = {}
    for path in sorted(p for p in static.rglob("*") if p.is_file()):
        body = path.read_bytes()
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        digest = hashlib.sha256(body).hexdigest()
        relative = path.relative_to(static)
        hashed = relative.with_name(f"{relative.stem}.{digest[:12]}{relative.suffix}")
        assets[(theme, relative.as_posix())] = Asset(
            body, media_type, f'W/"{digest[:20]}"', hashed.as_posix()
        )
    return assets
