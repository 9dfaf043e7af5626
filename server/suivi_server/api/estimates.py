"""The estimate report in the merchant API: how the windows shown to this merchant's shoppers held.

Scoped to the calling merchant: another merchant's deliveries are never counted.
"""

from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from suivi_server.api.auth import Caller
from suivi_server.api.errors import invalid
from suivi_server.api.openapi import Operation
from suivi_server.api.query import single_values
from suivi_server.estimates.report import estimate_report
from suivi_server.surveys.api import Day


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    since: Day | None = Field(
        default=None,
        alias="from",
        description="deliveries on or after this day (local); a parcel left at a pickup point "
        "is selected by the day it was collected and judged on the day it reached the point",
    )
    until: Day | None = Field(
        default=None,
        alias="to",
        description="deliveries on or before this day (local), selected and judged as `from`",
    )


class EstimateReportRowOut(BaseModel):
    carrier: str
    service: str = Field(description='"" when the carrier named no service')
    milestone: str | None = Field(
        description="null: the window shown at hand-over; else the one shown on reaching it"
    )
    deliveries: int
    hit_rate: float = Field(description="share of arrivals inside the window, 0 to 1")
    stated_confidence: float | None = Field(description="mean confidence the windows announced")
    mean_width_days: float = Field(description="business days the window spans (one day: 1)")
    mean_abs_error_days: float
    moved_later: float = Field(description="share of parcels whose window moved later")


class EstimateReportOut(BaseModel):
    data: list[EstimateReportRowOut]


async def get_report(request: Request, caller: Caller) -> Response:
    """Per carrier and service, then per milestone: hit rate, calibration, width, error."""
    try:
        query = ReportQuery.model_validate(single_values(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    if query.since and query.until and query.until < query.since:
        return JSONResponse({"data": []})  # a range with no day holds no delivery
    rows = await estimate_report(
        caller.conn, merchant_id=caller.merchant.id, since=query.since, until=query.until
    )
    return JSONResponse({"data": [asdict(row) for row in rows]})


OPERATIONS = [
    Operation(
        "GET",
        "/estimates/report",
        get_report,
        "How the delivery windows shown held, per carrier, service and milestone",
        response=EstimateReportOut,
        query=ReportQuery,
    ),
]
