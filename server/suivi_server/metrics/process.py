"""The counters of the worker and the sender running in this process, as Prometheus families.

They live in plain dataclasses the loops increment (`WorkerMetrics`, `SenderMetrics`); these
collectors read them at scrape time, so the loops never depend on the metrics library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from suivi_server.health import WORKER_STATES, worker_state
from suivi_server.notifications.sender import SenderMetrics
from suivi_server.worker.runner import WorkerMetrics

# name (without _total) → (help, attribute): the plain counters of each loop
WORKER_COUNTERS: Mapping[str, tuple[str, str]] = {
    "suivi_worker_polls": ("Shipments polled.", "polls"),
    "suivi_worker_new_events": ("Tracking events stored.", "new_events"),
    "suivi_worker_status_changes": ("Shipments whose status changed.", "status_changes"),
    "suivi_worker_lost_leases": ("Answers dropped: another worker held the lease.", "lost_leases"),
    "suivi_worker_failed_cycles": ("Cycles that failed as a whole.", "failed_cycles"),
    "suivi_worker_restarts": ("Times the supervisor started the loop again.", "restarts"),
}
SENDER_COUNTERS: Mapping[str, tuple[str, str]] = {
    "suivi_sender_retries": ("Deliveries to be tried again.", "retries"),
    "suivi_sender_lost_leases": ("Outcomes dropped: another sender held the lease.", "lost_leases"),
}
COMMIT_WINDOW_QUANTILES = (0.5, 0.99, 1.0)


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, value=value)


def _labelled(name: str, doc: str, label: str, counts: Mapping[str, int]) -> CounterMetricFamily:
    family = CounterMetricFamily(name, doc, labels=[label])
    for key, n in sorted(counts.items()):
        family.add_metric([key], n)
    return family


class WorkerCollector(Collector):
    """The embedded worker's counters since the process started, and its state as /readyz
    reports it, one series per state (1 for the current one)."""

    def __init__(self, metrics: WorkerMetrics, clock: Callable[[], datetime]) -> None:
        self.metrics = metrics
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        m = self.metrics
        for name, (doc, attribute) in WORKER_COUNTERS.items():
            yield _counter(name, doc, getattr(m, attribute))
        yield _labelled("suivi_worker_poll_errors", "Failed polls per error.", "error", m.errors)
        yield _labelled(
            "suivi_worker_situations", "Situations detected per kind.", "kind", m.situations
        )
        yield GaugeMetricFamily(
            "suivi_worker_max_lag_seconds",
            "The latest a claimed poll has been behind its schedule.",
            value=m.max_lag_seconds,
        )
        last = m.last_success
        yield GaugeMetricFamily(
            "suivi_worker_last_success_timestamp_seconds",
            "When a cycle last completed (0: none yet).",
            value=last.timestamp() if last else 0,
        )
        state = worker_state(m, self.clock())
        states = GaugeMetricFamily("suivi_worker_state", "The worker's state.", labels=["state"])
        for name in WORKER_STATES:
            states.add_metric([name], int(name == state))
        yield states


class SenderCollector(Collector):
    """The embedded sender's outcomes since the process started, and the window between a
    provider accepting a message and our commit (when a crash would duplicate it)."""

    def __init__(self, metrics: SenderMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        m = self.metrics
        yield _labelled(
            "suivi_sender_notifications", "Notifications per final state.", "state", m.outcomes
        )
        yield _labelled(
            "suivi_sender_deferred", "Deliveries put off, per reason.", "reason", m.deferred
        )
        for name, (doc, attribute) in SENDER_COUNTERS.items():
            yield _counter(name, doc, getattr(m, attribute))
        windows = sorted(m.commit_windows)
        commit = GaugeMetricFamily(
            "suivi_sender_commit_window_seconds",
            "Seconds from a provider's acceptance to our commit, over the last 1000 messages.",
            labels=["quantile"],
        )
        for share in COMMIT_WINDOW_QUANTILES if windows else ():
            commit.add_metric([str(share)], windows[int(share * (len(windows) - 1))])
        yield commit
