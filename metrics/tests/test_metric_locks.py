"""Issue 17, defects 6 and 7: each metric of a plan has its own optimistic lock (two
people editing different metrics never conflict; the same metric still does, and an
upload that changes a metric makes its open page stale), and every metric page can
be saved exactly as it was loaded."""

import io
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections
from openpyxl import load_workbook

from metrics.actions import save_metric
from metrics.forms import MetricValuesForm
from metrics.models import (
    MetricActual,
    MetricBaseline,
    MetricComponentValue,
    MetricDefinition,
    MetricLock,
    MetricPlanValue,
    MetricTrajectory,
    PerformanceContingency,
)
from metrics.selectors import metric_tables
from plans.locking import EditConflict
from plans.models import Role, Section, SectionProgress
from plans.tests.helpers import form_data, login, plan
from workbook import layout as L

pytestmark = pytest.mark.django_db

HAVERING = "/plans/2017-19/havering/"


def metric_url(code, base=HAVERING):
    return f"{base}metrics/{code}/"


def first_field(data, prefix):
    return next(k for k in sorted(data) if k.startswith(prefix))


def metrics_progress(area="havering", round_slug="2017-19"):
    the_plan = plan(round_slug, area)
    section = the_plan.round.sections.get(kind=Section.Kind.METRICS)
    return SectionProgress.objects.get(plan=the_plan, section=section)


# -- defect 6: one lock per metric ----------------------------------------------------


def test_saving_one_metric_does_not_make_another_open_metric_stale(client):
    """The bug: DToC and avoidable admissions shared the metrics section's version."""
    login(client, "bhr.finance")
    dtoc = form_data(client.get(metric_url("dtoc")))
    other = form_data(client.get(metric_url("permanent-admissions-65")))
    actual = first_field(dtoc, "act-")
    assert client.post(metric_url("dtoc"), dtoc | {actual: "12"}).status_code == 302
    response = client.post(metric_url("permanent-admissions-65"), other)
    assert response.status_code == 302, response.content.decode()[:2000]
    # The task list still shows who saved the metrics section last, and when.
    progress = metrics_progress()
    assert progress.updated_by.username == "bhr.finance" and progress.updated_at is not None


def test_two_saves_of_the_same_metric_conflict_with_who_and_when_and_keep_the_input(client):
    colleague = get_user_model().objects.create_user(
        "havering.finance", first_name="Hana", last_name="Finch"
    )
    the_plan = plan("2017-19", "havering")
    Role.objects.create(user=colleague, kind=Role.Kind.FINANCE_OFFICER).areas.add(the_plan.area)
    login(client, "bhr.finance")
    mine = form_data(client.get(metric_url("dtoc")))
    actual = first_field(mine, "act-")
    period = int(actual.removeprefix("act-"))
    # Someone else saves the same metric in between (through the same action).
    table = next(t for t in metric_tables(the_plan) if t.metric.code == "dtoc")
    theirs = MetricValuesForm(mine | {actual: "7"}, table=table)
    assert theirs.is_valid(), theirs.errors
    save_metric(
        user=colleague, plan=the_plan, table=table, form=theirs, posted_version=mine["lock_version"]
    )
    response = client.post(metric_url("dtoc"), mine | {actual: "99"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Hana Finch saved this metric at" in page
    assert 'value="99"' in page  # the input is kept
    assert MetricActual.objects.get(plan=the_plan, period_id=period).value == 7
    # Saving again (from the version the conflict page carries) is a deliberate overwrite.
    again = form_data(response)
    assert again[actual] == "99"
    assert client.post(metric_url("dtoc"), again).status_code == 302
    assert MetricActual.objects.get(plan=the_plan, period_id=period).value == 99


def test_the_first_save_of_a_metric_without_a_trajectory_is_version_0(client):
    login(client, "bhr.finance")
    url = metric_url("dtoc", "/plans/2017-19/redbridge/")
    data = form_data(client.get(url))
    assert data["lock_version"] == "0"
    actual = first_field(data, "act-")
    assert client.post(url, data | {actual: "5"}).status_code == 302
    assert client.post(url, data | {actual: "6"}).status_code == 409  # still from version 0
    assert MetricLock.objects.get(plan__area__slug="redbridge", metric__code="dtoc").lock_version


def test_a_stale_or_missing_version_is_refused(client):
    login(client, "bhr.finance")
    data = form_data(client.get(metric_url("dtoc")))
    for version in ("", "nonsense", "-3"):
        assert client.post(metric_url("dtoc"), data | {"lock_version": version}).status_code == 409


def dtoc_upload(client):
    """The downloaded template with one DToC figure of Havering changed."""
    response = client.get(HAVERING + "template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book[L.METRICS]
    row = next(
        r for r in sheet.iter_rows(min_row=2) if r[0].value == "dtoc" and r[3].value is not None
    )
    row[3].value = float(row[3].value) + 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_upload_that_changes_a_metric_makes_only_that_metric_stale(client):
    login(client, "bhr.finance")
    dtoc = form_data(client.get(metric_url("dtoc")))
    other = form_data(client.get(metric_url("permanent-admissions-65")))
    data = dtoc_upload(client)
    response = client.post(
        HAVERING + "finance/upload/", {"template": SimpleUploadedFile("plan.xlsx", data)}
    )
    assert response.status_code == 302
    assert client.post(metric_url("dtoc"), dtoc).status_code == 409
    assert client.post(metric_url("permanent-admissions-65"), other).status_code == 302


# -- defect 7: every metric page saves as loaded -----------------------------------------


def metric_state(the_plan):
    return (
        sorted(
            MetricTrajectory.objects.filter(plan=the_plan).values_list(
                "metric_id", "name", "is_plan"
            )
        ),
        sorted(
            MetricPlanValue.objects.filter(trajectory__plan=the_plan).values_list(
                "trajectory_id", "period_id", "value", "numerator", "denominator"
            )
        ),
        sorted(
            MetricComponentValue.objects.filter(trajectory__plan=the_plan).values_list(
                "trajectory_id", "period_id", "component_id", "value"
            )
        ),
        sorted(MetricActual.objects.filter(plan=the_plan).values_list("period_id", "value")),
        sorted(
            MetricBaseline.objects.filter(plan=the_plan).values_list(
                "metric_id", "period_label", "value", "numerator", "denominator"
            )
        ),
        sorted(
            PerformanceContingency.objects.filter(plan=the_plan).values_list(
                "metric_id", "planned_savings", "maximum_support"
            )
        ),
    )


def test_the_havering_dtoc_page_saves_unchanged_as_loaded(client):
    login(client, "bhr.finance")
    url = metric_url("dtoc")
    response = client.get(url)
    page = response.content.decode()
    assert 'value="198408"' in page and "198408.00" not in page  # populations shown whole
    before = metric_state(plan("2017-19", "havering"))
    response = client.post(url, form_data(response))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert metric_state(plan("2017-19", "havering")) == before


@pytest.mark.parametrize(
    "round_slug,area,username",
    [("2017-19", "havering", "bhr.finance"), ("2014-16", "barnet", "barnet.commissioner")],
)
def test_every_metric_page_of_both_demo_rounds_saves_unchanged_as_loaded(
    client, round_slug, area, username
):
    login(client, username)
    the_plan = plan(round_slug, area)
    codes = list(
        MetricDefinition.objects.filter(round=the_plan.round)
        .order_by("order")
        .values_list("code", flat=True)
    )
    assert codes
    before = metric_state(the_plan)
    for code in codes:
        url = f"/plans/{round_slug}/{area}/metrics/{code}/"
        response = client.post(url, form_data(client.get(url)))
        assert response.status_code == 302, (code, response.content.decode()[:3000])
    assert metric_state(the_plan) == before


@pytest.mark.parametrize("typed", ["198408.00", "198,408", " 198408 ", "198408"])
def test_a_whole_population_is_accepted_as_displayed_or_typed(client, typed):
    login(client, "bhr.finance")
    url = metric_url("dtoc", "/plans/2017-19/barking-and-dagenham/")
    data = form_data(client.get(url))
    period = first_field(data, "den-").removeprefix("den-")
    data |= {f"c-nhs-{period}": "10", f"den-{period}": typed}
    assert client.post(url, data).status_code == 302
    value = MetricPlanValue.objects.get(
        trajectory__plan__area__slug="barking-and-dagenham", period_id=period
    )
    assert value.denominator == 198408


@pytest.mark.parametrize("typed", ["198408.5", "198,408.01"])
def test_a_fraction_of_a_population_is_still_refused(client, typed):
    login(client, "bhr.finance")
    url = metric_url("dtoc", "/plans/2017-19/barking-and-dagenham/")
    data = form_data(client.get(url))
    period = first_field(data, "den-").removeprefix("den-")
    data |= {f"c-nhs-{period}": "10", f"den-{period}": typed}
    before = MetricPlanValue.objects.count()
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Enter the population as a whole number" in response.content.decode()
    assert MetricPlanValue.objects.count() == before


# -- the first save of a metric, raced (PostgreSQL only: SQLite serialises writers) ----


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks")
def test_two_first_saves_of_one_metric_keep_exactly_one():
    call_command("load_demo", verbosity=0, assurance=False)  # transactional tests start empty
    the_plan = plan("2017-19", "redbridge")
    assert not MetricLock.objects.filter(plan=the_plan).exists()
    user = get_user_model().objects.get(username="bhr.finance")
    barrier = threading.Barrier(2)
    results = [None, None]

    def save(index, actual):
        try:
            mine = plan("2017-19", "redbridge")
            table = next(t for t in metric_tables(mine) if t.metric.code == "dtoc")
            period = table.periods[0].pk
            form = MetricValuesForm({f"act-{period}": actual}, table=table)
            assert form.is_valid(), form.errors
            barrier.wait(timeout=10)
            save_metric(user=user, plan=mine, table=table, form=form, posted_version="0")
            results[index] = "ok"
        except EditConflict:
            results[index] = "refused"
        except Exception as error:  # pragma: no cover - reported below
            results[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(n, str(n + 1))) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["ok", "refused"], results
    assert MetricLock.objects.get(plan=the_plan, metric__code="dtoc").lock_version == 1
    assert MetricActual.objects.filter(plan=the_plan).count() == 1
