"""Metrics as the seeds publish them: BHR 11.6/11.7 admissions as counts where the
seed gives counts (B&D 160, Redbridge 150/148) and as a rate where it gives one
(Havering 660.3); annual delayed-transfer targets as a valid plan for areas without a
monthly profile (B&D 2,322.6); 2016/17 outturns as baselines; the 2014-16 payment-for-
performance contingency for all six metrics, for 2015/16 and ongoing; a local metric
named by the area. Bad input is refused and writes nothing."""

import re
from decimal import Decimal

import pytest

from metrics.models import (
    LocalMetric,
    MetricBaseline,
    MetricDefinition,
    MetricPlanValue,
    MetricYearTarget,
    PerformanceContingency,
)
from plans.findings import check_plan
from plans.tests.helpers import form_data, login, plan

pytestmark = pytest.mark.django_db


def planned(area, code, year):
    return MetricPlanValue.objects.get(
        trajectory__plan__area__slug=area,
        trajectory__is_plan=True,
        trajectory__metric__code=code,
        period__year__start_year=year,
    )


@pytest.mark.parametrize(
    "area,year,count",
    [("barking-and-dagenham", 2017, "160"), ("redbridge", 2017, "150"), ("redbridge", 2018, "148")],
)
def test_residential_admissions_printed_as_counts_are_stored_as_counts(area, year, count):
    value = planned(area, "permanent-admissions-65", year)
    assert (value.numerator, value.value, value.denominator) == (Decimal(count), None, None)


def test_havering_residential_admissions_are_stated_as_the_printed_rate(client):
    value = planned("havering", "permanent-admissions-65", 2017)
    assert (value.value, value.numerator) == (Decimal("660.3"), None)
    baseline = MetricBaseline.objects.get(
        plan__area__slug="havering", metric__code="permanent-admissions-65"
    )
    assert (baseline.value, baseline.numerator, baseline.period_label) == (
        Decimal("689.0"),
        Decimal("321"),
        "2016/17",
    )
    login(client, "bhr.commissioner")
    page = client.get("/plans/2017-19/barking-and-dagenham/metrics/").content.decode()
    section = page[page.index('id="metric-permanent-admissions-65"') :]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", section[: section.index("</table>")], re.S)
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", rows[1], re.S)
    ]
    assert cells[:3] == ["2017/18", "160", "\u2014"]  # the count, no population printed
    assert "Baseline: 686 (2016/17)" in section


@pytest.mark.parametrize("area", ["barking-and-dagenham", "redbridge"])
def test_annual_dtoc_target_is_a_complete_plan(client, area):
    assert not [f for f in check_plan(plan("2017-19", area)) if f.code == "metrics_complete"]
    login(client, "bhr.commissioner")
    page = client.get(f"/plans/2017-19/{area}/metrics/").content.decode()
    expected = "2,322.6" if area == "barking-and-dagenham" else "1,396.5"
    assert f"2017/18 {expected} per 100,000" in page


def test_annual_target_entered_cleared_and_refused(client):
    login(client, "bhr.finance")
    url = "/plans/2017-19/redbridge/metrics/dtoc/"
    data = form_data(client.get(url))
    assert data["year-2017"] == "1396.5"
    before = MetricYearTarget.objects.count()
    response = client.post(url, data | {"year-2017": "lots"})
    assert response.status_code == 400 and "Enter a number" in response.content.decode()
    assert MetricYearTarget.objects.count() == before
    assert client.post(url, data | {"year-2017": ""}).status_code == 302
    findings = [f for f in check_plan(plan("2017-19", "redbridge")) if f.code == "metrics_complete"]
    assert len(findings) == 1 and "Apr-17" in findings[0].message
    data = form_data(client.get(url))
    assert client.post(url, data | {"year-2017": "1,396.5"}).status_code == 302
    assert MetricYearTarget.objects.get(
        trajectory__plan__area__slug="redbridge", year__start_year=2017
    ).value == Decimal("1396.5")


def test_the_2014_16_round_pays_for_performance_on_six_metrics():
    marked = MetricDefinition.objects.filter(round__slug="2014-16", payment_for_performance=True)
    assert {m.code for m in marked} >= {"permanent-admissions-65", "reablement-91-days"}
    assert marked.count() == 6


# Test figures (the seeds print no contingency amounts): (2015/16 savings, support,
# ongoing savings, ongoing support) per metric.
CONTINGENCY = {
    "permanent-admissions-65": ("250000", "100000", "300000", "120000"),
    "reablement-91-days": ("80000", "40000", "90000", "45000"),
    "dtoc": ("120000", "60000", "150000", "70000"),
    "avoidable-emergency-admissions": ("1000000", "500000", "1200000", "600000"),
    "patient-experience": ("10000", "5000", "10000", "5000"),
    "local-metric": ("50000", "25000", "60000", "30000"),
}
FIELDS = ("planned_savings", "maximum_support", "ongoing_savings", "ongoing_support")


def test_six_contingency_rows_for_2015_16_and_ongoing_through_the_pages(client):
    login(client, "lancashire.commissioner")
    base = "/plans/2014-16/lancashire/metrics/"
    for code, figures in CONTINGENCY.items():
        data = form_data(client.get(f"{base}{code}/")) | dict(zip(FIELDS, figures, strict=True))
        assert client.post(f"{base}{code}/", data).status_code == 302, code
    rows = PerformanceContingency.objects.filter(plan__area__slug="lancashire")
    assert rows.count() == 6
    assert rows.get(metric__code="reablement-91-days").ongoing_support == Decimal("45000")
    page = client.get(base).content.decode()
    table = page[page.index('id="contingency-table"') :]
    table = table[: table.index("</table>")]
    assert "Permanent admissions of older people" in table and "still at home 91 days" in table
    total = re.findall(r"<strong>(.*?)</strong>", table)
    assert total == ["£1,510,000", "£730,000", "£1,810,000", "£870,000"]
    # A bad figure is refused and nothing is written.
    data = form_data(client.get(f"{base}dtoc/")) | {"ongoing_savings": "-5"}
    assert client.post(f"{base}dtoc/", data).status_code == 400
    assert rows.get(metric__code="dtoc").ongoing_savings == Decimal("150000")


def test_a_form_without_the_ongoing_fields_keeps_them(client):
    """The Excel template carries 2015/16 only; what it does not send is kept."""
    from metrics.actions import write_metric
    from metrics.forms import MetricValuesForm
    from metrics.selectors import metric_tables

    lancashire = plan("2014-16", "lancashire")
    metric = MetricDefinition.objects.get(round__slug="2014-16", code="dtoc")
    PerformanceContingency.objects.create(
        plan=lancashire, metric=metric, planned_savings=1, ongoing_savings=Decimal("150000")
    )
    table = next(t for t in metric_tables(lancashire) if t.metric.code == "dtoc")
    form = MetricValuesForm({"planned_savings": "2000", "maximum_support": ""}, table=table)
    assert form.is_valid(), form.errors
    write_metric(lancashire, table, form)
    row = PerformanceContingency.objects.get(plan=lancashire, metric=metric)
    assert (row.planned_savings, row.ongoing_savings) == (Decimal("2000"), Decimal("150000"))


def test_local_metric_named_and_defined_by_the_area(client):
    login(client, "barnet.commissioner")
    url = "/plans/2014-16/barnet/metrics/local-metric/"
    data = form_data(client.get(url))
    response = client.post(url, data | {"local_name": "x" * 201})
    assert response.status_code == 400
    assert not LocalMetric.objects.filter(plan__area__slug="barnet").exists()
    named = data | {
        "local_name": "Injuries due to falls in people aged 65 and over",
        "local_definition": "Emergency admissions for a fall injury, people aged 65 and over.",
        "local_units": "per 100,000 aged 65+",
    }
    assert client.post(url, named).status_code == 302
    page = client.get("/plans/2014-16/barnet/metrics/").content.decode()
    assert (
        "<strong>Injuries due to falls in people aged 65 and over</strong> (per 100,000 aged 65+)"
        in page
    )
    assert form_data(client.get(url))["local_units"] == "per 100,000 aged 65+"
