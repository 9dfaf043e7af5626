"""Demo data: a merchant, shipments in the situations shoppers call about, and the simulator
playing each parcel's story in its carrier's real API format."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import Situation
from suivi_server.demo_history import seed_history
from suivi_server.recommendations.feed import read_feed
from suivi_server.recommendations.store import import_feed
from suivi_server.simulator import STORIES, Parcel, SimClock, Simulator
from suivi_server.storage.merchants import create_merchant, issue_api_key
from suivi_server.storage.shipments import upsert_shipment
from suivi_server.surveys.model import SurveyIn
from suivi_server.surveys.store import insert_survey

PARIS = ZoneInfo("Europe/Paris")  # the demo shop's zone

MERCHANT_SLUG = "maison-lumiere"
# The shop's product feed; `{base}` becomes the demo server's address (its pictures live there).
PRODUCT_FEED = Path(__file__).parent / "demo_assets" / "products.jsonl"
MERCHANT_SETTINGS: dict[str, Any] = {
    "colours": {"primary": "#7c2d12", "accent": "#ea580c"},
    "contact": {
        "phone": "+33 1 84 60 12 34",
        "email": "bonjour@maison-lumiere.example",
        "chat_url": "https://maison-lumiere.example/aide",
    },
    "allowed_origins": ["http://127.0.0.1:8001", "http://localhost:8001"],
    "default_locale": "fr",
    "timezone": "Europe/Paris",
    # The demo shows at once every message its parcels cause, at any hour it is started:
    # no quiet hours, and the wait before a "no scan" delay message is left out.
    "notifications": {
        "quiet_hours": None,
        "events": {"delivery_delayed": {"channels": ["email", "webhook"], "delay_minutes": 0}},
    },
}


@dataclass(frozen=True)
class DemoParcel:
    order_number: str
    carrier: str
    tracking_number: str
    story: str
    hours_ago: float  # when its story started: where it stands in the story now
    shows: Situation  # the situation this parcel demonstrates, printed beside its link
    customer: str
    locale: str
    postcode: str
    item: str
    price: str
    picture: str = "lamp"
    ship_days_late: int = 0  # days between the promised ship date and the story's start
    # the story's hour whose scan must be of today in Paris (a parcel out for delivery
    # yesterday is a late one): the start moves later in the hour after midnight
    today_from: float | None = None

    def started_at(self, now: datetime) -> datetime:
        """When its story started, so that it stands where it demonstrates its situation."""
        start = now - timedelta(hours=self.hours_ago)
        if self.today_from is None:
            return start
        midnight = datetime.combine(now.astimezone(PARIS).date(), time(), tzinfo=PARIS)
        return max(start, midnight - timedelta(hours=self.today_from))


S = Situation
DEMO_TOWNS = {
    "75011": "Paris", "69003": "Lyon", "10115": "Berlin", "13001": "Marseille",
    "33000": "Bordeaux", "59000": "Lille", "31000": "Toulouse", "06000": "Nice",
    "64200": "Biarritz", "67000": "Strasbourg", "44000": "Nantes", "35000": "Rennes",
    "21000": "Dijon",
}  # fmt: skip
# One parcel per situation, each placed in its story where that situation holds for hours.
DEMO_PARCELS = (
    DemoParcel("ML-1001", "colissimo", "6A12345678901", "delivered", 40, S.DELIVERED,
               "Camille Martin", "fr", "75011", "Lampe Opaline", "89.00"),
    DemoParcel("ML-1002", "chronopost", "89108749065090", "out_for_delivery", 34,
               S.OUT_FOR_DELIVERY, "Louis Bernard", "fr", "69003", "Suspension Rotin", "129.00",
               "pendant", today_from=33),
    DemoParcel("ML-1003", "ups", "1Z999AA10123456784", "attempt_failed", 37, S.ATTEMPT_FAILED,
               "Emma Schmidt", "de", "10115", "Applique Laiton", "74.50"),
    DemoParcel("ML-1004", "mondial_relay", "12345678", "pickup_point", 45,
               S.AVAILABLE_FOR_PICKUP, "Léa Petit", "fr", "13001", "Bougeoir Céramique", "32.00",
               "candle"),
    DemoParcel("ML-1005", "dpd", "25077012345678", "refused", 40, S.REFUSED, "Noah Dubois",
               "fr", "33000", "Lampadaire Noyer", "219.00"),
    DemoParcel("ML-1006", "colissimo", "6A98765432109", "address_problem", 37,
               S.ADDRESS_PROBLEM, "Olivia Brown", "en", "59000", "Abat-jour Lin", "45.00"),
    DemoParcel("ML-1007", "chronopost", "89108749065106", "in_transit", 16, S.SHIPPED,
               "Lucas Moreau", "fr", "31000", "Guirlande Verre", "39.90", "garland"),
    DemoParcel("ML-1008", "dpd", "25077012345685", "delayed", 60, S.DELIVERY_DELAYED,
               "Giulia Rossi", "it", "06000", "Lampe Champignon", "99.00"),
    DemoParcel("ML-1009", "ups", "1Z999AA10123456793", "neighbour", 38,
               S.DELIVERED_TO_THIRD_PARTY, "Sofia García", "es", "64200", "Veilleuse Nuage",
               "27.00"),
    DemoParcel("ML-1010", "mondial_relay", "23456789", "label_only", 2, S.PREPARATION_DELAY,
               "Daan de Vries", "nl", "67000", "Lanterne Fer", "58.00", "candle",
               ship_days_late=3),
    DemoParcel("ML-1011", "colissimo", "6A12345678902", "damaged", 40, S.DAMAGED,
               "Hugo Lefèvre", "fr", "44000", "Lampe Bureau Laiton", "149.00"),
    DemoParcel("ML-1012", "ups", "1Z999AA10123456702", "in_transit", 16, S.SHIPPED_LATE,
               "Chloé Girard", "fr", "35000", "Suspension Lin", "79.00", "pendant",
               ship_days_late=4),
    DemoParcel("ML-1013", "mondial_relay", "34567890", "not_collected", 38 + 14 * 24 + 4,
               S.RETURNED_TO_SENDER, "Jules Roux", "fr", "21000", "Photophore Verre", "24.00",
               "candle"),
)  # fmt: skip


def demo_simulator(now: datetime) -> Simulator:
    """Each demo parcel started `hours_ago`, and the clock runs in real time from now on."""
    sim = Simulator(clock=SimClock(now, speed=1.0))
    for parcel in DEMO_PARCELS:
        sim.add_parcel(
            Parcel(
                parcel.carrier,
                parcel.tracking_number,
                parcel.started_at(now),
                STORIES[parcel.story],
                story=parcel.story,
                recipient_postcode=parcel.postcode,
            )
        )
    return sim


@dataclass(frozen=True)
class DemoData:
    api_key: str
    shipment_ids: dict[str, int]


# The survey the delivered parcels show: for every shopper, in the shop's language.
DEMO_SURVEY = SurveyIn.model_validate(
    {
        "slug": "apres_livraison",
        "title": "Votre avis sur cette livraison",
        "questions": [
            {
                "id": "recommandation",
                "kind": "nps",
                "label": "Recommanderiez-vous Maison Lumière à un proche ?",
                "required": True,
            },
            {"id": "livraison", "kind": "csat", "label": "Êtes-vous satisfait de la livraison ?"},
            {"id": "commentaire", "kind": "free_text", "label": "Un mot à nous dire ?"},
        ],
    }
)


async def seed_demo(
    engine: AsyncEngine, now: datetime, base_url: str = "http://127.0.0.1:8000"
) -> DemoData:
    """Create the demo merchant and its shipments, all due for a first poll right away."""
    async with engine.begin() as conn:
        merchant = await create_merchant(
            conn, MERCHANT_SLUG, "Maison Lumière", now, settings=MERCHANT_SETTINGS
        )
        api_key = await issue_api_key(conn, merchant.id, now, label="demo")
        ids = {}
        for number, parcel in enumerate(DEMO_PARCELS, start=10):
            plain = unicodedata.normalize("NFKD", parcel.customer).encode("ascii", "ignore")
            email = plain.decode().lower().replace(" ", ".") + "@example.com"
            shipment_id, _ = await upsert_shipment(
                conn,
                merchant.id,
                {
                    "order_number": parcel.order_number,
                    "carrier": parcel.carrier,
                    "tracking_number": parcel.tracking_number,
                    "items": [
                        {
                            "product_id": parcel.order_number.replace("ML", "P"),
                            "name": parcel.item,
                            "quantity": 1,
                            "price": parcel.price,
                            "currency": "EUR",
                            "image_url": f"/demo-assets/{parcel.picture}.svg",
                        }
                    ],
                    "customer_name": parcel.customer,
                    "customer_email": email,
                    "customer_phone": f"06 12 34 56 {number:02d}",
                    "customer_locale": parcel.locale,
                    "customer_postcode": parcel.postcode,
                    "customer_country": "FR",
                    "shipping_address": {
                        "name": parcel.customer,
                        "line1": "8 rue des Lilas",
                        "postcode": parcel.postcode,
                        "city": DEMO_TOWNS.get(parcel.postcode, ""),
                        "country": "FR",
                    },
                    "promised_ship_date": (
                        parcel.started_at(now) - timedelta(days=parcel.ship_days_late)
                    ).date(),
                    "promised_delivery_date": (parcel.started_at(now) + timedelta(days=2)).date(),
                    "ordered_at": parcel.started_at(now) - timedelta(hours=20),
                    "status": "pending",
                    "next_poll_at": now,
                },
                now,
            )
            ids[parcel.order_number] = shipment_id
        feed = PRODUCT_FEED.read_text(encoding="utf-8").replace("{base}", base_url)
        await import_feed(conn, merchant.id, list(read_feed(feed, "jsonl")), now)
        await insert_survey(conn, merchant.id, DEMO_SURVEY, now)
        await seed_history(conn, merchant.id, now)
    return DemoData(api_key=api_key, shipment_ids=ids)
