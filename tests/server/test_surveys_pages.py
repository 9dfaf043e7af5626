"""The survey on the delivered page: one question at a time with htmx or plain form posts, one
answer per shipment, changeable for 24 hours, and every bad input refused with nothing stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.services import Services
from suivi_server.storage.schema import survey_answers
from tests.server.conftest import NOW
from tests.server.factories import create_shipment
from tests.server.pages_support import page_client
from tests.server.survey_support import (
    HTMX,
    SAME_ORIGIN,
    delivered,
    form_token,
    merchant_with_survey,
    page_path,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def pages(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(app) as client:
        yield client


async def stored(engine: AsyncEngine) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(survey_answers))).mappings().all()
    return [dict(r) for r in rows]


async def answer(
    pages: httpx.AsyncClient,
    path: str,
    question: str,
    value: str,
    *,
    htmx: bool = True,
    **extra: str,
) -> httpx.Response:
    page = await pages.get(f"{path}?lang=en&survey_question={question}")
    fields = {"form_token": form_token(page.text), "question": question, "answer": value, **extra}
    return await pages.post(
        f"{path}/survey?lang=en", data=fields, headers=HTMX if htmx else SAME_ORIGIN
    )


async def test_the_survey_waits_for_the_delivery(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient
) -> None:
    merchant_id, _, _ = await merchant_with_survey(engine, pages)
    shipment_id = await create_shipment(engine, merchant_id, status="out_for_delivery")
    response = await pages.get(page_path(services, shipment_id) + "?lang=en")
    assert response.status_code == 200
    assert "survey" not in response.context["extras"]
    assert 'id="survey"' not in response.text


async def test_without_a_matching_survey_nothing_is_shown(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient
) -> None:
    vip_only = {
        "slug": "vip",
        "title": "For our VIPs",
        "questions": [{"id": "q", "kind": "csat", "label": "Happy?"}],
        "audience": {"segments": ["vip"]},
    }
    merchant_id, _, _ = await merchant_with_survey(engine, pages, vip_only)
    shipment_id = await delivered(engine, merchant_id, segment="first_order")
    response = await pages.get(page_path(services, shipment_id) + "?lang=en")
    assert 'id="survey"' not in response.text


async def test_the_delivered_page_asks_the_first_question_as_an_accessible_nps_row(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient
) -> None:
    merchant_id, _, _ = await merchant_with_survey(engine, pages)
    shipment_id = await delivered(engine, merchant_id)
    response = await pages.get(page_path(services, shipment_id) + "?lang=en")
    html = response.text
    assert response.context["extras"]["survey"].step == 0
    assert "Question 1 / 3" in html
    assert "<legend" in html
    assert "Would you recommend us?" in html
    for score in range(11):
        assert f'type="radio" name="answer" value="{score}"' in html
    assert "0: not likely" in html
    assert "10: very likely" in html
    assert 'hx-post="/t/' in html
    assert 'method="post"' in html


@pytest.mark.parametrize("shop_locale", ["fr", "fr-FR", None])
async def test_the_shops_own_words_say_their_language_where_the_page_speaks_another(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient, shop_locale: str | None
) -> None:
    """The shop wrote the survey in its language (its `default_locale`, else the server's,
    French here): on an English page its title, question and options are marked `lang="fr"`;
    our own words around them are not."""
    choice = {
        "slug": "choice",
        "title": "Votre avis",
        "questions": [
            {
                "id": "why",
                "kind": "single_choice",
                "label": "Pourquoi nous ?",
                "options": [
                    {"id": "price", "label": "Le prix"},
                    {"id": "speed", "label": "La rapidité"},
                ],
            }
        ],
    }
    shop = {"settings": {"default_locale": shop_locale}}
    merchant_id, _, _ = await merchant_with_survey(engine, pages, choice, **shop)
    path = page_path(services, await delivered(engine, merchant_id))

    english = (await pages.get(path + "?lang=en")).text
    assert '<h2 id="survey-title" lang="fr">Votre avis</h2>' in english
    assert '<span lang="fr">Pourquoi nous ?</span>' in english
    assert '> <span lang="fr">Le prix</span></label>' in english
    assert '> <span lang="fr">La rapidité</span></label>' in english
    assert "Question 1 / 1" in english  # ours, in the page's language, unmarked
    french = (await pages.get(path + "?lang=fr")).text
    survey = french[
        french.index('id="survey"') : french.index("</section>", french.index('id="survey"'))
    ]
    assert 'lang="' not in survey


async def test_with_htmx_each_answer_swaps_in_the_next_question_then_the_thanks(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient
) -> None:
    merchant_id, _, survey_id = await merchant_with_survey(engine, pages)
    shipment_id = await delivered(engine, merchant_id, segment="vip", carrier="colissimo")
    path = page_path(services, shipment_id)

    first = await answer(pages, path, "recommend", "9")
    assert first.status_code == 200
    assert first.template.name == "_survey.html"
    assert "Question 2 / 3" in first.text
    assert "<html" not in first.text
    second = await answer(pages, path, "delivery", "4")
    assert "Question 3 / 3" in second.text
    assert "<textarea" in second.text
    third = await answer(pages, path, "comment", "<b>Super</b> livreur")
    assert "Thank you for your answers." in third.text

    [row] = await stored(engine)
    assert row["answers"] == {"recommend": 9, "delivery": 4, "comment": "<b>Super</b> livreur"}
    assert (row["survey_id"], row["carrier"], row["segment"]) == (survey_id, "colissimo", "vip")
    assert (row["situation"], row["days_late"]) == ("on_time", 0)

    again = await pages.get(path + "?lang=en&survey_question=comment")
    assert "&lt;b&gt;Super&lt;/b&gt; livreur" in again.text
    assert "<b>Super</b>" not in again.text


async def test_without_javascript_each_answer_redirects_to_the_next_question(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient
) -> None:
    merchant_id, _, _ = await merchant_with_survey(engine, pages)
    shipment_id = await delivered(engine, merchant_id)
    path = page_path(services, shipment_id)

    response = await answer(pages, path, "recommend", "3", htmx=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"{path}?lang=en&survey_question=delivery#survey"
    page = await pages.get(response.headers["location"].split("#")[0])
    assert "Question 2 / 3" in page.text
    assert "How satisfied" in page.text

    skipped = await answer(pages, path, "delivery", "", htmx=False)  # optional: may be left out
    assert skipped.headers["location"] == f"{path}?lang=en&survey_question=comment#survey"
    last = await answer(pages, path, "comment", "ok", htmx=False)
    assert last.headers["location"] == f"{path}?lang=en#survey"
    done = await pages.get(f"{path}?lang=en")
    assert "Thank you for your answers." in done.text
    assert (await stored(engine))[0]["answers"] == {
        "recommend": 3,
        "delivery": None,
        "comment": "ok",
    }


async def test_answers_can_change_for_24_hours_then_the_survey_is_read_only(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient, clock: list
) -> None:
    merchant_id, _, _ = await merchant_with_survey(engine, pages)
    shipment_id = await delivered(engine, merchant_id)
    path = page_path(services, shipment_id)
    await answer(pages, path, "recommend", "6")
    await answer(pages, path, "delivery", "2")
    await answer(pages, path, "comment", "")
    assert "Change my answers" in (await pages.get(path + "?lang=en")).text

    clock[0] = NOW + timedelta(hours=23, minutes=59)
    changed = await answer(pages, path, "recommend", "10")
    assert changed.status_code == 200
    assert (await stored(engine))[0]["answers"]["recommend"] == 10

    clock[0] = NOW + timedelta(hours=24)
    page = await pages.get(path + "?lang=en&survey_question=recommend")
    assert page.context["extras"]["survey"].step is None
    assert "Thank you for your answers." in page.text
    assert "Change my answers" not in page.text
    late = await pages.post(
        f"{path}/survey?lang=en",
        data={
            "form_token": form_token_for(services, shipment_id),
            "question": "recommend",
            "answer": "0",
        },
        headers=HTMX,
    )
    assert late.status_code == 409
    assert "Your answers can no longer be changed. Thank you!" in late.text
    [row] = await stored(engine)
    assert row["answers"]["recommend"] == 10


def form_token_for(services: Services, shipment_id: int) -> str:
    """The token the page would carry (after the window the page no longer shows a form)."""
    from suivi_server.pages.forms import FormGuard

    guard = FormGuard(services.settings.secret_keys, services.settings.public_url)
    return guard.token(shipment_id, "survey")


@pytest.mark.parametrize(
    ("question", "value", "status", "message"),
    [
        ("recommend", "11", 422, "This answer is not one of the choices."),
        ("recommend", "-1", 422, "This answer is not one of the choices."),
        ("recommend", "٣", 422, "This answer is not one of the choices."),  # a non-ASCII digit
        ("recommend", "9" * 5000, 422, "This answer is not one of the choices."),  # > int()
        ("recommend", "", 422, "Please answer this question."),  # required
        ("delivery", "0", 422, "This answer is not one of the choices."),
        ("nope", "3", 422, "This question is not part of the survey."),
        ("comment", "x" * 201, 422, "Your answer is too long."),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
async def test_a_bad_answer_is_refused_with_a_message_and_nothing_stored(
    engine: AsyncEngine,
    services: Services,
    pages: httpx.AsyncClient,
    question: str,
    value: str,
    status: int,
    message: str,
    htmx: bool,
) -> None:
    merchant_id, _, _ = await merchant_with_survey(engine, pages)
    shipment_id = await delivered(engine, merchant_id)
    response = await answer(pages, page_path(services, shipment_id), question, value, htmx=htmx)
    assert response.status_code == status
    assert message in response.text
    assert await stored(engine) == []


async def test_forged_foreign_and_cross_site_posts_are_refused(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient
) -> None:
    merchant_id, _, _ = await merchant_with_survey(engine, pages)
    mine = await delivered(engine, merchant_id)
    other = await delivered(engine, merchant_id, tracking_number="6A99999999999")
    path = page_path(services, mine)
    others_token = form_token((await pages.get(page_path(services, other) + "?lang=en")).text)
    fields = {"question": "recommend", "answer": "9"}
    url = f"{path}/survey?lang=en"

    foreign = await pages.post(url, data={**fields, "form_token": others_token}, headers=HTMX)
    forged = await pages.post(url, data={**fields, "form_token": "forged"}, headers=HTMX)
    cross = await pages.post(
        url,
        data={**fields, "form_token": form_token_for(services, mine)},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    for response in (foreign, forged):
        assert response.status_code == 403
        assert "This form has expired: reload the page." in response.text
    assert cross.status_code == 403
    assert "This form can only be sent from its own page." in cross.text
    assert await stored(engine) == []


async def test_a_post_for_a_parcel_not_yet_delivered_is_refused(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient
) -> None:
    merchant_id, _, _ = await merchant_with_survey(engine, pages)
    shipment_id = await create_shipment(engine, merchant_id, status="in_transit")
    response = await pages.post(
        f"{page_path(services, shipment_id)}/survey?lang=en",
        data={
            "form_token": form_token_for(services, shipment_id),
            "question": "recommend",
            "answer": "9",
        },
        headers=HTMX,
    )
    assert response.status_code == 409
    assert "There is no survey for this parcel." in response.text
    assert await stored(engine) == []


async def test_the_survey_chosen_first_stays_the_one_answered(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient
) -> None:
    """Once answered, a newer, more specific survey does not replace it on the page."""
    merchant_id, key, first_id = await merchant_with_survey(engine, pages)
    shipment_id = await delivered(engine, merchant_id, segment="vip")
    path = page_path(services, shipment_id)
    await answer(pages, path, "recommend", "8")
    vip = {
        "slug": "vip",
        "title": "VIP",
        "questions": [{"id": "q", "kind": "csat", "label": "?"}],
        "audience": {"segments": ["vip"]},
    }
    from tests.server.factories import bearer

    assert (await pages.post("/api/surveys", json=vip, headers=bearer(key))).status_code == 201
    page = await pages.get(path + "?lang=en")
    assert page.context["extras"]["survey"].survey_id == first_id
    assert "Question 2 / 3" in page.text
