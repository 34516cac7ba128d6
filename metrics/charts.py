"""Charts of a metric (baseline, plan, actual) and of national roll-ups, drawn as SVG
text directly: no plotting library and no layout engine on the request path, so the
page and the PDF show the same chart for the cost of building a string. The same
figures are always given as a table beside it.

Axes are "nice" (1, 2, 2.5 or 5 × 10ⁿ) and always contain the data; the title names
the unit; labels are 13 px; the series differ by line pattern and marker as well as
colour (plan: solid with circles; actual: dashed with squares; baseline: dotted);
the legend sits above the plot, never on a line.
"""

import base64
import math
from decimal import Decimal

from django.utils.html import escape

BLUE, GREEN, GREY, ORANGE, PURPLE = "#1d70b8", "#00703c", "#505a5f", "#f47738", "#912b88"
WIDTH, HEIGHT = 720, 340
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 62, 56  # plot margins
FONT = 'font-family="Arial, Liberation Sans, Helvetica, sans-serif"'
UNITS = {"count": "number", "rate": "rate", "percentage": "%"}


def nice_axis(low, high, ticks=5):
    """(bottom, top, step) of an axis from zero (or below, for negative data) that
    contains [low, high] with about `ticks` steps of 1, 2, 2.5 or 5 × 10ⁿ."""
    low, high = min(0.0, float(low)), max(0.0, float(high))
    if high == low:
        high = low + 1
    raw = (high - low) / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    bottom = math.floor(low / step) * step
    top = math.ceil(high / step) * step
    if top < high:  # floating point: never cut the data off
        top += step
    return bottom, top, step


def tick_label(value, step):
    """A tick's value with as many decimals as the step needs: 0, 2.5, 5.0 → "2.5"."""
    decimals = max(0, -Decimal(str(step)).normalize().as_tuple().exponent)
    return f"{value:,.{decimals}f}"


def _text(x, y, content, *, anchor="middle", size=13, weight="normal", rotate=None, fill="#0b0c0c"):
    turn = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" {FONT} font-size="{size}" font-weight="{weight}" '
        f'fill="{fill}" text-anchor="{anchor}"{turn}>{escape(content)}</text>'
    )


def _marker(shape, x, y, colour):
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    return ""


class Frame:
    """A plot area with a value axis from nice_axis, gridlines and category labels."""

    def __init__(self, labels, values, *, title, unit, chart_id, desc):
        self.labels = labels
        self.bottom, self.top, self.step = nice_axis(min(values), max(values))
        self.width, self.height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
        self.rotate = len(labels) > 8
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" id="{chart_id}" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} '
            f'{HEIGHT + (30 if self.rotate else 0)}" width="100%">',
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
            '<rect width="100%" height="100%" fill="#ffffff"/>',
            _text(8, 22, title, anchor="start", size=15, weight="bold"),
        ]
        self._axes(unit)

    def y(self, value):
        span = self.top - self.bottom
        return TOP + self.height - (float(value) - self.bottom) / span * self.height

    def x(self, index, count=None):
        count = count or len(self.labels)
        return LEFT + (index + 0.5) * self.width / max(count, 1)

    def _axes(self, unit):
        value = self.bottom
        while value <= self.top + self.step / 1000:
            y = self.y(value)
            colour = "#0b0c0c" if value == 0 else "#d0d0d0"
            self.parts.append(
                f'<line x1="{LEFT}" x2="{LEFT + self.width}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{colour}" stroke-width="1"/>'
            )
            self.parts.append(_text(LEFT - 6, y + 4, tick_label(value, self.step), anchor="end"))
            value += self.step
        self.parts.append(_text(14, TOP + self.height / 2, unit, rotate=-90, size=13))
        for index, label in enumerate(self.labels):
            x, y = self.x(index), TOP + self.height + 18
            if self.rotate:
                self.parts.append(_text(x + 4, y, label, anchor="end", rotate=-45))
            else:
                self.parts.append(_text(x, y, label))

    def legend(self, entries):
        """[(name, colour, dash, marker)] in a row above the plot."""
        x = LEFT
        for name, colour, dash, marker in entries:
            y = 44
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            self.parts.append(
                f'<line x1="{x}" x2="{x + 30}" y1="{y}" y2="{y}" stroke="{colour}" '
                f'stroke-width="3"{dashes}/>'
            )
            self.parts.append(_marker(marker, x + 15, y, colour))
            self.parts.append(_text(x + 36, y + 5, name, anchor="start"))
            x += 50 + 7.5 * len(name)

    def svg(self):
        return "".join([*self.parts, "</svg>"])


def _line(frame, values, colour, dash, marker):
    """Segments between neighbouring periods that both have a value (a gap is left
    where one is missing, never a drop to zero), with a marker on each value."""
    parts, points = [], []
    for index, value in enumerate(values):
        if value is None:
            points.append(None)
            continue
        points.append((frame.x(index), frame.y(value)))
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    run: list = []
    for point in [*points, None]:
        if point is None:
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dashes}/>'
                )
            run = []
        else:
            run.append(point)
    parts += [_marker(marker, x, y, colour) for x, y in (p for p in points if p)]
    return parts


def metric_title(metric):
    unit = UNITS.get(metric.unit, metric.unit)
    if metric.unit == "rate" and metric.rate_base:
        unit = f"per {metric.rate_base:,}"
    return f"{metric.name} ({unit})", unit


def line_chart(table, *, chart_id):
    """SVG markup for one MetricTable, or "" when there is nothing to draw."""
    plan = table.plan
    if plan is None:
        return ""
    labels = [row.period.label for row in plan.rows]
    planned = [row.value for row in plan.rows]
    actual = [row.actual for row in plan.rows]
    baseline = table.baseline.value if table.baseline is not None else None
    shown = [v for v in [*planned, *actual, baseline] if v is not None]
    if not any(v is not None for v in planned + actual):
        return ""
    title, unit = metric_title(table.metric)
    desc = (
        "Planned values"
        + (", the baseline" if baseline is not None else "")
        + (" and actuals" if any(v is not None for v in actual) else "")
        + " by period. The table beside the chart gives the same figures."
    )
    frame = Frame(labels, shown, title=title, unit=unit, chart_id=chart_id, desc=desc)
    entries = [("Plan", BLUE, "", "circle")]
    if baseline is not None:
        y = frame.y(baseline)
        frame.parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + frame.width}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GREY}" stroke-width="2" stroke-dasharray="2 4"/>'
        )
        entries.append((f"Baseline ({table.baseline.period_label})", GREY, "2 4", ""))
    frame.parts += _line(frame, planned, BLUE, "", "circle")
    if any(v is not None for v in actual):
        frame.parts += _line(frame, actual, GREEN, "8 4", "square")
        entries.append(("Actual", GREEN, "8 4", "square"))
    frame.legend(entries)
    return frame.svg()


def bar_chart(categories, series, *, ylabel="", title="", chart_id="bar-chart"):
    """SVG of grouped bars: categories along the bottom, one bar per series
    ({name: [value per category]}). Used for national and regional roll-ups."""
    values = [Decimal(v) for values in series.values() for v in values] or [Decimal(0)]
    frame = Frame(
        list(categories),
        values,
        title=title or ylabel,
        unit=ylabel,
        chart_id=chart_id,
        desc="Grouped bars; the table beside the chart gives the same figures.",
    )
    colours = [BLUE, GREEN, GREY, ORANGE, PURPLE]
    patterns = ["", "4 2", "1 2", "6 2 1 2", ""]
    count = max(len(series), 1)
    slot = frame.width / max(len(categories), 1)
    bar = slot * 0.8 / count
    for index, (_name, amounts) in enumerate(series.items()):
        colour = colours[index % len(colours)]
        for position, amount in enumerate(amounts):
            x = LEFT + position * slot + slot * 0.1 + index * bar
            y0, y1 = frame.y(0), frame.y(amount)
            top, height = min(y0, y1), abs(y0 - y1)
            outline = patterns[index % len(patterns)]
            dashes = f' stroke-dasharray="{outline}"' if outline else ""
            frame.parts.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar - 2:.1f}" height="{height:.1f}" '
                f'fill="{colour}" stroke="#0b0c0c" stroke-width="1"{dashes}/>'
            )
    frame.legend([(name, colours[i % len(colours)], "", "square") for i, name in enumerate(series)])
    return frame.svg()


def data_uri(svg):
    """The chart as a data: URI for an <img>, so no inline SVG styles meet the page's
    Content Security Policy, and the page and PDF embed it the same way."""
    if not svg:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
