"""What an import would do, before it is done: the helpdesk detected, which column holds what,
and the first tickets as they would be stored (reason, shipment found). Stores nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import islice

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.helpdesk.classifier import classify
from suivi_server.helpdesk.formats import ColumnMap
from suivi_server.helpdesk.importer import merchant_zone
from suivi_server.helpdesk.matching import By, find_shipment
from suivi_server.helpdesk.tickets import BadLine, Ticket, read_export
from suivi_server.storage.merchants import Merchant
from suivi_server.storage.schema import shipments

SAMPLE = 5


@dataclass(frozen=True, slots=True)
class Sample:
    ticket: Ticket
    reason: str
    matched_by: By | None
    order_number: str | None


@dataclass(frozen=True, slots=True)
class Preview:
    columns: ColumnMap
    samples: list[Sample | BadLine]


async def preview_export(
    conn: AsyncConnection, merchant: Merchant, text: str, helpdesk: str | None, now: datetime
) -> Preview:
    """The export's column mapping and its first tickets; UnknownFormat as for an import."""
    export = read_export(text, helpdesk, merchant_zone=merchant_zone(merchant), now=now)
    samples: list[Sample | BadLine] = []
    for line in islice(export.lines, SAMPLE):
        if isinstance(line, BadLine):
            samples.append(line)
            continue
        match = await find_shipment(conn, merchant.id, line)
        order = None
        if match is not None:
            query = sa.select(shipments.c.order_number).where(
                shipments.c.merchant_id == merchant.id, shipments.c.id == match.shipment_id
            )
            order = (await conn.execute(query)).scalar()
        samples.append(
            Sample(line, classify(line.subject, line.text), match.by if match else None, order)
        )
    return Preview(export.columns, samples)
