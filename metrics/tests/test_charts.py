"""The charts are SVG drawn directly: axes that contain the data, titles with units,
labels of 12 px or more, series told apart by pattern and marker, accessible."""

import re
from types import SimpleNamespace as NS

import pytest

from metrics.charts import TOP, bar_chart, line_chart, nice_axis, tick_label


@pytest.mark.parametrize(
    ("low", "high", "top"),
    [(0, 25_794, 30_000), (0, 88, 100), (0, 181.7, 200), (0, 0.6, 0.6), (5, 5, 5)],
)
def test_nice_axes_contain_the_data(low, high, top):
    bottom, found_top, _step = nice_axis(low, high)
    assert bottom == 0 and found_top == pytest.approx(top) and found_top >= high


def test_tick_labels_have_the_decimals_the_step_needs():
    assert tick_label(25_000, 5_000) == "25,000"
    assert tick_label(2.5, 2.5) == "2.5"


def table(planned, actual=None, baseline=None):
    periods = ["2017/18 Q1", "2017/18 Q2", "2017/18 Q3", "2017/18 Q4"]
    actual = actual or [None] * len(planned)
    rows = [
        NS(period=NS(label=label), value=v, actual=a)
        for label, v, a in zip(periods, planned, actual, strict=True)
    ]
    return NS(
        plan=NS(rows=rows),
        baseline=NS(value=baseline, period_label="2016/17") if baseline is not None else None,
        metric=NS(name="Non-elective admissions", unit="count", rate_base=None),
    )


def test_the_line_chart_contains_its_data_and_is_accessible():
    svg = line_chart(
        table([25_794, 24_000, None, 23_500], [25_100, None, None, None], 26_000), chart_id="c"
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert '<title id="c-title">Non-elective admissions (number)</title>' in svg
    assert "<desc" in svg and "baseline" in svg
    ticks = [float(t.replace(",", "")) for t in re.findall(r'text-anchor="end">([\d,.]+)<', svg)]
    assert max(ticks) >= 26_000  # the top tick is above the highest figure
    sizes = [int(s) for s in re.findall(r'font-size="(\d+)"', svg)]
    assert min(sizes) >= 12
    assert 'stroke-dasharray="8 4"' in svg and 'stroke-dasharray="2 4"' in svg  # not colour alone
    assert "<circle" in svg and "<rect x=" in svg  # plan circles, actual squares
    # The gap at Q3 is left: the plan is drawn as two segments, never through zero.
    assert svg.count("<polyline") == 1  # Q1-Q2 plan; Q4 alone is a marker; actual one point
    # the legend (plan, baseline, actual) sits in a row above the plot area
    assert svg.count('y1="44" y2="44"') == 3 and TOP > 44


def test_nothing_to_draw_gives_no_chart():
    assert line_chart(table([None] * 4), chart_id="e") == ""
    assert line_chart(NS(plan=None), chart_id="e") == ""


def test_the_same_data_gives_the_same_chart():
    assert line_chart(table([1, 2, 3, 4]), chart_id="a") == line_chart(
        table([1, 2, 3, 4]), chart_id="a"
    )


def test_bar_chart_axis_contains_the_bars():
    svg = bar_chart(
        ["2017/18", "2018/19"], {"NHS": [12.5, 13.1], "Council": [3.2, 4.0]}, ylabel="£ million"
    )
    assert 'role="img"' in svg and "£ million" in svg
    ticks = [float(t.replace(",", "")) for t in re.findall(r'text-anchor="end">([\d,.]+)<', svg)]
    assert max(ticks) >= 13.1
