"""Turn wrk rounds into the overhead table and its JSON record."""
from __future__ import annotations

import json
import statistics
from dataclasses import asdict
from pathlib import Path

from wrk_load import LoadResult

MIN_THROUGHPUT_RATIO = 0.85  # chassis req/s must be at least this share of bare Flask
MAX_P99_RATIO = 1.5          # chassis p99 at most this multiple of bare Flask
FIGURES = ("requests_per_second", "p50_ms", "p95_ms", "p99_ms", "server_cpu_us_per_request")


def median_figures(results: list[LoadResult]) -> dict[str, float]:
    """Median of each figure over the rounds (robust to one noisy round)."""
    return {name: statistics.median(getattr(result, name) for result in results) for name in FIGURES}


def summarize(rounds: dict[str, list[LoadResult]]) -> dict:
    """Medians per app, the two ratios and whether each target is met."""
    bare, chassis = median_figures(rounds["bare"]), median_figures(rounds["chassis"])
    throughput_ratio = chassis["requests_per_second"] / bare["requests_per_second"]
    p99_ratio = chassis["p99_ms"] / bare["p99_ms"]
    return {
        "bare": bare, "chassis": chassis,
        "throughput_ratio": throughput_ratio, "p99_ratio": p99_ratio,
        # Same-round pairs: a slow phase of the machine hits both apps of a round alike.
        "throughput_ratio_per_round": [c.requests_per_second / b.requests_per_second
                                       for b, c in zip(rounds["bare"], rounds["chassis"])],
        "chassis_cpu_us_per_request_added": chassis["server_cpu_us_per_request"] - bare["server_cpu_us_per_request"],
        "throughput_target": MIN_THROUGHPUT_RATIO, "p99_target": MAX_P99_RATIO,
        "throughput_met": throughput_ratio >= MIN_THROUGHPUT_RATIO, "p99_met": p99_ratio <= MAX_P99_RATIO,
        "errors": {app: sum(sum(r.errors.values()) for r in results) for app, results in rounds.items()},
    }


def round_line(app: str, index: int, result: LoadResult) -> str:
    errors = sum(result.errors.values())
    return (f"  round {index + 1} {app:<8} {result.requests_per_second:8.1f} req/s  p50 {result.p50_ms:6.2f}"
            f"  p95 {result.p95_ms:6.2f}  p99 {result.p99_ms:6.2f} ms"
            f"  server CPU {result.server_cpu_us_per_request:5.0f} us/req  errors {errors}")


def table(summary: dict) -> str:
    """The printed result: medians per app, then the ratios against their targets."""
    lines = [f"{'':<9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'CPU us/req':>12}"]
    for app in ("bare", "chassis"):
        f = summary[app]
        lines.append(f"{app:<9}{f['requests_per_second']:>9.1f}{f['p50_ms']:>9.2f}"
                     f"{f['p95_ms']:>9.2f}{f['p99_ms']:>9.2f}{f['server_cpu_us_per_request']:>12.0f}")
    per_round = ", ".join(f"{ratio:.2f}" for ratio in summary["throughput_ratio_per_round"])
    lines += [
        "",
        f"throughput chassis/bare: {summary['throughput_ratio']:.3f}  (target >= {MIN_THROUGHPUT_RATIO})  "
        f"{_verdict(summary['throughput_met'])}   per round: {per_round}",
        f"p99        chassis/bare: {summary['p99_ratio']:.3f}  (target <= {MAX_P99_RATIO})  "
        f"{_verdict(summary['p99_met'])}",
        f"server CPU the chassis adds per request: {summary['chassis_cpu_us_per_request_added']:.0f} us",
    ]
    if any(summary["errors"].values()):
        lines.append(f"WARNING: wrk counted errors {summary['errors']}: figures are suspect")
    return "\n".join(lines)


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def write_json(path: Path, environment: dict, rounds: dict[str, list[LoadResult]], summary: dict) -> None:
    record = {"environment": environment, "summary": summary,
              "rounds": {app: [asdict(result) for result in results] for app, results in rounds.items()}}
    path.write_text(json.dumps(record, indent=2) + "\n")
