"""Test helpers for carrier adapters: the contract suite, a fake carrier, simulator fixtures.

Installed with Suivi as the pytest plugin `suivi` (a `pytest11` entry point), so a carrier
package's tests need no conftest to use it. Built-in carriers run exactly the same suite.

The contract, in one test module of the carrier package::

    from suivi.testing import AdapterContract
    from my_carrier import MyCarrierAdapter

    class TestMyCarrier(AdapterContract):
        adapter = MyCarrierAdapter

pytest then checks that the adapter is registered once under its name (`suivi.adapters`
entry point), declares what the platform reads (display name, countries, number patterns,
base URL, status table), has an `AdapterSettings` model read from `SUIVI_<NAME>_<FIELD>`,
reads every sample as `expected.json` says with every native code mapped, aware timestamps
and events newest first; that every truncation and seeded random mutation of every sample
parses or raises a typed `SuiviError` (never another exception); that a declared webhook
parses its samples, and a declared `simulator` reference imports.

Samples live in a `samples/` folder beside the adapter's module (`Adapter.samples()`), shipped
in the package, one carrier answer per file named by scenario, and `samples/expected.json`
gives every file one line::

    {
      "delivered.json": [["delivered", "to_recipient"]],
      "two_parcels.json": [["in_transit", null], ["not_found", null]],
      "bad_key.json": "CarrierAuthError",
      "push_delivered.json": {"kind": "webhook"},
      "point_details.json": {"kind": "directory"}
    }

- a list: a tracking answer, read as one `[status, substatus]` per parcel, in order
  (substatus `null` when the carrier says no more);
- a string: a tracking answer that raises this `suivi.errors` class;
- `{"kind": "webhook"}`: a push the adapter's `webhook.parse` reads;
- `{"kind": …}` with any other kind ("directory", "request", "oauth", …): a file kept for
  the adapter's own tests, not parsed by the contract.

Tracking answers are parsed as `adapter.parse(RawResponse(body, requested=("X",)))`, with
settings built without validation (no credentials needed).

Fixtures: `carrier_simulator` (a `RunningSimulator`: `.url`, `.simulator`),
`simulator_settings` (adapter settings per carrier pointing at it) and `sample`
(`sample(adapter, file) -> bytes`). `FakeCarrier` is a tiny JSON carrier for tests of code
that drives adapters.
"""

from suivi.testing._contract import AdapterContract
from suivi.testing._fake import FakeCarrier, FakeCarrierSettings
from suivi.testing._fuzz import cut_points, mutations
from suivi.testing._samples import Read, Sample, SamplesInvalid, read, sample_bytes, samples
from suivi.testing._simulator import SIM_START, RunningSimulator, free_port, serve_simulator

__all__ = [
    "SIM_START",
    "AdapterContract",
    "FakeCarrier",
    "FakeCarrierSettings",
    "Read",
    "RunningSimulator",
    "Sample",
    "SamplesInvalid",
    "cut_points",
    "free_port",
    "mutations",
    "read",
    "sample_bytes",
    "samples",
    "serve_simulator",
]
