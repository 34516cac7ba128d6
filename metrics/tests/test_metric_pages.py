"""Havering's monthly DToC plan (seed 11.8.2) computed and shown, entry forms with
bad input, the contingency table and the chart."""

import base64
import re
from decimal import Decimal

import pytest

from metrics import selectors as services
from metrics.charts import line_chart
from metrics.models import MetricPlanValue, PerformanceContingency
from plans.tests.helpers import form_data, login, plan

pytestmark = pytest.mark.django_db

HAVERING = "/plans/2017-19/havering/metrics/"


def dtoc_table(area="havering"):
    return next(t for t in services.metric_tables(plan("2017-19", area)) if t.metric.code == "dtoc")


def test_havering_dtoc_quarters_and_year_reproduce_seed_11_8_2():
    table = dtoc_table()
    by_name = {s.trajectory.name: s for s in table.series}
    seasonal, flat = by_name["Seasonally adjusted"], by_name["Flat projection"]
    assert table.plan is seasonal
    april = {name: s.rows[0] for name, s in by_name.items()}
    assert (april["Flat projection"].numerator, april["Flat projection"].value) == (
        Decimal("360.6"),
        Decimal("181.7"),
    )
    assert (april["Seasonally adjusted"].numerator, april["Seasonally adjusted"].value) == (
        Decimal("295.0"),
        Decimal("148.7"),
    )
    assert sum(april["Flat projection"].components) == Decimal("360.6")  # NHS + social care + joint
    flat_sums = {label: (count, rate) for label, count, rate in flat.sums(table.metric)}
    seasonal_sums = {label: (count, rate) for label, count, rate in seasonal.sums(table.metric)}
    assert flat_sums["Q2 2017/18"][0] == Decimal("1106.1")
    assert seasonal_sums["Q2 2017/18"][0] == Decimal("1186.4")
    assert flat_sums["Year 2017/18"][1] == Decimal("2206.3")
    assert seasonal_sums["Year 2017/18"][1] == Decimal("2206.4")  # printed months add to 2,206.6


def test_the_metrics_page_shows_the_dtoc_tables_and_an_accessible_chart(client):
    login(client, "bhr.finance")
    page = client.get(HAVERING).content.decode()
    chart = re.search(
        r'<img class="app-chart" id="chart-dtoc" src="data:image/svg\+xml;base64,([^"]+)" '
        r'alt="([^"]+)"',
        page,
    )
    assert chart and "The table below gives the same figures." in chart.group(2)
    svg = base64.b64decode(chart.group(1)).decode()
    assert '<title id="chart-dtoc-title">' in svg
    sums = page[page.index('id="sums-dtoc-1"') :]
    sums = sums[: sums.index("</table>")]
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", sums, re.S)
    ]
    q2 = cells.index("Q2 2017/18")
    year = cells.index("Year 2017/18")
    assert cells[q2 + 1] == "1,186.4" and cells[year + 2] == "2,206.4"
    assert "148.7" in page and "181.7" in page


def test_entering_a_month_computes_the_rate(client):
    login(client, "bhr.finance")
    url = "/plans/2017-19/barking-and-dagenham/metrics/dtoc/"
    data = form_data(client.get(url))
    april = dtoc_table("barking-and-dagenham").periods[0].pk
    data |= {
        f"c-nhs-{april}": "200.1",
        f"c-social-care-{april}": "100.5",
        f"c-joint-{april}": "60.0",
        f"den-{april}": "198408",
    }
    assert client.post(url, data).status_code == 302
    value = MetricPlanValue.objects.get(
        trajectory__plan__area__slug="barking-and-dagenham", period_id=april
    )
    assert (value.numerator, value.value) == (Decimal("360.6"), Decimal("181.7"))


@pytest.mark.parametrize(
    "field,entry,message",
    [
        ("den", "0", "the denominator cannot be 0"),
        ("den", "", "enter the population (denominator) too"),
        ("c-nhs", "-3", "Enter 0 or more"),
        ("c-nhs", "lots", "Enter a number"),
    ],
)
def test_bad_metric_input_is_refused_and_nothing_is_written(client, field, entry, message):
    login(client, "bhr.finance")
    url = "/plans/2017-19/barking-and-dagenham/metrics/dtoc/"
    april = dtoc_table("barking-and-dagenham").periods[0].pk
    data = form_data(client.get(url)) | {f"c-nhs-{april}": "10", f"den-{april}": "198408"}
    data[f"{field}-{april}"] = entry
    before = MetricPlanValue.objects.count()
    response = client.post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert MetricPlanValue.objects.count() == before


def test_a_percentage_over_100_is_refused(client):
    login(client, "bhr.finance")
    url = "/plans/2017-19/havering/metrics/reablement-91-days/"
    data = form_data(client.get(url))
    name = next(k for k in data if k.startswith("val-"))
    response = client.post(url, data | {name: "100.5"})
    assert response.status_code == 400
    assert "Enter a percentage from 0 to 100" in response.content.decode()


def test_contingency_table_totals(client):
    """2014-16 payment for performance. The seeds publish no contingency figures, so
    these are made up; the totals are what is tested."""
    login(client, "lancashire.commissioner")
    url = "/plans/2014-16/lancashire/metrics/dtoc/"
    data = form_data(client.get(url)) | {
        "planned_savings": "£120,000",
        "maximum_support": "80000.50",
    }
    assert client.post(url, data).status_code == 302
    url = "/plans/2014-16/lancashire/metrics/avoidable-emergency-admissions/"
    data = form_data(client.get(url)) | {"planned_savings": "1,000,000", "maximum_support": ""}
    assert client.post(url, data).status_code == 302
    assert PerformanceContingency.objects.filter(plan__area__slug="lancashire").count() == 2
    page = client.get("/plans/2014-16/lancashire/metrics/").content.decode()
    contingency = page[page.index('id="contingency-table"') :]
    assert "£1,120,000" in contingency and "£80,000.50" in contingency


def test_chart_is_empty_without_values_and_same_for_same_data():
    table = dtoc_table()
    assert line_chart(table, chart_id="a") == line_chart(table, chart_id="a")
    empty = dtoc_table("redbridge")
    assert line_chart(empty, chart_id="b") == ""
