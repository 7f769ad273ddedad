"""Server-rendered SVG charts (pygal) without a line of JavaScript, and CSV exports of the same numbers.

pygal puts a configuration ``<script>`` into every chart even with ``js=[]``; the
portal's Content-Security-Policy forbids scripts and the charts need none, so the
tree is rendered, every ``<script>`` element removed, and a ``<desc>`` added for
screen readers before it is serialised.
"""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pygal
from flask import Response
from pygal.style import Style

SVG_NS = "http://www.w3.org/2000/svg"

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#3b2a1a",
    foreground_strong="#3b2a1a",
    foreground_subtle="#d9c7b4",
    colors=("#8a5526", "#c9a27e", "#2f5b1d", "#7a4700", "#5b3617"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    title_font_size=22,
    label_font_size=16,
    major_label_font_size=16,
    legend_font_size=16,
    value_font_size=16,
    value_label_font_size=16,
    tooltip_font_size=14,
)

# Drawn at 640×400 and scaled by the browser: large fonts stay readable at 360 px wide.
BASE = dict(style=STYLE, js=[], width=640, height=400, explicit_size=False, legend_at_bottom=True,
            legend_at_bottom_columns=2, print_values=False, show_y_guides=True, truncate_label=18,
            truncate_legend=28, margin=12, spacing=10, no_data_font_size=20)


def _finish(chart, title: str, description: str) -> str:
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    # <title> first (pygal writes one when the chart has a title), then <desc>.
    titles = [c for c in tree if isinstance(c.tag, str) and c.tag.rsplit("}", 1)[-1] == "title"]
    if not titles:
        t = ET.Element("title")
        t.text = title
        tree.insert(0, t)
        titles = [t]
    desc = ET.Element("desc")
    desc.text = description
    tree.insert(list(tree).index(titles[0]) + 1, desc)
    tree.set("role", "img")
    tree.set("aria-label", title)
    body = ET.tostring(tree, encoding="unicode")
    return "<?xml version='1.0' encoding='utf-8'?>\n" + body


def bar(title: str, description: str, labels: list[str], series: list[tuple[str, list]], horizontal: bool = False,
        formatter=None) -> str:
    cls = pygal.HorizontalBar if horizontal else pygal.Bar
    options = dict(BASE, title=title, x_label_rotation=30, show_legend=len(series) > 1)
    if formatter is not None:
        options["value_formatter"] = formatter
    if horizontal:
        # pygal draws the first bar at the bottom; a ranking reads from the top.
        labels = list(reversed(labels))
        series = [(name, list(reversed(values))) for name, values in series]
    chart = cls(**options)
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, values)
    if len(labels) > 12 and not horizontal:
        chart.x_labels_major_every = max(1, len(labels) // 8)
        chart.show_minor_x_labels = False
    return _finish(chart, title, description)


def line(title: str, description: str, labels: list[str], series: list[tuple[str, list]], formatter=None) -> str:
    options = dict(BASE, title=title, x_label_rotation=30, show_legend=len(series) > 1, dots_size=3)
    if formatter is not None:
        options["value_formatter"] = formatter
    chart = pygal.Line(**options)
    chart.x_labels = labels
    if len(labels) > 12:
        chart.x_labels_major_every = max(1, len(labels) // 8)
        chart.show_minor_x_labels = False
    for name, values in series:
        chart.add(name, values)
    return _finish(chart, title, description)


def compact_rupiah(value) -> str:
    """Short Rupiah for chart axes (``Rp20 jt`` / ``Rp20m``): full amounts overlap at 360 px."""
    if value is None:
        return ""
    from flask_babel import gettext as _

    v = abs(value)
    sign = "-" if value < 0 else ""
    if v >= 1_000_000_000:
        return sign + _("Rp%(n)s bn", n=_short(v / 1_000_000_000))
    if v >= 1_000_000:
        return sign + _("Rp%(n)s m", n=_short(v / 1_000_000))
    if v >= 1_000:
        return sign + _("Rp%(n)s k", n=_short(v / 1_000))
    return f"{sign}Rp{int(v)}"


def _short(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def svg_response(svg: str) -> Response:
    response = Response(svg, mimetype="image/svg+xml")
    # The chart is a document of its own: pygal's <style> is inline, nothing may run.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return response


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run: text starting with ``= + - @`` (or a tab/CR) gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a number is never a formula, negative or not
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def csv_response(filename: str, header: list, rows: list[list]) -> Response:
    """UTF-8 with a byte-order mark (so Excel reads the Rupiah and Indonesian names right), escaped cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(str(h)) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
