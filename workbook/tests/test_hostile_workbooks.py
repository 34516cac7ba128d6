"""Every hostile or broken upload is refused with its own clear message, writes nothing
to the plan and is kept under its UP- reference; none is a server error."""

import html
import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from finance.models import IncomeLine, TemplateUpload
from metrics.models import MetricComponentValue, MetricPlanValue
from plans.tests.helpers import login, plan
from schemes.models import ExpenditureLine, Scheme
from workbook import reader
from workbook.tests.hostile import KINDS, NOT_KEPT

pytestmark = pytest.mark.django_db

UPLOAD = "/plans/2017-19/havering/finance/upload/"


@pytest.fixture(scope="module")
def template(django_db_setup, django_db_blocker):
    """The real download, once: each case edits its own copy of these bytes."""
    with django_db_blocker.unblock():
        client = login(Client(), "bhr.finance")
        response = client.get("/plans/2017-19/havering/template.xlsx")
        assert response.status_code == 200
        return response.content


def plan_state():
    the_plan = plan("2017-19", "havering")
    return (
        sorted(
            IncomeLine.objects.filter(plan=the_plan).values_list("source_id", "year_id", "amount")
        ),
        sorted(
            ExpenditureLine.objects.filter(scheme__plan=the_plan).values_list(
                "id", "scheme_id", "year_id", "amount", "source_id", "recurrence"
            )
        ),
        sorted(Scheme.objects.filter(plan=the_plan).values_list("id", "code", "name", "theme")),
        sorted(
            MetricPlanValue.objects.filter(trajectory__plan=the_plan).values_list(
                "id", "period_id", "value", "numerator", "denominator"
            )
        ),
        sorted(
            MetricComponentValue.objects.filter(trajectory__plan=the_plan).values_list(
                "id", "period_id", "component_id", "value"
            )
        ),
    )


def problem_rows(page):
    start = page.find('id="problems"')
    if start < 0:
        return []
    table = page[start : page.index("</table>", start)]
    rows = re.findall(
        r"<tr class=\"govuk-table__row\">(.*?)</tr>", table[table.index("<tbody") :], re.S
    )
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r))).strip() for r in rows]


def post(data):
    client = login(Client(raise_request_exception=False), "bhr.finance")
    return client.post(UPLOAD, {"template": SimpleUploadedFile("plan.xlsx", data)})


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_hostile_workbook_is_refused_clearly_and_kept(template, kind):
    make, message, status = KINDS[kind]
    data = make(template)
    before = plan_state()
    response = post(data)
    assert response.status_code == status, response.content[:2000]
    page = response.content.decode()
    rows = problem_rows(page)
    assert any(message in row for row in rows), rows
    assert not any("could not be read" in row for row in rows), rows  # never the catch-all
    assert plan_state() == before
    if kind in NOT_KEPT:
        assert not TemplateUpload.objects.exists()
        return
    record = TemplateUpload.objects.get()
    assert record.outcome == TemplateUpload.Outcome.REFUSED
    assert record.reference in page
    assert [list(row) for row in record.problems] and record.problems[0][3]


def test_the_untouched_template_still_imports(template):
    assert post(template).status_code == 302


def test_an_unexpected_error_while_reading_is_refused_with_the_reference(
    template, monkeypatch, caplog
):
    def broken(self, *args):
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(reader.Reader, "read_income", broken)
    before = plan_state()
    with caplog.at_level(logging.ERROR, logger="workbook.actions"):
        response = post(template)
    assert response.status_code == 400
    record = TemplateUpload.objects.get()
    [row] = problem_rows(response.content.decode())
    assert "could not be read" in row and record.reference in row
    assert record.outcome == TemplateUpload.Outcome.REFUSED and record.file
    assert record.reference in caplog.text and "something nobody foresaw" in caplog.text
    assert plan_state() == before
