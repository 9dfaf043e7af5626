"""The merchant API answers exactly what /api/openapi.json documents, on both databases.

Schemathesis runs its whole engine against the app (examples, coverage, fuzzing and stateful
phases; valid and invalid requests for every operation, authenticated as a seeded merchant) with
every check on: no 5xx, only documented status codes, bodies and headers matching their schemas,
invalid input refused, valid input accepted, wrong methods refused with an exact `Allow`.
The run is seeded and bounded, so it takes well under a minute per database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.engine import Status, events
from sqlalchemy.pool import NullPool

from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.storage.engine import create_engine
from tests.server.conftest import EMPTY_POSTGRES, NOW, SECRET_KEYS
from tests.server.factories import create_merchant, create_shipment

MAX_EXAMPLES = 30

# Valid by the schema yet refused, by design, for reasons JSON Schema cannot state: a carrier's
# check digit, a country's phone numbering plan, an email domain's syntax, four decimal places,
# quiet hours that start when they end, a webhook URL whose host resolves to a private address.
# Only these writes may answer 422 to schema-valid data; every other check stays as strict.
SEMANTIC_CHECKS = {
    "positive_data_acceptance": {
        "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 422, 429]  # the default + 422
    }
}
OPERATIONS = [
    {
        "include-operation-id": [
            "create_or_update",
            "patch_shipment",
            "put_rules",
            "put_webhook",
            "create_survey",
            "put_survey",
            # one shipment reference of three, and no moment in the future: not in the schema
            "create_contact",
        ],
        "checks": SEMANTIC_CHECKS,
    },
    # The import body is text: a "wrongly typed" body reaches the app as text like any other,
    # each of its lines then reported as failed. Its empty body has its own test (test_import).
    {
        "include-operation-id": ["import_shipments", "import_products"],
        "checks": {**SEMANTIC_CHECKS, "negative_data_rejection": {"enabled": False}},
    },
    # Any text is schema-valid, but one that is no helpdesk's ticket export is refused with 422
    # (what the header row must hold is documented in prose); test_helpdesk_import has the rest.
    {
        "include-operation-id": ["import_contacts"],
        "checks": {**SEMANTIC_CHECKS, "negative_data_rejection": {"enabled": False}},
    },
]


async def _seed(database_url: str) -> str:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        if not database_url.startswith("sqlite"):
            async with engine.begin() as conn:
                await conn.exec_driver_sql(EMPTY_POSTGRES)
        merchant_id, key = await create_merchant(engine)
        await create_shipment(engine, merchant_id)
        return key
    finally:
        await engine.dispose()


def _failures(event: events.EngineEvent) -> list[str]:
    if isinstance(event, events.FatalError | events.NonFatalError):
        return [f"error: {event.info.format()}"]
    if not isinstance(event, events.ScenarioFinished) or event.status is Status.SUCCESS:
        return []
    found = []
    for case_id, checks in event.recorder.checks.items():
        case = event.recorder.cases[case_id].value
        for check in checks:
            if check.status is Status.FAILURE and check.failure_info is not None:
                failure = check.failure_info.failure
                found.append(
                    f"{case.method} {case.path} {check.name}: {failure.title}\n"
                    f"  {failure.message}\n  {check.failure_info.code_sample}"
                )
    return found


@pytest.mark.clock_free  # the app's clock is NOW, the fuzzer's seed fixed
def test_the_api_keeps_its_documented_contract(database_url: str, tmp_path: Path) -> None:
    key = asyncio.run(_seed(database_url))
    # The app gets its own engine: schemathesis calls it from its own event loop thread.
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_keys=SECRET_KEYS,
        public_url="http://testserver",
    )
    app = create_app(
        settings,
        engine=create_engine(database_url, poolclass=NullPool),
        clock=lambda: NOW,
        migrate=False,
    )
    config: dict[str, Any] = {
        "headers": {"Authorization": f"Bearer {key}"},
        "seed": 20261125,
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        "checks": {"enabled": True},
        "operations": OPERATIONS,
    }
    schema = schemathesis.openapi.from_asgi(
        "/api/openapi.json", app, config=schemathesis.Config.from_dict(config)
    )
    failures = [
        f for event in schemathesis.engine.from_schema(schema).execute() for f in _failures(event)
    ]
    assert failures == [], "\n".join(dict.fromkeys(failures))
