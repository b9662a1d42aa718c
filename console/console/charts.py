"""Charts drawn on the server as SVG: no script, readable without JavaScript, printable."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 70, 16, 16, 28


@dataclass(frozen=True)
class Point:
    label: str  # shown under the axis and in the tooltip
    value: int


def line_chart(points: list[Point], value_label: Callable[[int], str], title: str) -> Markup:
    """A line chart of ``points`` in order; ``value_label`` formats values (amounts, counts)."""
    if not points:
        return Markup('<p class="empty">{}</p>').format(title)
    top = max(max(point.value for point in points), 1)
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(len(points) - 1, 1)
    coords = [(PAD_LEFT + index * step, PAD_TOP + plot_h * (1 - point.value / top))
              for index, point in enumerate(points)]
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>",
             _axis(plot_w, plot_h, value_label(top), value_label(0)),
             '<polyline fill="none" stroke="currentColor" stroke-width="2" points="{}"/>'.format(
                 " ".join(f"{x:.1f},{y:.1f}" for x, y in coords))]
    for (x, y), point in zip(coords, points):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(point.label)}: '
                     f"{escape(value_label(point.value))}</title></circle>")
    parts.append(_x_labels(points, coords))
    parts.append("</svg>")
    return Markup("".join(parts))


def _axis(plot_w: float, plot_h: float, top_label: str, zero_label: str) -> str:
    bottom = PAD_TOP + plot_h
    return (f'<line x1="{PAD_LEFT}" y1="{bottom}" x2="{PAD_LEFT + plot_w}" y2="{bottom}" stroke="#999"/>'
            f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{bottom}" stroke="#999"/>'
            f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 4}" text-anchor="end">{escape(top_label)}</text>'
            f'<text x="{PAD_LEFT - 6}" y="{bottom}" text-anchor="end">{escape(zero_label)}</text>')


def _x_labels(points: list[Point], coords: list[tuple[float, float]]) -> str:
    # First, middle and last bucket: enough to read the period without crowding the axis.
    picked = sorted({0, len(points) // 2, len(points) - 1})
    # The last label ends at its point: centred, it would run past the chart's right edge.
    return "".join(f'<text x="{coords[index][0]:.1f}" y="{HEIGHT - 8}" '
                   f'text-anchor="{"end" if index and index == picked[-1] else "middle"}">'
                   f"{escape(points[index].label)}</text>" for index in picked)
