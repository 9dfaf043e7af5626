"""Product feeds → validated products, one result per feed line, bad lines never blocking others.

Formats: JSON lines and CSV (`categories` as `a|b`, each one a path `A > B > C`), and Google
Merchant Center files: its XML (RSS 2.0 or Atom with the `g:` namespace) and its TSV, which is
CSV with tabs and Google's column names, read by the same CSV reader. Every format accepts
Google's names (`link`, `image_link`, `google_product_category`, `product_type`, `price` as
`89.00 EUR`), so a merchant exports once and imports anywhere.

Availability: `in stock` and `preorder` can be recommended (a preorder can be bought now, at an
announced date); `backorder` (no date for new stock) and `out of stock` cannot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal
from xml.parsers import expat

from babel.numbers import is_currency
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from suivi_server.api.errors import field_errors
from suivi_server.importer import Line, parse_csv, parse_jsonl

FeedFormat = Literal["jsonl", "csv", "gmc-xml", "gmc-tsv"]
FEED_FORMATS: tuple[FeedFormat, ...] = ("jsonl", "csv", "gmc-xml", "gmc-tsv")
GMC_NAMESPACE = "http://base.google.com/ns/1.0"

# Google's (and common) column names → ours. Both category fields add to `categories`.
ALIASES: Mapping[str, str] = {
    "link": "url",
    "image_link": "image",
    "image_url": "image",
    "google_product_category": "categories",
    "product_type": "categories",
    "category": "categories",
}
# Spelling-insensitive (`in stock`, `in_stock`, `pre-order`) → may it be recommended?
AVAILABILITY: Mapping[str, bool] = {
    "instock": True,
    "preorder": True,
    "backorder": False,
    "outofstock": False,
}
MAX_CATEGORIES = 20
_ITEM_ELEMENTS = frozenset({"item", "entry"})
_DOCTYPE = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_PRICE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([A-Za-z]{3})?\s*$")
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _http_url(value: str) -> str:
    """Only http(s) links reach a page or a redirect: no `javascript:`, no `data:`."""
    if not re.match(r"^https?://", value, re.IGNORECASE):
        raise PydanticCustomError("url", "expected an http or https URL")
    try:
        _HTTP_URL.validate_python(value)
    except ValidationError:
        raise PydanticCustomError("url", "expected an http or https URL") from None
    return value


def _path(value: str) -> str:
    """`Home>Lighting >  Lamps` → `Home > Lighting > Lamps`: one spelling per path."""
    parts = [part.strip() for part in value.split(">")]
    if not all(parts):
        raise PydanticCustomError("category", "a category path has an empty level")
    return " > ".join(parts)


Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Brand = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
WebUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_http_url)
]
CategoryPath = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(_path),
]


def _availability(value: object) -> object:
    if isinstance(value, str):
        key = re.sub(r"[\s_-]", "", value).lower()
        if key in AVAILABILITY:
            return key
    raise PydanticCustomError(
        "availability", "expected in stock, out of stock, preorder or backorder"
    )


class ProductIn(BaseModel):
    """One product as a feed describes it; other feed fields (GTIN, shipping…) are ignored."""

    model_config = ConfigDict(extra="ignore")

    id: Sku
    title: Title
    url: WebUrl
    image: WebUrl | None = None
    price: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=4)
    currency: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)] | None = (
        Field(default=None, validate_default=True)
    )
    categories: list[CategoryPath] = Field(default_factory=list, max_length=MAX_CATEGORIES)
    availability: Annotated[str, BeforeValidator(_availability)] = "instock"
    brand: Brand | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", "text must not contain NUL characters")
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("price") is not None:
            raise PydanticCustomError("currency", "a price needs its currency")
        if value is not None and not (len(value) == 3 and is_currency(value)):
            raise PydanticCustomError("currency", "expected an ISO 4217 currency code")
        return value

    @property
    def available(self) -> bool:
        return AVAILABILITY[self.availability]


@dataclass(frozen=True, slots=True)
class FeedLine:
    """One feed record: the product, or why not (field errors as the API reports them)."""

    number: int
    sku: str | None
    product: ProductIn | None
    errors: tuple[Mapping[str, str], ...] = ()


def guess_feed_format(text: str, hint: str | None = None) -> FeedFormat:
    """From the name or content type when it says, else from the content."""
    hint = (hint or "").lower()
    head = text.lstrip()[:2000]
    if "xml" in hint or head.startswith("<"):
        return "gmc-xml"
    if "tsv" in hint or "tab-separated" in hint:
        return "gmc-tsv"
    if "csv" in hint:
        return "csv"
    if any(word in hint for word in ("jsonl", "ndjson", "json")) or head.startswith("{"):
        return "jsonl"
    return "csv"


def read_feed(text: str, fmt: FeedFormat) -> Iterator[FeedLine]:
    records = (
        parse_gmc_xml(text)
        if fmt == "gmc-xml"
        else parse_jsonl(text)
        if fmt == "jsonl"
        else parse_csv(text)
    )
    for record in records:
        yield validate(record)


def validate(record: Line) -> FeedLine:
    if record.data is None:
        error = {"field": "line", "message": record.error or "unreadable", "type": "unreadable"}
        return FeedLine(record.number, None, None, (error,))
    data = normalize(record.data)
    sku = data.get("id")
    sku = sku.strip() if isinstance(sku, str) and sku.strip() else None
    try:
        return FeedLine(record.number, sku, ProductIn.model_validate(data))
    except ValidationError as exc:
        return FeedLine(record.number, sku, None, tuple(field_errors(exc)))


def normalize(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Our field names and shapes, whatever the feed's dialect."""
    data: dict[str, Any] = {}
    categories: list[Any] = []
    for key, value in raw.items():
        name = ALIASES.get(key.strip().lower(), key.strip().lower())
        if name == "categories":
            categories.extend(_categories(value))
        elif name not in data:
            data[name] = value
    if categories:
        data["categories"] = categories
    price = data.get("price")
    if isinstance(price, str) and (found := _PRICE.match(price)):
        data["price"] = found.group(1).replace(",", ".")
        unit = (found.group(2) or "").upper()
        if unit and str(data.setdefault("currency", unit)).strip().upper() != unit:
            data["currency"] = f"{data['currency']} (price in {unit})"
    elif isinstance(price, int | float) and not isinstance(price, bool):
        data["price"] = str(price)
    return data


def _categories(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part for part in value.split("|") if part.strip()]
    if isinstance(value, list):
        return [item for item in value if not (isinstance(item, str) and not item.strip())]
    return [value]


def parse_gmc_xml(text: str) -> Iterator[Line]:
    """Each `<item>` (RSS) or `<entry>` (Atom), numbered by the line where it starts.

    No DOCTYPE is accepted, so no entity can be declared (no billion laughs, no external file).
    """
    if found := _DOCTYPE.search(text):
        line = text.count("\n", 0, found.start()) + 1
        yield Line(line, None, "a feed may not declare a DOCTYPE or entities")
        return
    reader = _ItemReader()
    try:
        reader.parse(text)
    except expat.ExpatError as exc:
        yield from reader.items
        yield Line(exc.lineno, None, f"unreadable XML: {expat.ErrorString(exc.code)}")
        return
    yield from reader.items


class _ItemReader:
    """Collects the direct children of each item: text, or `href` for Atom links."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._chars
        self.items: list[Line] = []
        self._item: tuple[int, dict[str, Any]] | None = None
        self._depth = 0
        self._field: str | None = None
        self._text: list[str] = []

    def parse(self, text: str) -> None:
        self.parser.Parse(text, True)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if self._item is None:
            if local in _ITEM_ELEMENTS:
                self._item, self._depth = (self.parser.CurrentLineNumber, {}), 0
            return
        self._depth += 1
        if self._depth == 1:
            self._field, self._text = local, [attrs.get("href", "")]

    def _chars(self, data: str) -> None:
        if self._item is not None and self._depth == 1:
            self._text.append(data)

    def _end(self, name: str) -> None:
        if self._item is None:
            return
        if self._depth == 0:
            self.items.append(Line(self._item[0], self._item[1]))
            self._item = None
            return
        if self._depth == 1 and self._field is not None:
            value = "".join(self._text).strip()
            fields = self._item[1]
            if ALIASES.get(self._field) == "categories":
                fields.setdefault(self._field, []).append(value)
            else:
                fields.setdefault(self._field, value)
            self._field = None
        self._depth -= 1
