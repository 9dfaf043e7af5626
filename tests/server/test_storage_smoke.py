"""The migrated schema works the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.schema import shipments
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio


async def test_a_shipment_is_unique_per_merchant_order_and_number(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    await create_shipment(engine, merchant_id)
    with pytest.raises(IntegrityError):
        await create_shipment(engine, merchant_id)
    other_id, _ = await create_merchant(engine, slug="autre-boutique")
    await create_shipment(engine, other_id)
    async with engine.connect() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(shipments))).scalar_one()
    assert count == 2
