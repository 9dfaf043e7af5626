"""Themes: `themes/<name>/theme.toml` + templates/ + static/, all read once at start-up.

Each theme gets ONE Jinja environment whose loader tries the theme's templates, then the default
theme's, and also answers `default:<name>` so a theme can extend the default page and override a
single block (the Datasette model). Static files are held in memory with their ETag.
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


@dataclass
class ThemeSet:
    themes: dict[str, Theme]
    templates: dict[str, Jinja2Templates]
    assets: dict[tuple[str, str], Asset] = field(default_factory=dict)

    def theme(self, name: str) -> Theme:
        return self.themes.get(name) or self.themes[DEFAULT_THEME]

    def renderer(self, name: str) -> Jinja2Templates:
        return self.templates.get(name) or self.templates[DEFAULT_THEME]

    def asset(self, theme: str, path: str) -> Asset | None:
        return self.assets.get((theme, path)) or self.assets.get((DEFAULT_THEME, path))


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
    themes: dict[str, Theme] = {}
    templates: dict[str, Jinja2Templates] = {}
    assets: dict[tuple[str, str], Asset] = {}
    for toml_path in sorted(root.glob("*/theme.toml")):
        directory = toml_path.parent
        themes[directory.name] = _read_theme(directory.name, toml_path)
        env = _environment(directory / "templates", default_templates)
        if configure is not None:
            configure(env)
        for name in env.list_templates():
            env.get_template(name)  # compile now, never during a request
        templates[directory.name] = Jinja2Templates(env=env)
        assets.update(_read_assets(directory.name, directory / "static"))
    return ThemeSet(themes, templates, assets)


def _read_theme(name: str, path: Path) -> Theme:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Theme(
        name=name,
        label=str(data.get("name", name)),
        logo=_static_url(name, data.get("logo")),
        font=str(data.get("font", "system-ui, sans-serif")),
        colours={str(k): str(v) for k, v in data.get("colours", {}).items()},
        contact={str(k): str(v) for k, v in data.get("contact", {}).items()},
        stylesheets=tuple(str(s) for s in data.get("css", ())),
    )


def _static_url(theme: str, path: str | None) -> str | None:
    if not path:
        return None
    return path if path.startswith(("https://", "http://", "/")) else f"/static/{theme}/{path}"


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
    )


def _read_assets(theme: str, static: Path) -> dict[tuple[str, str], Asset]:
    assets = {}
    for path in sorted(p for p in static.rglob("*") if p.is_file()):
        body = path.read_bytes()
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        assets[(theme, path.relative_to(static).as_posix())] = Asset(body, media_type, etag)
    return assets
