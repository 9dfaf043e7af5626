"""Catalogs: complete in six languages, compiled files in step with their sources, and the
template in step with the strings the code and templates actually use."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from suivi_server.pages.i18n import LANGUAGES, LOCALE_DIR, from_accept_language, negotiate

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def singular(msgid: str | tuple[str, ...] | list[str]) -> str:
    """A message's id: a plural message is known by its singular, as extraction reports it."""
    return msgid if isinstance(msgid, str) else msgid[0]


def forms(text: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (text,) if isinstance(text, str) else tuple(text)


def catalog_ids(path: Path) -> set[str]:
    with path.open("rb") as f:
        return {singular(m.id) for m in read_po(f) if m.id}


@pytest.mark.parametrize("code", LANGUAGES)
def test_each_catalog_translates_every_message_keeping_placeholders(code: str) -> None:
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    messages = {singular(m.id): m for m in catalog if m.id}
    assert set(messages) == catalog_ids(LOCALE_DIR / "messages.pot")
    for msgid, message in messages.items():
        assert all(forms(message.string)), f"{code}: {msgid!r} is not translated"
        assert "fuzzy" not in message.flags
        for text in forms(message.string):
            assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_compiled_catalog_matches_its_source(code: str) -> None:
    folder = LOCALE_DIR / code / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as f:
        source = {forms(m.id): forms(m.string) for m in read_po(f) if m.id}
    with (folder / "messages.mo").open("rb") as f:
        compiled = {forms(m.id): forms(m.string) for m in read_mo(f) if m.id}
    assert compiled == source


def test_the_template_lists_exactly_the_strings_in_use() -> None:
    with (LOCALE_DIR / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(io.StringIO(f.read()))  # type: ignore[no-untyped-call]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = {
        singular(msg)
        for _, _, msg, _, _ in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
    }
    assert found == catalog_ids(LOCALE_DIR / "messages.pot")


def test_french_and_english_differ_where_they_should() -> None:
    french = negotiate(
        query="fr", customer=None, accept_language=None, merchant_default=None, fallback="en"
    )
    assert french.gettext("Need help?") == "Besoin d’aide\u202f?"
    assert french.gettext("Parcel %(number)s", number="X1") == "Colis X1"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-CH,de;q=0.9", "de"),
        ("ja,en;q=0.1,nl;q=0.8", "nl"),
        ("es;q=0,it", "it"),
        ("xx,yy;q=oops", None),
        (None, None),
    ],
)
def test_accept_language_honours_quality(header: str | None, expected: str | None) -> None:
    assert from_accept_language(header) == expected


def test_negotiation_falls_back_to_merchant_then_server_default() -> None:
    def pick(merchant: str | None, fallback: str) -> str:
        return negotiate(
            query="zz",
            customer="",
            accept_language="ja",
            merchant_default=merchant,
            fallback=fallback,
        ).code

    assert (pick("it", "fr"), pick(None, "de"), pick(None, "zz")) == ("it", "de", "en")
