"""Satisfaction on a known dataset: NPS and CSAT per carrier, lived situation and week or month,
empty groups without a score, the free-text answers, and recommendation clicks."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi.toolkit import PARIS
from suivi_server.dashboard.clicks_report import (
    ClickReport,
    PlacementClicks,
    ProductClicks,
    click_report,
)
from suivi_server.dashboard.report_period import Period
from suivi_server.dashboard.satisfaction import (
    TEXTS_PER_PAGE,
    Csat,
    Nps,
    SatisfactionLine,
    satisfaction_report,
    text_answers,
)
from suivi_server.storage.schema import products, recommendation_clicks, survey_answers, surveys
from tests.server.conftest import NOW
from tests.server.dashboard_support import staff_client
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

MONDAY = NOW.date() - timedelta(days=NOW.weekday() + 7)  # a week before NOW's week
PERIOD = Period(NOW.date() - timedelta(days=27), NOW.date())
FULL: list[dict[str, Any]] = [
    {"id": "recommend", "kind": "nps", "label": "Would you recommend us?"},
    {"id": "delivery", "kind": "csat", "label": "How satisfied are you with the delivery?"},
    {"id": "comment", "kind": "free_text", "label": "Anything to add?"},
]
SHORT: list[dict[str, Any]] = [
    {"id": "note", "kind": "csat", "label": "Your delivery, out of 5?"},
    {"id": "words", "kind": "free_text", "label": "In your words"},
]
NUMBERS = itertools.count(1)
HOSTILE = "<script>alert('x')</script> trop lent"


def paris(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), PARIS) + timedelta(hours=hour)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


class Answers:
    """Surveys and answers of one merchant, each answer on its own shipment."""

    def __init__(self, engine: AsyncEngine, merchant_id: int) -> None:
        self.engine, self.merchant_id = engine, merchant_id

    async def survey(self, slug: str, questions: list[dict[str, Any]]) -> int:
        async with self.engine.begin() as conn:
            inserted = await conn.execute(
                sa.insert(surveys).values(
                    merchant_id=self.merchant_id,
                    slug=slug,
                    title=slug,
                    questions=questions,
                    audience={},
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        return int(inserted.inserted_primary_key[0])

    async def shipment(self, carrier: str = "colissimo") -> int:
        number = next(NUMBERS)
        return await create_shipment(
            self.engine,
            self.merchant_id,
            order_number=f"S-{number}",
            tracking_number=f"6A{number:011d}",
            carrier=carrier,
            status="delivered",
        )

    async def add(
        self, survey_id: int, carrier: str, situation: str | None, at: datetime, **given: Any
    ) -> int:
        shipment_id = await self.shipment(carrier)
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(survey_answers).values(
                    merchant_id=self.merchant_id,
                    shipment_id=shipment_id,
                    survey_id=survey_id,
                    answers=given,
                    carrier=carrier,
                    situation=situation,
                    answered_at=at,
                    updated_at=at,
                )
            )
        return shipment_id


async def known_answers(engine: AsyncEngine, merchant_id: int | None = None) -> int:
    """Answers of the given merchant (a new one by default) whose scores the tests know."""
    if merchant_id is None:
        merchant_id, _ = await create_merchant(engine)
    answers = Answers(engine, merchant_id)
    full, short = await answers.survey("full", FULL), await answers.survey("short", SHORT)
    await answers.add(
        full,
        "colissimo",
        "on_time",
        paris(day(0), 10),
        recommend=10,
        delivery=5,
        comment="Parfait, merci",
    )
    await answers.add(
        full, "colissimo", "late", paris(day(1), 10), recommend=6, delivery=2, comment=HOSTILE
    )
    await answers.add(full, "colissimo", "on_time", paris(day(2), 10), recommend=8, delivery=4)
    await answers.add(
        full,
        "ups",
        "late",
        paris(day(7), 10),
        recommend=9,
        delivery=None,
        comment="Livreur aimable",
    )
    await answers.add(short, "ups", None, paris(day(8), 9), note=3, words="  ")
    await answers.add(
        short,
        "mondial_relay",
        "at_pickup_point",
        paris(day(8), 12),
        note=5,
        words="Relais pratique",
    )
    # neither a score as text nor one off the scale counts
    await answers.add(full, "colissimo", "on_time", paris(day(8), 15), recommend="10", delivery=6)
    await answers.add(full, "colissimo", "late", paris(PERIOD.since, -1), recommend=0, delivery=1)
    other_id, _ = await create_merchant(engine, slug="autre")
    other = Answers(engine, other_id)
    theirs = await other.survey("full", FULL)
    await other.add(theirs, "colissimo", "late", paris(day(8), 10), recommend=0, comment="Autre")
    return merchant_id


async def report(engine: AsyncEngine, merchant_id: int, bucket: Any = "week") -> Any:
    async with engine.connect() as conn:
        return await satisfaction_report(
            conn, merchant_id=merchant_id, period=PERIOD, zone=PARIS, bucket=bucket
        )


def scores(line: SatisfactionLine) -> tuple[str | None, int, float | None, float | None]:
    return line.key, line.answers, line.nps.score, line.csat.share


async def test_nps_and_csat_over_the_period(engine: AsyncEngine) -> None:
    merchant_id = await known_answers(engine)

    overall = (await report(engine, merchant_id)).overall

    assert overall.answers == 7
    assert overall.nps == Nps(answered=4, promoters=2, detractors=1)
    assert (overall.nps.passives, overall.nps.score) == (1, 25.0)
    assert overall.csat == Csat(answered=5, satisfied=3)
    assert overall.csat.share == 0.6


async def test_per_carrier_and_per_lived_situation(engine: AsyncEngine) -> None:
    merchant_id = await known_answers(engine)

    result = await report(engine, merchant_id)

    assert [scores(line) for line in result.by_carrier] == [
        ("colissimo", 4, 0.0, 2 / 3),
        ("mondial_relay", 1, None, 1.0),  # its survey asks no NPS: no score, not zero
        ("ups", 2, 100.0, 0.0),
    ]
    assert [scores(line) for line in result.by_situation] == [
        ("at_pickup_point", 1, None, 1.0),
        ("late", 2, 0.0, 0.0),
        ("on_time", 3, 50.0, 1.0),
        (None, 1, None, 0.0),
    ]


async def test_every_week_of_the_period_has_a_line_even_empty(engine: AsyncEngine) -> None:
    merchant_id = await known_answers(engine)

    weeks = (await report(engine, merchant_id)).by_period

    mondays = [MONDAY - timedelta(weeks=n) for n in (3, 2, 1, 0)] + [day(7)]
    assert [line.key for line in weeks] == [m.isoformat() for m in mondays]
    assert [scores(line) for line in weeks[-2:]] == [
        (MONDAY.isoformat(), 3, 0.0, 2 / 3),
        (day(7).isoformat(), 4, 100.0, 0.5),
    ]
    assert [(w.answers, w.nps.score, w.csat.share) for w in weeks[:3]] == [(0, None, None)] * 3


async def test_months_group_the_answers_by_calendar_month(engine: AsyncEngine) -> None:
    merchant_id = await known_answers(engine)

    months = (await report(engine, merchant_id, "month")).by_period

    firsts = sorted({PERIOD.since.replace(day=1), PERIOD.until.replace(day=1)})
    assert [line.key for line in months] == [d.isoformat() for d in firsts]
    assert sum(line.answers for line in months) == 7


async def test_free_text_answers_newest_first_and_searchable(engine: AsyncEngine) -> None:
    merchant_id = await known_answers(engine)

    async def texts(search: str = "") -> list[tuple[str, str, str | None]]:
        async with engine.connect() as conn:
            page = await text_answers(
                conn, merchant_id=merchant_id, period=PERIOD, zone=PARIS, search=search
            )
        return [(a.text, a.carrier, a.situation) for a in page.answers]

    assert await texts() == [
        ("Relais pratique", "mondial_relay", "at_pickup_point"),
        ("Livreur aimable", "ups", "late"),
        (HOSTILE, "colissimo", "late"),
        ("Parfait, merci", "colissimo", "on_time"),
    ]
    assert await texts("  PARFAIT ") == [("Parfait, merci", "colissimo", "on_time")]
    assert await texts("autre") == []  # another merchant's words


async def test_free_text_answers_come_in_pages(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    answers = Answers(engine, merchant_id)
    short = await answers.survey("short", SHORT)
    for n in range(TEXTS_PER_PAGE + 1):
        await answers.add(
            short, "ups", None, paris(day(0), 0) + timedelta(minutes=n), words=f"n{n}"
        )

    async def page(number: int) -> tuple[int, int, int, list[str]]:
        async with engine.connect() as conn:
            found = await text_answers(
                conn, merchant_id=merchant_id, period=PERIOD, zone=PARIS, page=number
            )
        return found.page, found.pages, found.total, [a.text for a in found.answers]

    first = await page(1)
    assert first[:3] == (1, 2, TEXTS_PER_PAGE + 1)
    assert first[3][:2] == [f"n{TEXTS_PER_PAGE}", f"n{TEXTS_PER_PAGE - 1}"]
    assert await page(2) == (2, 2, TEXTS_PER_PAGE + 1, ["n0"])
    assert await page(99) == await page(2)
    assert await page(0) == first


async def click(
    engine: AsyncEngine, merchant_id: int, shipment_id: int, sku: str, placement: str, at: datetime
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(recommendation_clicks).values(
                merchant_id=merchant_id,
                shipment_id=shipment_id,
                sku=sku,
                placement=placement,
                position=1,
                clicked_at=at,
            )
        )


async def test_clicks_per_placement_and_most_clicked_products(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    rows = Answers(engine, merchant_id)
    first, second = await rows.shipment(), await rows.shipment()
    async with engine.begin() as conn:
        for sku, title in (("LAMP-1", "Lampe Opaline"), ("VASE-2", "Vase bleu")):
            await conn.execute(
                sa.insert(products).values(
                    merchant_id=merchant_id,
                    sku=sku,
                    title=title,
                    url=f"https://shop.example/{sku}",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    at = paris(day(1), 10)
    await click(engine, merchant_id, first, "LAMP-1", "page", at)
    await click(engine, merchant_id, first, "LAMP-1", "page", at)
    await click(engine, merchant_id, second, "VASE-2", "page", at)
    await click(engine, merchant_id, second, "GONE-9", "email", at)
    await click(engine, merchant_id, second, "LAMP-1", "email", paris(PERIOD.since, -1))
    other_id, _ = await create_merchant(engine, slug="autre")
    theirs = await Answers(engine, other_id).shipment()
    await click(engine, other_id, theirs, "LAMP-1", "widget", at)
    start, end = PERIOD.bounds(PARIS)

    async with engine.connect() as conn:
        found = await click_report(conn, merchant_id=merchant_id, start=start, end=end)

    assert found == ClickReport(
        total=4,
        by_placement=[PlacementClicks("page", 3, 2), PlacementClicks("email", 1, 1)],
        top_products=[
            ProductClicks("LAMP-1", "Lampe Opaline", 2),
            ProductClicks("GONE-9", None, 1),  # left the catalogue: its sku stays
            ProductClicks("VASE-2", "Vase bleu", 1),
        ],
    )


async def test_only_the_ten_most_clicked_products_are_listed(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await Answers(engine, merchant_id).shipment()
    for n in range(12):
        for _ in range(1 + n // 6):
            await click(engine, merchant_id, shipment_id, f"SKU-{n:02d}", "page", paris(day(1), 9))
    start, end = PERIOD.bounds(PARIS)

    async with engine.connect() as conn:
        found = await click_report(conn, merchant_id=merchant_id, start=start, end=end)

    assert [p.sku for p in found.top_products] == [
        *(f"SKU-{n:02d}" for n in range(6, 12)),
        *(f"SKU-{n:02d}" for n in range(4)),
    ]


# --- the page -------------------------------------------------------------------------------

PERIOD_PARAMS = {"from": PERIOD.since.isoformat(), "to": PERIOD.until.isoformat()}


def csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))


async def test_the_page_shows_the_scores_and_escapes_the_shoppers_words(
    app: Starlette, engine: AsyncEngine
) -> None:
    await known_answers(engine)
    async with staff_client(app, engine) as staff:
        response = await staff.get("/dashboard/satisfaction", params={"lang": "en"})

    assert response.status_code == 200
    html = response.text
    assert '<span class="figure">+25</span>' in html
    assert '<span class="figure">60%</span>' in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; trop lent" in html
    assert "<script>alert" not in html
    assert "Collected at a pickup point" in html
    assert html.count('<figure class="chart">') == 1  # no click: no clicks chart
    assert "Autre" not in html  # another merchant's answer


async def test_the_page_reads_in_french(app: Starlette, engine: AsyncEngine) -> None:
    await known_answers(engine)
    async with staff_client(app, engine) as staff:
        html = (await staff.get("/dashboard/satisfaction", params={"lang": "fr"})).text

    assert '<span class="figure">60\xa0%</span>' in html


async def test_each_cut_downloads_as_csv(app: Starlette, engine: AsyncEngine) -> None:
    await known_answers(engine)
    async with staff_client(app, engine) as staff:

        async def export(table: str, **more: str) -> list[list[str]]:
            params = {**PERIOD_PARAMS, "lang": "en", "format": "csv", "table": table, **more}
            return csv_rows(await staff.get("/dashboard/satisfaction", params=params))

        carriers = await export("carriers")
        situations = await export("situations")
        months = await export("periods", by="month")
        texts = await export("texts", q="a")

    assert carriers == [
        [
            "Carrier",
            "Answers",
            "NPS",
            "Promoters (9–10)",
            "Passives (7–8)",
            "Detractors (0–6)",
            "CSAT (4 or 5 out of 5)",
            "CSAT answers",
        ],
        ["colissimo", "4", "0", "1", "1", "1", "66.7", "3"],
        ["mondial_relay", "1", "", "0", "0", "0", "100.0", "1"],
        ["ups", "2", "100", "1", "0", "0", "0.0", "1"],
    ]
    assert [row[:3] for row in situations[1:]] == [
        ["at_pickup_point", "1", ""],
        ["late", "2", "0"],
        ["on_time", "3", "50"],
        ["", "1", ""],
    ]
    assert [row[1] for row in months[1:]] == ["0", "7"]
    assert [row[1:] for row in texts[1:]] == [
        ["mondial_relay", "at_pickup_point", "Relais pratique"],
        ["ups", "late", "Livreur aimable"],
        ["colissimo", "late", HOSTILE],
        ["colissimo", "on_time", "Parfait, merci"],
    ]


async def test_a_formula_in_an_answer_is_exported_as_text(
    app: Starlette, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    answers = Answers(engine, merchant_id)
    short = await answers.survey("short", SHORT)
    await answers.add(short, "ups", None, paris(day(1), 9), words='=HYPERLINK("http://x")')
    async with staff_client(app, engine) as staff:
        params = {**PERIOD_PARAMS, "format": "csv", "table": "texts"}
        rows = csv_rows(await staff.get("/dashboard/satisfaction", params=params))

    assert rows[1][-1] == '\'=HYPERLINK("http://x")'


async def test_searching_the_answers_keeps_the_period(app: Starlette, engine: AsyncEngine) -> None:
    await known_answers(engine)
    async with staff_client(app, engine) as staff:
        params = {**PERIOD_PARAMS, "q": "aimable", "lang": "en"}
        html = (await staff.get("/dashboard/satisfaction", params=params)).text

    assert "Livreur aimable" in html
    assert "Relais pratique" not in html
    assert "1 answer<" in html
    assert f'name="from" value="{PERIOD.since.isoformat()}"' in html
    assert "q=aimable&amp;format=csv&amp;table=texts" in html


async def test_answers_are_paged_with_links_both_ways(app: Starlette, engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    answers = Answers(engine, merchant_id)
    short = await answers.survey("short", SHORT)
    for n in range(TEXTS_PER_PAGE + 1):
        at = paris(day(0), 0) + timedelta(minutes=n)
        await answers.add(short, "ups", None, at, words=f"mot-{n:02d}")
    async with staff_client(app, engine) as staff:
        first = (await staff.get("/dashboard/satisfaction", params={"lang": "en"})).text
        second = (
            await staff.get("/dashboard/satisfaction", params={"lang": "en", "page": "2"})
        ).text
        odd = await staff.get("/dashboard/satisfaction", params={"page": "-3'"})

    assert "mot-20" in first
    assert "mot-00" not in first
    assert 'rel="next"' in first
    assert 'rel="prev"' not in first
    assert "mot-00" in second
    assert "Page 2 of 2" in second
    assert odd.status_code == 200


async def test_clicks_are_charted_and_listed(app: Starlette, engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await Answers(engine, merchant_id).shipment()
    await click(engine, merchant_id, shipment_id, "<i>SKU</i>", "email", paris(day(1), 9))
    async with staff_client(app, engine) as staff:
        html = (await staff.get("/dashboard/satisfaction", params={"lang": "en"})).text

    assert "Recommendation clicks per placement" in html
    assert "&lt;i&gt;SKU&lt;/i&gt;" in html
    assert "<i>SKU</i>" not in html


@pytest.mark.parametrize(
    "params", [{"from": "hier"}, {"to": "2026-11-31"}, {"from": "2026-11-20", "to": "2026-11-01"}]
)
async def test_a_bad_period_is_a_readable_message(
    app: Starlette, engine: AsyncEngine, params: dict[str, str]
) -> None:
    async with staff_client(app, engine) as staff:
        response = await staff.get("/dashboard/satisfaction", params={**params, "lang": "en"})

    assert response.status_code == 400
    assert 'class="error" role="alert"' in response.text


async def test_a_user_sees_only_their_merchants_answers_and_clicks(
    app: Starlette, engine: AsyncEngine
) -> None:
    merchant_id = await known_answers(engine)
    shipment_id = await Answers(engine, merchant_id).shipment()
    await click(engine, merchant_id, shipment_id, "LAMP-1", "page", paris(day(1), 9))
    async with staff_client(app, engine, merchant_slug="troisieme") as staff:
        html = (await staff.get("/dashboard/satisfaction", params={"lang": "en"})).text
        exports = [
            csv_rows(
                await staff.get("/dashboard/satisfaction", params={"format": "csv", "table": table})
            )
            for table in ("carriers", "situations", "texts", "placements", "products")
        ]

    assert "Parfait" not in html
    assert "LAMP-1" not in html
    assert '<span class="figure">—</span>' in html  # no answer: no score
    assert [len(rows) for rows in exports] == [1, 1, 1, 1, 1]
