"""A delivered parcel's survey on a phone: three questions answered one at a time, by keyboard
and by touch, with axe-core finding nothing serious in the survey section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.security import PageTokens
from suivi_server.storage.schema import merchants, survey_answers
from suivi_server.surveys.model import SurveyIn
from suivi_server.surveys.store import insert_survey
from tests.browser.conftest import NOW, SECRETS, Site
from tests.server.factories import create_shipment

SURVEY = SurveyIn.model_validate(
    {
        "slug": "browser_survey",
        "title": "How was your delivery?",
        "questions": [
            {
                "id": "recommend",
                "kind": "nps",
                "label": "Would you recommend us?",
                "required": True,
            },
            {"id": "delivery", "kind": "csat", "label": "How satisfied are you with the delivery?"},
            {"id": "comment", "kind": "free_text", "label": "Anything to add?", "max_length": 300},
        ],
        "audience": {"segments": ["survey_shopper"]},  # only this test's shipment gets it
    }
)


def delivered_page(site: Site) -> tuple[str, int]:
    shipment: dict[str, int] = {}

    async def seed(engine: AsyncEngine) -> None:
        async with engine.begin() as conn:
            merchant_id = await conn.scalar(
                sa.select(merchants.c.id).where(merchants.c.slug == "maison-lumiere")
            )
            await insert_survey(conn, merchant_id, SURVEY, NOW)
        shipment["id"] = await create_shipment(
            engine,
            merchant_id,
            order_number="CMD-3003",
            tracking_number="6A33333333333",
            status="delivered",
            substatus="to_recipient",
            delivered_at=NOW,
            segment="survey_shopper",
        )

    site.run(seed)
    return f"{site.url}/t/{PageTokens(SECRETS).sign(shipment['id'])}?lang=en", shipment["id"]


def serious_violations(page: Page) -> list[str]:
    violations = Axe().run(page, context="#survey").response["violations"]
    return [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]


def test_a_shopper_answers_the_survey_one_question_at_a_time(
    site: Site, phone: Page, artifacts: Path
) -> None:
    url, shipment_id = delivered_page(site)
    phone.goto(url)
    survey = phone.locator("#survey")
    survey.scroll_into_view_if_needed()
    expect(survey.locator(".survey-progress")).to_have_text("Question 1 / 3")
    expect(survey.locator("legend")).to_contain_text("Would you recommend us?")
    assert survey.locator('input[type="radio"]').count() == 11
    survey.screenshot(path=str(artifacts / "survey-nps-phone.png"))
    assert serious_violations(phone) == []

    # by keyboard: the first score takes focus, arrows move along the row and pick
    survey.locator('input[value="0"]').focus()
    for _ in range(9):
        phone.keyboard.press("ArrowRight")
    assert survey.locator('input[value="9"]').is_checked()
    phone.keyboard.press("Tab")
    phone.keyboard.press("Enter")
    expect(survey.locator(".survey-progress")).to_have_text("Question 2 / 3")
    assert phone.url == url  # htmx swapped the section, the page stayed

    survey.locator("label.survey-score", has_text="4").click()
    survey.screenshot(path=str(artifacts / "survey-csat-phone.png"))
    assert serious_violations(phone) == []
    survey.get_by_role("button", name="Next").click()

    expect(survey.locator(".survey-progress")).to_have_text("Question 3 / 3")
    survey.get_by_label("Anything to add?").fill("Livreur très <b>aimable</b>")
    survey.screenshot(path=str(artifacts / "survey-text-phone.png"))
    survey.get_by_role("button", name="Send").click()

    expect(survey.locator(".survey-thanks")).to_have_text("Thank you for your answers.")
    survey.screenshot(path=str(artifacts / "survey-thanks-phone.png"))
    assert serious_violations(phone) == []
    assert phone.csp_errors == []  # type: ignore[attr-defined]

    stored: list[Any] = []

    async def read(engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            query = sa.select(survey_answers.c.answers).where(
                survey_answers.c.shipment_id == shipment_id
            )
            stored.extend((await conn.execute(query)).scalars())

    site.run(read)
    assert stored == [{"recommend": 9, "delivery": 4, "comment": "Livreur très <b>aimable</b>"}]
