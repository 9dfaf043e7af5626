"""MkDocs hooks: pages and tables written from the code at build time, so the site never drifts.

A hand-written page asks for a table with a line `<!-- suivi: NAME -->` (NAME a key of
TABLES, optionally followed by an argument); an unknown NAME fails the build. Each installed
carrier gets a generated `carriers/<name>.md`, listed under the nav's "Carriers" section.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gen_carriers
import gen_concepts
import gen_server
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "README.md"
EXAMPLE = ROOT / "examples" / "suivi-carrier-example"
FENCES = {".py": "python", ".toml": "toml", ".json": "json", ".md": "markdown"}
MARKER = re.compile(r"^<!-- suivi: ([\w-]+)(?: (.+?))? -->$", re.MULTILINE)
CARRIERS_SECTION = "Carriers"


def bench_section(title: str | None) -> str:
    """A section of bench/README.md (a heading containing `title`), or all of it below its
    title; said plainly when that section is not published yet."""
    text = BENCH.read_text()
    if title is None:
        return text.split("\n", 1)[1] if text.startswith("# ") else text
    heading = re.compile(rf"^(#{{2,3}}) .*{re.escape(title)}.*$", re.MULTILINE)
    found = heading.search(text)
    if found is None:
        return (
            f'!!! info "{title}"\n\n'
            f"    The figures of this part are measured by the benchmark that the section "
            f"“{title}” of `bench/README.md` describes; they appear here as soon as that "
            f"section is published."
        )
    level = len(found.group(1))
    rest = text[found.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start() if end else len(rest)].strip()


def example_file(pattern: str | None) -> str:
    """The example carrier package's first file matching `pattern`, as a titled code block:
    the real file, run by the package's own tests, so the page cannot drift from it."""
    found = sorted(EXAMPLE.glob(pattern or "pyproject.toml"))
    found = [path for path in found if "__pycache__" not in path.parts]
    if not found:
        return (
            f'!!! info "examples/suivi-carrier-example/{pattern}"\n\n'
            "    This step's file lives in the example carrier package, which is not in this "
            "checkout."
        )
    path = found[0]
    fence = FENCES.get(path.suffix, "text")
    title = path.relative_to(ROOT)
    return f'```{fence} title="{title}"\n{path.read_text().rstrip()}\n```'


def csp(_: str | None) -> str:
    from suivi_server.pages.headers import DEFAULT_CSP

    return f"`{DEFAULT_CSP}`"


TABLES: dict[str, Callable[[str | None], str]] = {
    "taxonomy": lambda _: gen_concepts.taxonomy(),
    "situations": lambda _: gen_concepts.situations(),
    "native-codes": lambda _: gen_carriers.code_tables(),
    "carriers": lambda _: gen_carriers.carrier_index(),
    "configuration": lambda _: gen_server.configuration(),
    "openapi": lambda _: gen_server.openapi(),
    "bench": bench_section,
    "example": example_file,
    "csp": csp,
}


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """List every installed carrier's page in the nav's Carriers section."""
    for entry in config.nav or []:
        if isinstance(entry, dict) and CARRIERS_SECTION in entry:
            entry[CARRIERS_SECTION] = [
                *entry[CARRIERS_SECTION],
                *(
                    {adapter.display_name: f"carriers/{name}.md"}
                    for name, adapter in gen_carriers.adapters().items()
                ),
            ]
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for name, adapter in gen_carriers.adapters().items():
        page = gen_carriers.carrier_page(adapter)
        files.append(File.generated(config, f"carriers/{name}.md", content=page))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, **_: Any) -> str:
    def replace(found: re.Match[str]) -> str:
        name, argument = found.group(1), found.group(2)
        if name not in TABLES:
            raise PluginError(f"{page.file.src_path}: unknown generated table {name!r}")
        return TABLES[name](argument)

    return MARKER.sub(replace, markdown)
