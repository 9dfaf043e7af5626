"""Reading product feeds: JSON lines, CSV, Google Merchant Center XML and TSV; bad lines named."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from suivi_server.recommendations.feed import FeedLine, guess_feed_format, read_feed

GMC_XML = """<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:g="http://base.google.com/ns/1.0" version="2.0">
<channel>
<title>Maison Lumière</title>
<link>https://shop.example</link>
<item>
  <g:id>LAMP-2</g:id>
  <title>Lampe Opaline &amp; laiton</title>
  <link>https://shop.example/lampe-opaline</link>
  <g:image_link>https://shop.example/lampe.jpg</g:image_link>
  <g:price>89.00 EUR</g:price>
  <g:availability>in stock</g:availability>
  <g:brand>Maison Lumière</g:brand>
  <g:google_product_category>Home &amp; Garden &gt; Lighting &gt; Lamps</g:google_product_category>
  <g:product_type>Luminaires &gt; Lampes</g:product_type>
  <g:shipping><g:country>FR</g:country><g:price>4.90 EUR</g:price></g:shipping>
</item>
<item>
  <g:id>VASE-1</g:id>
  <title>Vase</title>
  <link>javascript:alert(1)</link>
  <g:price>19.90 EUR</g:price>
</item>
</channel>
</rss>
"""


def lines(text: str, fmt: str) -> list[FeedLine]:
    return list(read_feed(text, fmt))  # type: ignore[arg-type]


def test_a_google_merchant_xml_feed_gives_products_with_their_line_numbers() -> None:
    first, second = lines(GMC_XML, "gmc-xml")
    assert first.number == 6
    assert first.product is not None
    product = first.product
    assert (product.id, product.title) == ("LAMP-2", "Lampe Opaline & laiton")
    assert product.url == "https://shop.example/lampe-opaline"
    assert product.image == "https://shop.example/lampe.jpg"
    assert (product.price, product.currency) == (Decimal("89.00"), "EUR")
    assert product.categories == ["Home & Garden > Lighting > Lamps", "Luminaires > Lampes"]
    assert product.available
    assert product.brand == "Maison Lumière"
    assert second.number == 18
    assert second.product is None
    assert second.sku == "VASE-1"
    assert [e["field"] for e in second.errors] == ["url"]


def test_an_xml_feed_declaring_entities_is_refused_whole() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><item></item></rss>'
    (only,) = lines(bomb, "gmc-xml")
    assert only.product is None
    assert "DOCTYPE" in only.errors[0]["message"]


def test_broken_xml_keeps_the_items_read_before_the_break() -> None:
    broken = GMC_XML.replace("<title>Vase</title>", "<title>Vase</titl>")
    found = lines(broken, "gmc-xml")
    assert found[0].product is not None
    assert found[-1].product is None
    assert found[-1].number == 20
    assert "unreadable XML" in found[-1].errors[0]["message"]


def test_a_google_merchant_tsv_feed_reads_with_google_column_names() -> None:
    tsv = (
        "id\ttitle\tlink\timage_link\tprice\tavailability\tproduct_type\n"
        "A/1\tLampe\thttps://shop.example/a\thttps://shop.example/a.jpg\t12.50 EUR\tpreorder\t"
        "Luminaires > Lampes\n"
        "B\tBougie\thttps://shop.example/b\t\t8 EUR\tbackorder\t\n"
    )
    a, b = lines(tsv, "gmc-tsv")
    assert a.product is not None
    assert b.product is not None
    assert a.product.id == "A/1"
    assert a.product.available
    assert a.product.categories == ["Luminaires > Lampes"]
    assert b.product.price == Decimal("8")
    assert not b.product.available


def test_csv_categories_are_separated_by_a_bar_and_paths_normalised() -> None:
    csv = (
        "id;title;url;price;currency;categories;availability\n"
        "C1;Coussin;https://shop.example/c1;29,90;eur;Maison>Textile | Cadeaux;out of stock\n"
    )
    (line,) = lines(csv, "csv")
    assert line.product is not None
    assert line.product.categories == ["Maison > Textile", "Cadeaux"]
    assert (line.product.price, line.product.currency) == (Decimal("29.90"), "EUR")
    assert not line.product.available


def test_each_bad_field_is_reported_with_its_line_and_valid_lines_are_kept() -> None:
    url = "https://shop.example/p"
    records: list[Any] = [
        {"id": "OK", "title": "Bon", "url": url, "price": 10, "currency": "EUR"},
        {"id": "P", "title": "Prix", "url": url, "price": "12"},
        {"id": "I", "title": "Image", "url": url, "image": "ftp://x/i.png"},
        {"id": "D", "title": "Devise", "url": url, "price": "1", "currency": "XYZ"},
        {"id": "S", "title": "Stock", "url": url, "availability": "soon"},
        "not json",
        {"title": "Sans id", "url": url},
        {"id": "M", "title": "Mix", "url": url, "price": "5 USD", "currency": "EUR"},
    ]
    jsonl = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records)
    found = lines(jsonl, "jsonl")
    assert [line.number for line in found] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert found[0].product is not None
    fields = {line.number: [e["field"] for e in line.errors] for line in found[1:]}
    assert fields == {
        2: ["currency"],
        3: ["image"],
        4: ["currency"],
        5: ["availability"],
        6: ["line"],
        7: ["id"],
        8: ["currency"],
    }


def test_text_longer_than_its_column_is_refused() -> None:
    long_title = "x" * 301
    jsonl = f'{{"id": "L", "title": "{long_title}", "url": "https://s.example/l"}}'
    (line,) = lines(jsonl, "jsonl")
    assert line.product is None
    assert line.errors[0]["field"] == "title"


@pytest.mark.parametrize(
    ("hint", "text", "expected"),
    [
        ("feed.xml", "", "gmc-xml"),
        (None, "  <?xml version='1.0'?><rss/>", "gmc-xml"),
        ("products.tsv", "id\ttitle", "gmc-tsv"),
        ("text/csv", "{", "csv"),
        ("application/x-ndjson", "id", "jsonl"),
        (None, '{"id": 1}', "jsonl"),
        (None, "id,title", "csv"),
    ],
)
def test_the_format_comes_from_the_hint_then_the_content(
    hint: str | None, text: str, expected: str
) -> None:
    assert guess_feed_format(text, hint) == expected
