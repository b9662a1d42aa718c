"""The gateway's own Prometheus series (beside chassis' http_requests_total)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from prometheus_client import Counter, Histogram

from chassis.metrics import LATENCY_BUCKETS


@dataclass(frozen=True)
class GatewayMetrics:
    requests: Counter
    upstream_latency: Histogram
    upstream_errors: Counter
    rate_limited: Counter


@cache
def gateway_metrics() -> GatewayMetrics:
    """Created on first use, once per process."""
    return GatewayMetrics(
        requests=Counter("gateway_requests_total", "Requests answered by the gateway",
                         ["route_class", "upstream", "status"]),
        upstream_latency=Histogram("gateway_upstream_duration_seconds",
                                   "Time from sending a request upstream to its response headers",
                                   ["upstream"], buckets=LATENCY_BUCKETS),
        upstream_errors=Counter("gateway_upstream_errors_total", "Upstream requests that failed",
                                ["upstream", "kind"]),
        rate_limited=Counter("gateway_rate_limited_total", "Requests refused by a rate limit", ["limit"]),
    )


class LabelCache:
    """Labelled children resolved once per label set (prometheus validates labels on every call)."""

    def __init__(self, metric) -> None:
        self._metric = metric
        self._children: dict[tuple[str, ...], object] = {}

    def __call__(self, *labels: str):
        child = self._children.get(labels)
        if child is None:
            child = self._children[labels] = self._metric.labels(*labels)
        return child
