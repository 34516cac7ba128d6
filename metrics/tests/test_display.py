"""The metrics page's figures worked out in Python (metrics.display) are exactly what
the template filters gave: Numbers against floatformat|default, rows_html against the
template loop it replaced, and metrics_page against the selectors it stands for."""

import random
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from metrics import selectors
from metrics.display import Numbers, has_rate_columns, rows_html, series_views
from metrics.models import (
    MetricActual,
    MetricDefinition,
    MetricPlanValue,
    MetricTrajectory,
    PerformanceContingency,
)
from plans.tests.helpers import login, plan

ARGS = ["-1g", "0g", "1g", "-2g", "2g", "g", "-1", "1", "2u", "1gu"]

EDGES = [
    "0",
    "-0",
    "0.00",
    "-0.00",
    "-0.04",
    "-0.05",
    "0.05",
    "0.049",
    "0.5",
    "1.5",
    "2.5",
    "-2.5",
    "12",
    "12.00",
    "999.95",
    "999999.99",
    "-1234567.5",
    "1E+3",
    "1.2E+5",
    "123456789012.34",
    "198408",
    "2206.35",
    "1e-7",
    "-1e-7",
    "NaN",
    "Infinity",
]


def expected(value, arg):
    """What {{ value|floatformat:arg|default:"—" }} shows."""
    return floatformat(value, arg) or "—"


@pytest.mark.parametrize("language", ["en-gb", "de", "fr", "en-in"])
def test_numbers_show_what_floatformat_shows(language):
    numbers = random.Random(20171)
    values = [Decimal(v) for v in EDGES] + [None, 7, 7.25, "3.14159", ""]
    for _ in range(3000):
        places = numbers.choice([0, 1, 2, 3])
        value = Decimal(numbers.randint(-(10**12), 10**12)).scaleb(-places)
        values.append(value)
    with translation.override(language):
        number = Numbers()
        for arg in ARGS:
            for value in values:
                assert number(value, arg) == expected(value, arg), (language, value, arg)


ROWS_TEMPLATE = Template(
    """{% for row in series.rows %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header">{{ row.period.label }}</th>
      {% for part in row.components %}<td class="govuk-table__cell govuk-table__cell--numeric">{{ part|floatformat:"-1g"|default:"—" }}</td>{% endfor %}
      {% if table.metric.rate_base or table.metric.unit == "percentage" %}<td class="govuk-table__cell govuk-table__cell--numeric">{{ row.numerator|floatformat:"-1g"|default:"—" }}</td><td class="govuk-table__cell govuk-table__cell--numeric">{{ row.denominator|floatformat:"0g"|default:"—" }}</td>{% endif %}
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.value|floatformat:"-1g"|default:"—" }}</td>
      {% if series.trajectory.is_plan %}<td class="govuk-table__cell govuk-table__cell--numeric">{{ row.actual|floatformat:"-1g"|default:"—" }}</td>{% endif %}
    </tr>
  {% endfor %}"""  # noqa: E501 - the loop as plan_metrics.html had it
)

SUMS_TEMPLATE = Template(
    '{% for label, count, rate in sums %}{{ label }}|{{ count|floatformat:"1g"|default:"—" }}|'
    '{{ rate|floatformat:"1g"|default:"—" }};{% endfor %}'
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "round_slug,area",
    [("2017-19", "havering"), ("2017-19", "barking-and-dagenham"), ("2014-16", "barnet")],
)
def test_rows_and_sums_are_what_the_template_loop_wrote(round_slug, area):
    the_plan = plan(round_slug, area)
    if round_slug == "2014-16":  # no values in the seed: odd ones of our own
        figures = [None, Decimal("0"), Decimal("12.00"), Decimal("1234567.05"), Decimal("0.04")]
        for metric in MetricDefinition.objects.filter(round=the_plan.round):
            trajectory = MetricTrajectory.objects.create(plan=the_plan, metric=metric)
            for n, period in enumerate(metric.periods.all()):
                value = figures[n % len(figures)]
                MetricPlanValue.objects.create(
                    trajectory=trajectory,
                    period=period,
                    value=value,
                    numerator=figures[(n + 1) % len(figures)],
                    denominator=figures[(n + 2) % len(figures)],
                )
                MetricActual.objects.create(plan=the_plan, period=period, value=value)
    tables = selectors.metric_tables(the_plan)
    number = Numbers()
    checked = 0
    for table in tables:
        for series, view in zip(table.series, series_views(table, number), strict=True):
            context = Context({"table": table, "series": series})
            assert view.body == ROWS_TEMPLATE.render(context)
            sums = Context({"sums": series.sums(table.metric)})
            assert "".join(f"{label}|{c}|{r};" for label, c, r in view.sums) == (
                SUMS_TEMPLATE.render(sums)
            )
            checked += len(view.rows)
    assert checked


def test_rows_html_escapes_labels():
    from metrics.display import Cells

    row = Cells("<b>Q1</b>", [], "—", "—", "1.5", "—")
    body = rows_html([row], rate_columns=False, actual=False)
    assert "&lt;b&gt;Q1&lt;/b&gt;" in body and "<b>" not in body


@pytest.mark.django_db
def test_havering_dtoc_cells_show_the_seed_figures():
    table = next(
        t for t in selectors.metric_tables(plan("2017-19", "havering")) if t.metric.code == "dtoc"
    )
    views = {v.series.trajectory.name: v for v in series_views(table, Numbers())}
    seasonal, flat = views["Seasonally adjusted"], views["Flat projection"]
    assert has_rate_columns(table.metric)
    april = seasonal.rows[0]
    assert (april.numerator, april.value, april.denominator) == ("295", "148.7", "198,408")
    assert flat.rows[0].value == "181.7"
    sums = {label: (count, rate) for label, count, rate in seasonal.sums}
    assert sums["Q2 2017/18"][0] == "1,186.4"
    assert sums["Year 2017/18"][1] == "2,206.4"  # the seed's figure, not 2,206.6


@pytest.mark.django_db
def test_metrics_page_reads_what_the_selectors_read():
    lancashire = plan("2014-16", "lancashire")
    dtoc, other = MetricDefinition.objects.filter(round=lancashire.round).order_by("order")[:2]
    PerformanceContingency.objects.create(
        plan=lancashire, metric=dtoc, planned_savings=Decimal("120000"), ongoing_savings=None
    )
    PerformanceContingency.objects.create(
        plan=lancashire,
        metric=other,
        planned_savings=Decimal("1000000.00"),
        maximum_support=Decimal("80000.50"),
    )
    for each in (lancashire, plan("2017-19", "havering"), plan("2014-16", "barnet")):
        page = selectors.metrics_page(each)
        tables = selectors.metric_tables(each)
        assert page.contingency_totals == selectors.contingency_totals(each)
        assert page.local_metrics == selectors.local_metrics(each)
        assert [t.metric.pk for t in page.tables] == [t.metric.pk for t in tables]
        for mine, theirs in zip(page.tables, tables, strict=True):
            assert mine.components == list(mine.metric.components.all())
            if mine.metric.payment_for_performance:
                assert mine.contingency == theirs.contingency
            assert [(s.trajectory.pk, s.rows, s.year_targets) for s in mine.series] == [
                (s.trajectory.pk, s.rows, s.year_targets) for s in theirs.series
            ]
    totals = selectors.metrics_page(lancashire).contingency_totals
    assert totals["planned_savings"] == Decimal("1120000.00")
    assert totals["maximum_support"] == Decimal("80000.50")
    assert totals["ongoing_savings"] is None


@pytest.mark.django_db
def test_metrics_page_queries_and_figures(client):
    """The Havering page in a fixed number of queries (no contingency or local
    metric queries for a round without them), with the seed's figures."""
    login(client, "bhr.finance")
    url = "/plans/2017-19/havering/metrics/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    tables = [q["sql"] for q in queries.captured_queries]
    assert not any("metrics_performancecontingency" in sql for sql in tables)
    assert not any("metrics_localmetric" in sql for sql in tables)
    cells = re.findall(
        r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]*)</td>', page
    )
    assert "148.7" in cells and "198,408" in cells and "1,186.4" in cells


@pytest.mark.django_db
@pytest.mark.parametrize(
    "round_slug,area",
    [("2017-19", "havering"), ("2017-19", "barking-and-dagenham"), ("2014-16", "lancashire")],
)
def test_metric_tables_hold_every_stored_figure(round_slug, area):
    """The tables against the stored rows, read one model at a time."""
    from metrics.models import MetricComponentValue, MetricYearTarget

    the_plan = plan(round_slug, area)
    tables = selectors.metric_tables(the_plan)
    assert [t.metric.code for t in tables] == list(
        MetricDefinition.objects.filter(round=the_plan.round)
        .order_by("order")
        .values_list("code", flat=True)
    )
    seen = 0
    for table in tables:
        assert table.components == list(table.metric.components.order_by("order"))
        assert table.periods == list(table.metric.periods.order_by("order"))
        trajectories = MetricTrajectory.objects.filter(plan=the_plan, metric=table.metric)
        assert [s.trajectory for s in table.series] == list(
            trajectories.order_by("-is_plan", "name")
        )
        for series in table.series:
            for row in series.rows:
                stored = MetricPlanValue.objects.filter(
                    trajectory=series.trajectory, period=row.period
                ).first()
                assert (row.value, row.numerator, row.denominator) == (
                    (stored.value, stored.numerator, stored.denominator) if stored else (None,) * 3
                )
                parts = {
                    p.component_id: p.value
                    for p in MetricComponentValue.objects.filter(
                        trajectory=series.trajectory, period=row.period
                    )
                }
                assert row.components == [parts.get(c.pk) for c in table.components]
                actual = MetricActual.objects.filter(plan=the_plan, period=row.period).first()
                expected = actual.value if actual and series.trajectory.is_plan else None
                assert row.actual == expected
                seen += 1
            targets = MetricYearTarget.objects.filter(trajectory=series.trajectory)
            assert list(series.year_targets.values()) == list(targets.order_by("year__start_year"))
    assert seen or round_slug == "2014-16"
