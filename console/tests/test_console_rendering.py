"""Pure pieces of the pages: the SVG chart, the period picker, and French for every text."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from console.charts import Point, line_chart
from console.periods import Period, chosen_period

PACKAGE = Path(__file__).resolve().parents[1] / "console"
TODAY = date(2026, 11, 29)


def test_a_chart_scales_its_points_to_the_largest_value():
    svg = line_chart([Point("1 Nov", 0), Point("2 Nov", 50), Point("3 Nov", 100)], str, "GMV")

    assert 'points="70.0,212.0 387.0,114.0 704.0,16.0"' in svg
    assert "<title>2 Nov: 50</title>" in svg


def test_chart_labels_are_escaped():
    svg = line_chart([Point("<script>", 1)], str, "GMV <b>")

    assert "<script>" not in svg and "&lt;script&gt;" in svg and "GMV &lt;b&gt;" in svg


def test_a_chart_without_points_says_so():
    assert line_chart([], str, "Revenue").startswith('<p class="empty">')


def test_the_default_period_is_the_last_thirty_days_by_day():
    period = chosen_period({}, TODAY)

    assert (period, period.granularity) == (Period(date(2026, 10, 31), TODAY, 30), "day")


def test_explicit_days_win_and_long_periods_use_coarser_buckets():
    period = chosen_period({"from": "2025-01-01", "to": "2026-06-30", "span": "7"}, TODAY)

    assert (period.start, period.end, period.span, period.granularity) == (
        date(2025, 1, 1), date(2026, 6, 30), None, "month")


def test_unreadable_periods_fall_back_to_the_default():
    picked = [chosen_period(args, TODAY).span for args in (
        {"span": "13"}, {"span": "lots"}, {"from": "2026-02-30", "to": "2026-03-01"},
        {"from": "2026-03-02", "to": "2026-03-01"})]

    assert picked == [30, 30, 30, 30]


def console_texts() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    return {message for _, _, message, *_ in extract_from_dir(PACKAGE, method_map) if isinstance(message, str)}


def french_texts() -> dict[str, str]:
    with (PACKAGE / "translations/fr/LC_MESSAGES/messages.po").open("rb") as po:
        return {message.id: message.string for message in read_po(po) if message.id}


def test_every_text_of_the_console_has_a_french_translation():
    french = french_texts()

    assert sorted(text for text in console_texts() if not french.get(text)) == []


def test_no_french_translation_outlives_its_text():
    assert sorted(set(french_texts()) - console_texts()) == []


def test_the_last_date_under_a_chart_ends_at_its_point_so_it_stays_inside_the_chart():
    svg = line_chart([Point("1 Nov", 0), Point("2 Nov", 50), Point("3 Nov", 100)], str, "GMV")

    assert '<text x="704.0" y="232" text-anchor="end">3 Nov</text>' in svg
    assert '<text x="70.0" y="232" text-anchor="middle">1 Nov</text>' in svg
