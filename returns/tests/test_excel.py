"""The return as an Excel template: pre-filled with the plan, filled in as in Excel,
uploaded and imported in one go; bad files write nothing and say why."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from returns.models import IncomeReport, MetricReport, PlanReturn, ReturnPart, ReturnUpload
from workbook.tests.hostile import BILLION_LAUGHS, prolog, rezip

from .helpers import HAVERING_DAYS, Q1, approved, login, post_part

pytestmark = pytest.mark.django_db
UPLOAD = Q1 + "upload/"


@pytest.fixture
def havering():
    return approved("2017-19", "havering")


def download(client):
    response = client.get(Q1 + "template.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('bcf-return-2017-19-havering-2017-18-q1.xlsx"')
    return response.content


def filled(data, overrides=None):
    """The template filled in as a finance officer would in Excel."""
    book = load_workbook(io.BytesIO(data))
    answers = {
        "Budget": {"section_75_in_place": "Yes", "section_75_signed_on": "31/03/2017"},
        "Narrative": {"progress": "Discharge to assess in place.", "challenges": "Staffing."},
        "Sign-off": {
            "signed_by": "Board chair",
            "signed_position": "Chair",
            "signed_on": "14/07/2017",
        },
    }
    for name, values in answers.items():
        for row in book[name].iter_rows(min_row=2):
            if row[0].value in values:
                row[2].value = values[row[0].value]
    for row in book["Conditions"].iter_rows(min_row=2):
        row[3].value = "Yes"
    for row in book["Finance"].iter_rows(min_row=2):
        planned = row[3].value
        row[4].value, row[5].value = round(planned / 4, 2), planned
    for row in book["Metrics"].iter_rows(min_row=2):
        metric, period = row[0].value.split("|")
        if metric == "dtoc":
            row[4].value = float(HAVERING_DAYS[period])
    for row in book["Delivery"].iter_rows(min_row=2):
        row[4].value = "On track" if row[0].value.startswith("ms") else "Green"
    for (sheet, ref), value in (overrides or {}).items():
        book[sheet][ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data, name="return.xlsx"):
    return client.post(UPLOAD, {"template": SimpleUploadedFile(name, data)})


def test_the_template_is_pre_filled_with_the_plan_and_stamped(client, havering):
    login(client, "bhr.finance")
    book = load_workbook(io.BytesIO(download(client)))
    assert book.sheetnames == [
        "Return",
        "Budget",
        "Conditions",
        "Finance",
        "Metrics",
        "Delivery",
        "Narrative",
        "Sign-off",
        "_stamp",
    ]
    assert book["_stamp"].sheet_state == "veryHidden"
    assert book["Finance"].protection.sheet
    metrics = {row[0].value: row for row in book["Metrics"].iter_rows(min_row=2)}
    assert metrics["dtoc|Apr-17"][3].value == 148.7  # Havering's seasonally adjusted plan
    assert metrics["dtoc|Apr-17"][5].value == 198408  # its population, pre-filled


def test_a_completed_template_imports_every_part_in_one_go(client, havering):
    login(client, "bhr.finance")
    response = upload(client, filled(download(client)))
    assert response.status_code == 302, response.content.decode()[-3000:]
    the_return = PlanReturn.objects.get(plan=havering, period__slug="2017-18-q1")
    assert the_return.section_75_in_place and the_return.signed_by == "Board chair"
    assert ReturnPart.objects.filter(plan_return=the_return, completed=True).count() == 7
    april = MetricReport.objects.get(plan_return=the_return, period__label="Apr-17")
    assert april.value == Decimal("148.70")
    upload_record = ReturnUpload.objects.get()
    assert upload_record.outcome == "imported" and upload_record.file
    # The same file again changes nothing.
    again = upload(client, filled(download(client)))
    assert again.status_code == 302
    assert ReturnUpload.objects.order_by("-pk").first().outcome == "unchanged"
    login(client, "bhr.commissioner")
    assert client.post(Q1 + "submit/").status_code == 302
    assert PlanReturn.objects.get(pk=the_return.pk).is_submitted


def nothing_written(havering):
    assert not IncomeReport.objects.exists()
    assert not MetricReport.objects.exists()
    assert not PlanReturn.objects.filter(plan=havering, signed_by__gt="").exists()
    assert ReturnUpload.objects.filter(outcome="refused").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({("Finance", "E2"): "about a million"}, "Enter an amount in pounds"),
        ({("Finance", "E2"): "=D2/4"}, "This cell holds a formula"),
        ({("Metrics", "E2"): "-3"}, "Enter 0 or more"),
        ({("_stamp", "B4"): "redbridge"}, "This return template is for redbridge"),
        ({("_stamp", "B5"): "2017-18-q2"}, "is for the 2017-18-q2 return, not 2017-18-q1"),
        ({("_stamp", "B1"): "something else"}, "This is not a BCF Plans return template"),
        ({("Budget", "C3"): "last spring"}, "Enter a real date"),
    ],
)
def test_bad_cells_and_wrong_stamps_write_nothing_and_say_why(client, havering, change, message):
    login(client, "bhr.finance")
    response = upload(client, filled(download(client), change))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "Nothing in the return has changed" in page
    nothing_written(havering)


def test_every_bad_cell_is_reported_with_its_place(client, havering):
    login(client, "bhr.finance")
    bad = filled(download(client), {("Finance", "E2"): "lots", ("Finance", "F3"): "=1+1"})
    page = upload(client, bad).content.decode()
    assert '<td class="govuk-table__cell">E2</td>' in page
    assert '<td class="govuk-table__cell">F3</td>' in page


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda data: b"Area,Amount\nhavering,1\n", "This is not an Excel workbook"),
        (lambda data: rezip(data, add={"xl/vbaProject.bin": b"macro"}), "Macro-enabled"),
        (lambda data: prolog("xl/workbook.xml", BILLION_LAUGHS)(data), "document type"),
        (
            lambda data: rezip(data, add={"xl/externalLinks/externalLink1.xml": b"<x/>"}),
            "external links",
        ),
        (lambda data: data[: len(data) // 2], "damaged"),
    ],
)
def test_hostile_workbooks_write_nothing_and_say_why(client, havering, make, message):
    login(client, "bhr.finance")
    response = upload(client, make(filled(download(client))))
    assert response.status_code == 400
    assert message in response.content.decode()
    nothing_written(havering)


def test_a_part_changed_on_the_web_since_download_is_refused(client, havering):
    login(client, "bhr.finance")
    stale = download(client)
    login(client, "bhr.commissioner")
    post_part(client, Q1 + "narrative/", {"progress": "Typed on the web", "challenges": "None"})
    login(client, "bhr.finance")
    response = upload(client, filled(stale))
    assert response.status_code == 400
    page = response.content.decode()
    assert "changed on the web by bhr.commissioner" in page
    assert PlanReturn.objects.get(plan=havering).progress == "Typed on the web"
