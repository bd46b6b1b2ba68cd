"""Prometheus metrics: requests and latency per endpoint, and the hosted sessions' own figures.

Request metrics are counted by the middleware. Session figures (orders, fills,
rejections, P&L, equity, decision latency, breaker state) are read from each session's
``status()`` when ``/metrics`` is scraped, so they are the session's numbers, not copies.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Metrics"]

_COUNTS = {  # session status metrics key -> (metric name, help)
    "orders": ("ntlab_session_orders", "Orders sent to the broker"),
    "fills": ("ntlab_session_fills", "Fills booked"),
    "gate_rejections": ("ntlab_session_gate_rejections", "Orders the risk gate refused"),
    "broker_rejections": ("ntlab_session_broker_rejections", "Orders the broker rejected"),
    "cancels": ("ntlab_session_cancels", "Orders cancelled"),
}


class Metrics:
    """A registry of its own (several apps in one process do not collide)."""

    def __init__(self, sessions: Any) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("ntlab_http_requests", "HTTP requests by endpoint and status",
                                ["method", "endpoint", "status"], registry=self.registry)  # fmt: skip
        self.latency = Histogram(
            "ntlab_http_request_seconds", "Time to answer a request, by endpoint",
            ["method", "endpoint"], registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )  # fmt: skip
        self.registry.register(_SessionCollector(sessions))

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(method, endpoint, str(status)).inc()
        self.latency.labels(method, endpoint).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _SessionCollector:
    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions

    def describe(self) -> list:
        return []

    def collect(self) -> Any:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        labels = ["session_id"]
        counts = {k: CounterMetricFamily(n, h, labels=labels) for k, (n, h) in _COUNTS.items()}
        gauges = {
            "equity": GaugeMetricFamily("ntlab_session_equity", "Equity (cash + positions at the last close)", labels=labels),
            "realized_pnl": GaugeMetricFamily("ntlab_session_realized_pnl", "Realised P&L", labels=labels),
            "unrealized_pnl": GaugeMetricFamily("ntlab_session_unrealized_pnl", "Unrealised P&L", labels=labels),
            "bars_processed": GaugeMetricFamily("ntlab_session_bars", "Bars processed", labels=labels),
            "breaker": GaugeMetricFamily("ntlab_session_breaker_tripped", "1 while the circuit breaker halts trading", labels=labels),
            "running": GaugeMetricFamily("ntlab_session_running", "1 while the session runs", labels=labels),
        }  # fmt: skip
        latency = GaugeMetricFamily("ntlab_session_decision_latency_ms",
                                    "Decision latency of the session's bars (ms)",
                                    labels=["session_id", "stat"])  # fmt: skip
        for session in self.sessions.all():
            s = session.status()
            sid = [str(s["session_id"])]
            for key, family in counts.items():
                family.add_metric(sid, float(s["metrics"].get(key, 0)))
            for key in ("equity", "realized_pnl", "unrealized_pnl", "bars_processed"):
                gauges[key].add_metric(sid, float(s[key]))
            gauges["breaker"].add_metric(sid, float(bool(s["circuit_breaker"]["tripped"])))
            gauges["running"].add_metric(sid, float(s["state"] == "running"))
            for stat, value in s["decision_latency_ms"].items():
                if value is not None:
                    latency.add_metric([sid[0], stat], float(value))
        yield from counts.values()
        yield from gauges.values()
        yield latency
