"""The load run's figures: summarised from the recorder, printed against the targets."""
from __future__ import annotations

from saga_figures import percentiles
from traffic import EXPECTED, Recorder

TARGET_ORDERS_PER_SECOND = 100
TARGET_P95_SETTLEMENT_SECONDS = 1.0
TARGET_ERROR_RATE = 0.001


def summary(recorder: Recorder, duration: float) -> dict:
    routes = {}
    for route, latencies in recorder.latencies.items():
        statuses = dict(recorder.statuses[route])
        errors = sum(count for status, count in statuses.items()
                     if not status.isdigit() or int(status) not in EXPECTED[route])
        routes[route] = {**percentiles(latencies), "per_second": round(len(latencies) / duration, 1),
                         "statuses": statuses, "errors": errors}
    requests = sum(route["count"] for route in routes.values()) + recorder.payment_not_yet
    errors = sum(route["errors"] for route in routes.values())
    return {"routes": routes, "requests": requests, "requests_per_second": round(requests / duration, 1),
            "errors": errors, "error_rate": errors / requests if requests else 0.0,
            "error_samples": recorder.error_samples, "actions": dict(recorder.actions),
            "orders_placed": len(recorder.placed_orders), "payment_not_yet_answers": recorder.payment_not_yet}


def print_report(results: dict) -> None:
    duration, saga = results["duration"], results["saga"]
    settled_per_second = saga["settled"] / duration
    p95 = saga["placed_to_processing"].get("p95")
    print(f"\n== load: {results['arguments']['users']} users, {duration:g}s measured, "
          f"machine {results['machine_busy_share']:.0%} busy (other load before: {results['other_load_share']:.0%})")
    print(f"orders placed {results['orders_placed'] / duration:.1f}/s, settled (placed -> processing) "
          f"{settled_per_second:.1f}/s   target >= {TARGET_ORDERS_PER_SECOND}: {_verdict(settled_per_second >= TARGET_ORDERS_PER_SECOND)}")
    print(f"placed -> processing p95 {_seconds(p95)}   target <= {TARGET_P95_SETTLEMENT_SECONDS:g} s: "
          f"{_verdict(p95 is not None and p95 <= TARGET_P95_SETTLEMENT_SECONDS)}")
    print(f"errors {results['errors']} of {results['requests']} requests ({results['error_rate']:.3%})   "
          f"target < {TARGET_ERROR_RATE:.1%}: {_verdict(results['error_rate'] < TARGET_ERROR_RATE)}")
    print(f"requests {results['requests_per_second']:.0f}/s (payment 'not yet payable' answers: "
          f"{results['payment_not_yet_answers']}); orders' final statuses: {saga['final_statuses']}")
    _print_routes(results["routes"])
    _print_saga(saga)
    _print_event_lag(results["event_lag"])
    _print_cpu(results["cpu_seconds"], duration, saga["settled"], results["requests"])
    for sample in results["error_samples"][:5]:
        print(f"  error: {sample}")


def _print_routes(routes: dict) -> None:
    print(f"\n{'route':<15}{'count':>8}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}  statuses")
    for route in EXPECTED:
        if route in routes:
            row = routes[route]
            print(f"{route:<15}{row['count']:>8}{row['per_second']:>8.1f}{_ms(row, 'p50')}{_ms(row, 'p95')}"
                  f"{_ms(row, 'p99')}{row['errors']:>8}  {row['statuses']}")


def _print_saga(saga: dict) -> None:
    print(f"\nsaga of the window's orders ({saga['settled']} of {saga['orders']} reached processing):")
    for step in ("placed_to_awaiting_payment", "awaiting_payment_to_processing", "placed_to_processing"):
        row = saga[step]
        print(f"  {step:<32}{_ms(row, 'p50')}{_ms(row, 'p95')}{_ms(row, 'p99')} ms (p50/p95/p99)")


def _print_event_lag(lag: dict) -> None:
    print(f"\nevent lag, outbox created -> inbox handled ({lag['events_written']} events written in the window, "
          f"in no inbox: {lag['in_no_inbox'] or 'none'}):")
    print(f"  {'all':<52}{_ms(lag['all'], 'p50')}{_ms(lag['all'], 'p95')}{_ms(lag['all'], 'p99')} ms")
    for route, row in lag["consumed"].items():
        print(f"  {route:<52}{_ms(row, 'p50')}{_ms(row, 'p95')}{_ms(row, 'p99')} ms  ({row['count']})")
    for service, row in lag["relayed"].items():
        print(f"  relay created -> published, {service:<24}{_ms(row, 'p50')}{_ms(row, 'p95')}{_ms(row, 'p99')} ms")


def _print_cpu(cpu: dict, duration: float, settled: int, requests: int) -> None:
    print(f"\n{'CPU':<32}{'seconds':>9}{'cores':>7}{'ms/order':>10}{'us/request':>12}")
    for name, seconds in sorted(cpu.items(), key=lambda item: -item[1]):
        per_order = f"{1000 * seconds / settled:>10.1f}" if settled else f"{'-':>10}"
        per_request = f"{1e6 * seconds / requests:>12.0f}" if requests else f"{'-':>12}"
        print(f"{name:<32}{seconds:>9.2f}{seconds / duration:>7.2f}{per_order}{per_request}")
    total = sum(seconds for name, seconds in cpu.items() if not name.startswith("rabbitmq"))
    print(f"{'all but rabbitmq':<32}{total:>9.2f}{total / duration:>7.2f}"
          + (f"{1000 * total / settled:>10.1f}" if settled else ""))


def _ms(row: dict, key: str) -> str:
    return f"{1000 * row[key]:>9.1f}" if key in row else f"{'-':>9}"


def _seconds(value) -> str:
    return "-" if value is None else f"{value:.3f} s"


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"
