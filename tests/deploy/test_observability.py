"""deploy/prometheus and deploy/grafana: they parse, and every metric they read is one something exports."""
from __future__ import annotations

import json

import promql_parser
import pytest

from .deploy_files import ROOT, load_yaml

# RabbitMQ's own exporter (rabbitmq_prometheus, /metrics/detailed) and Prometheus' `up`.
EXTERNAL_METRICS = {"up", "rabbitmq_detailed_queue_messages", "rabbitmq_detailed_queue_messages_ready",
                    "rabbitmq_detailed_queue_consumers"}
DASHBOARDS = sorted((ROOT / "deploy/grafana/dashboards").glob("*.json"))


def exported_metrics() -> set[str]:
    """Sample names of the metrics chassis and the gateway define, and of analytics' business figures (what
    /metrics can show)."""
    from dataclasses import fields

    from analytics.kpis import MONEY
    from chassis.metrics import metrics
    from gateway.metrics import gateway_metrics
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    names = set()
    for group in (metrics(), gateway_metrics()):
        for field in fields(group):
            for family in getattr(group, field.name).describe():
                names |= {family.name + suffix for suffix in suffixes[family.type]}
    return names | {"analytics_orders_today", *(name for name, _ in MONEY.values())}


def selectors(expression: str) -> list:
    """The series selectors of a PromQL expression, parsed as Prometheus parses it (a syntax error raises)."""
    found: list = []
    promql_parser.walk(promql_parser.parse(expression),
                       lambda node: found.append(node) if isinstance(node, promql_parser.VectorSelector) else None)
    return found


def metric_names(expression: str) -> set[str]:
    return {selector.name for selector in selectors(expression)}


def event_filters(expression: str) -> set[tuple[str, str]]:
    """``(service, type)`` pairs a selector names, e.g. ``{service="payments", type="payout.failed"}``."""
    pairs = set()
    for selector in selectors(expression):
        labels = {matcher.name: matcher.value for matcher in selector.matchers.matchers
                  if matcher.op == promql_parser.MatchOp.Equal}
        if "type" in labels and "service" in labels:
            pairs.add((labels["service"], labels["type"]))
    return pairs


def rules() -> list[dict]:
    return [rule for group in load_yaml("deploy/prometheus/alerts.yml")["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    return [target["expr"] for path in DASHBOARDS for panel in json.loads(path.read_text())["panels"]
            for target in panel.get("targets", [])]


def test_the_metric_name_reader_finds_names_and_only_names():
    expression = ('sum by (service) (rate(http_requests_total{status=~"5.."}[5m])) / '
                  'max by (service) (deriv(outbox_backlog[10m:1m])) > 0.05 and on(queue) up == 0')
    assert metric_names(expression) == {"http_requests_total", "outbox_backlog", "up"}
    with pytest.raises(ValueError):
        metric_names("sum by (service (rate(http_requests_total[5m]))")


def test_alerts_cover_errors_latency_outbox_dead_letters_lag_and_payouts():
    names = {rule["alert"] for rule in rules()}
    assert {"HighErrorRate", "HighLatencyP99", "OutboxBacklogGrowing", "DeadLettersPresent", "ConsumerLag",
            "PayoutFailures"} <= names
    assert all(rule["expr"].strip() and rule["annotations"]["summary"] for rule in rules())


@pytest.mark.parametrize("source", ["alerts", "dashboards"])
def test_every_metric_read_is_exported(source):
    expressions = [rule["expr"] for rule in rules()] if source == "alerts" else dashboard_expressions()
    read = set().union(*(metric_names(expression) for expression in expressions))
    assert read and read - exported_metrics() - EXTERNAL_METRICS == set()


@pytest.mark.parametrize("source", ["alerts", "dashboards"])
def test_event_types_are_published_by_the_service_named(source):
    from contracts.producers import PRODUCERS
    expressions = [rule["expr"] for rule in rules()] if source == "alerts" else dashboard_expressions()
    named = set().union(*(event_filters(expression) for expression in expressions))
    assert named and {(service, kind) for service, kind in named if kind not in PRODUCERS.get(service, {})} == set()


def test_prometheus_loads_the_rules_file_it_is_given():
    config = load_yaml("deploy/prometheus/prometheus.yml")
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]  # deploy/prometheus is mounted there


def test_dashboards_use_the_provisioned_datasource():
    datasource = load_yaml("deploy/grafana/provisioning/datasources/prometheus.yml")["datasources"][0]
    assert len(DASHBOARDS) == 4
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        assert dashboard["uid"] == path.stem
        uids = {panel["datasource"]["uid"] for panel in dashboard["panels"] if "datasource" in panel}
        assert uids == {datasource["uid"]}, path.name
