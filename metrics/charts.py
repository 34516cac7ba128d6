"""Line charts of a metric (baseline, plan, actual) as SVG, drawn by matplotlib on the
server so the page and the PDF show the same chart. The same figures are always
given as a table beside it."""

import base64
import io
import re

import matplotlib

matplotlib.use("svg")
from django.utils.html import escape
from matplotlib import font_manager, pyplot
from matplotlib.figure import Figure

pyplot.rcParams["svg.fonttype"] = "none"  # real text: selectable, readable by screen readers
pyplot.rcParams["svg.hashsalt"] = "bcf"  # the same chart gives the same SVG
# Arial where installed (Liberation Sans is metric-compatible), else matplotlib's own font.
_installed = {font.name for font in font_manager.fontManager.ttflist}
pyplot.rcParams["font.family"] = [
    name for name in ("Arial", "Liberation Sans", "DejaVu Sans") if name in _installed
] or ["sans-serif"]

BLUE, GREEN, GREY = "#1d70b8", "#00703c", "#505a5f"


def _svg(figure):
    """The laid-out figure as SVG text, without a date, so the same data gives the
    same bytes."""
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def line_chart(table, *, chart_id):
    """SVG markup for one MetricTable, or "" when there is nothing to draw."""
    plan = table.plan
    if plan is None:
        return ""
    labels = [row.period.label for row in plan.rows]
    planned = [float(row.value) if row.value is not None else None for row in plan.rows]
    actual = [float(row.actual) if row.actual is not None else None for row in plan.rows]
    if not any(v is not None for v in planned + actual):
        return ""
    figure = Figure(figsize=(7.5, 3.2), dpi=96)
    axes = figure.add_subplot()
    positions = range(len(labels))
    axes.plot(positions, planned, marker="o", color=BLUE, linewidth=2, label="Plan")
    if any(v is not None for v in actual):
        axes.plot(positions, actual, marker="s", color=GREEN, linewidth=2, label="Actual")
    if table.baseline is not None:
        axes.axhline(
            float(table.baseline.value),
            color=GREY,
            linestyle="--",
            label=f"Baseline ({table.baseline.period_label})",
        )
    axes.set_xticks(
        list(positions),
        labels,
        rotation=45 if len(labels) > 6 else 0,
        ha="right" if len(labels) > 6 else "center",
        fontsize=8,
    )
    axes.set_ylim(bottom=0)  # a trajectory drawn from zero does not exaggerate change
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#d0d0d0", linewidth=0.5)
    axes.legend(frameon=False, fontsize=8)
    return _accessible(_svg(figure), table, chart_id)


def _accessible(svg, table, chart_id):
    """Give the SVG a title and description for assistive technology, and drop the
    XML prologue so it can sit inline in HTML."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'width="[^"]+pt" height="[^"]+pt"', 'width="100%" height="auto"', svg, count=1)
    title = escape(f"{table.metric.name}: plan by period")
    desc = escape(
        "Planned values"
        + (", the baseline" if table.baseline is not None else "")
        + " and any actuals. The table below gives the same figures."
    )
    header = f'<svg role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}"'
    svg = svg.replace("<svg", header, 1)
    first_close = svg.index(">") + 1
    return (
        svg[:first_close] + f'<title id="{chart_id}-title">{title}</title>'
        f'<desc id="{chart_id}-desc">{desc}</desc>' + svg[first_close:]
    )


def data_uri(svg):
    """The chart as a data: URI for an <img>, so no inline SVG styles meet the page's
    Content Security Policy, and the page and PDF embed it the same way."""
    if not svg:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def bar_chart(categories, series, *, ylabel=""):
    """SVG of grouped bars: categories along the bottom, one bar per series
    ({name: [value per category]}). Used for national and regional roll-ups."""
    figure = Figure(figsize=(7.5, 3.2), dpi=96)
    axes = figure.add_subplot()
    count = max(len(series), 1)
    width = 0.8 / count
    colours = [BLUE, GREEN, GREY, "#f47738", "#912b88"]
    for index, (name, values) in enumerate(series.items()):
        positions = [p + index * width - 0.4 + width / 2 for p in range(len(categories))]
        axes.bar(
            positions,
            [float(v) for v in values],
            width,
            label=name,
            color=colours[index % len(colours)],
        )
    axes.set_xticks(range(len(categories)), categories, fontsize=8)
    axes.set_ylabel(ylabel, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#d0d0d0", linewidth=0.5)
    axes.legend(frameon=False, fontsize=8)
    return _svg(figure)
