"""Small helpers for carriers that still speak SOAP/XML (Chronopost, DPD, Mondial Relay).

Namespaces are stripped right after parsing, so parsers address elements by local name and do not
break when a carrier changes its prefixes. The standard library parser does not fetch external
entities, so a hostile body cannot make Suivi read files or call out, and expat (2.4.1 and later)
stops any entity expansion past a small multiple of the input, so an entity bomb is a parse
error like any malformed body; deep nesting costs memory in proportion to the body, no recursion.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

from suivi._adapter import RawResponse
from suivi.errors import CarrierResponseInvalid

__all__ = [
    "Fault",
    "children",
    "envelope",
    "escape",
    "fault_of",
    "find",
    "parse_xml",
    "strip_namespaces",
    "text",
]

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"


def parse_xml(raw: RawResponse, *, carrier: str) -> ET.Element:
    """The document root with namespaces stripped; CarrierResponseInvalid when it is not XML."""
    try:
        root = ET.fromstring(raw.body)  # the C parser; an empty body is a ParseError too
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: unknown encoding
        raise CarrierResponseInvalid(
            f"body is not well-formed XML ({exc})",
            carrier=carrier,
            number=",".join(raw.requested) or None,
            http_status=raw.status_code,
            body=raw.body,
        ) from None
    strip_namespaces(root)
    return root


def strip_namespaces(root: ET.Element) -> None:
    """Rename `{uri}name` tags and attributes to `name`, in place, in one pass over the tree."""
    local_names: dict[str, str] = {}  # a document repeats a few dozen tags
    for element in root.iter():
        tag = element.tag
        if tag[0] == "{":
            local = local_names.get(tag)
            if local is None:
                local = local_names[tag] = tag.rpartition("}")[2]
            element.tag = local
        # keys() is an empty list without attributes, where `.attrib` would build a dict.
        for key in element.keys():  # noqa: SIM118 (iterating an Element gives its children)
            if key[0] == "{":
                element.set(key.rpartition("}")[2], element.attrib.pop(key))


def find(element: ET.Element, *path: str) -> ET.Element | None:
    """The first descendant at `path` (local names), searching at any depth for the first step."""
    found = element if element.tag == path[0] else next(element.iter(path[0]), None)
    for step in path[1:]:
        if found is None:
            return None
        found = found.find(step)
    return found


def children(element: ET.Element | None, name: str) -> Iterator[ET.Element]:
    return iter(()) if element is None else iter(element.findall(name))


def text(element: ET.Element | None, name: str | None = None) -> str | None:
    """Stripped text of `element` (or of its child `name`); None when absent or empty."""
    target = element if name is None or element is None else element.find(name)
    if target is None or target.text is None:
        return None
    value = target.text.strip()
    return value or None


@dataclass(frozen=True, slots=True)
class Fault:
    code: str
    message: str
    detail: str


def fault_of(root: ET.Element) -> Fault | None:
    """The SOAP Fault in a response, if there is one."""
    fault = find(root, "Fault")
    if fault is None:
        return None
    detail = fault.find("detail")
    detail_text = (
        " ".join(t.strip() for t in detail.itertext() if t.strip()) if detail is not None else ""
    )
    return Fault(
        code=text(fault, "faultcode") or "",
        message=text(fault, "faultstring") or "",
        detail=detail_text,
    )


def envelope(body: str, header: str = "") -> bytes:
    """A SOAP 1.1 envelope around already-escaped XML fragments."""
    head = f"<soap:Header>{header}</soap:Header>" if header else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP11_NS}">{head}'
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()
