"""The template as the national one: checklist and ring-fences as live formulas, lead
providers, recurrence, metric periods in order with locked grey cells, the 2014-16
contingency columns, and messages in the sheet's unit naming their column."""

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from metrics.models import PerformanceContingency
from plans.tests.helpers import login, plan
from schemes.models import ExpenditureLine, Scheme
from workbook import layout as L
from workbook.tests.test_excel_template import (
    HAVERING,
    download,
    edit,
    media,  # noqa: F401 (fixture)
    problems,
    upload,
)

pytestmark = pytest.mark.django_db
BARNET = "/plans/2014-16/barnet/"


def column(book, sheet, header):
    return next(c.column_letter for c in book[sheet][3] if c.value == header)


def first_row(book, code):
    return next(r[0].row for r in book[L.METRICS].iter_rows(min_row=4) if r[0].value == code)


def test_checklist_formulas_reference_the_real_cells(client):
    login(client, "bhr.finance")
    book = load_workbook(io.BytesIO(download(client)))
    checklist = book["Checklist"]
    rows = {(r[0].value, r[1].value): r[2].value for r in checklist.iter_rows(min_row=4)}
    assert rows[("Protection of social care", "2017/18")].startswith("=Summary!D")
    assert "Expenditure!$D$4:$D$" in rows[("Every scheme has a scheme type", "All")]
    assert checklist.conditional_formatting and checklist.protection.sheet
    summary = book[L.SUMMARY]
    labels = {summary.cell(row=n, column=1).value: n for n in range(1, 40)}
    social = labels["Protection of social care"]
    assert summary[f"B{social}"].value == 6270.264  # Havering's 2017/18 minimum
    formula = summary[f"C{social}"].value
    assert "Expenditure!$O$4" in formula and "Expenditure!$M$4" in formula  # amount, source
    assert "Expenditure!$G$4" in formula  # area of spend
    assert "lst_social_care_areas" in formula and "lst_social_care_areas" in book.defined_names
    dtoc = [v for (label, _y), v in rows.items() if "Delayed transfers" in str(label)]
    assert dtoc and "Metrics!D" in dtoc[0]


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_the_checklist_turns_as_libreoffice_computes_it(client, tmp_path):
    login(client, "bhr.finance")
    data = download(client)
    source = tmp_path / "havering.xlsx"
    source.write_bytes(data)
    out = tmp_path / "out"
    convert(source, out, tmp_path)
    rows = computed(out / "havering.xlsx")
    # Havering's seed plan meets its ring-fences (the check page says so too).
    assert rows[("Protection of social care", "2017/18")] == "Yes"
    assert rows[("NHS out-of-hospital spend", "2017/18")] == "Yes"
    assert rows[("CCG minimum contribution paid in", "2017/18")] == "Yes"
    assert rows[("Income equals expenditure for every funding source", "2017/18")] == "Yes"
    assert all(v in ("Yes", "No", "Not set") for v in rows.values()), rows

    def no_spending(book):  # as a user clearing the 2017/18 column would
        for (cell,) in book[L.EXPENDITURE].iter_rows(min_row=4, min_col=15, max_col=15):
            cell.value = None

    source.write_bytes(edit(data, no_spending))
    convert(source, out, tmp_path)
    rows = computed(out / "havering.xlsx")
    assert rows[("Protection of social care", "2017/18")] == "No"
    assert rows[("Income equals expenditure for every funding source", "2017/18")] == "No"
    assert rows[("Protection of social care", "2018/19")] == "Yes"


def convert(source, out, home):
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
    )


def computed(path):
    """{(requirement, year): verdict} as LibreOffice computed the Checklist."""
    book = load_workbook(path, data_only=True)
    return {(r[0].value, r[1].value): r[2].value for r in book["Checklist"].iter_rows(min_row=4)}


def test_reader_ignores_the_checklist_and_still_refuses_formulas(client):
    login(client, "bhr.finance")
    data = download(client)
    assert upload(client, data).status_code == 302  # the checklist's formulas are not read
    changed = edit(data, lambda book: book[L.EXPENDITURE].__setitem__("O4", "=1+2"))
    rows = problems(upload(client, changed))
    assert any("Expenditure!O4" in r and "not a formula" in r for r in rows), rows


def test_lead_providers_and_recurrence_round_trip(client):
    login(client, "bhr.finance")
    data = download(client)
    code = load_workbook(io.BytesIO(data))[L.EXPENDITURE]["A4"].value

    def change(book):
        sheet = book[L.EXPENDITURE]
        for row in sheet.iter_rows(min_row=4):
            if row[0].value == code:
                row[4].value, row[5].value = "NELFT", "BHRUT"
        sheet["N4"] = "Non-recurrent"

    assert upload(client, edit(data, change)).status_code == 302
    scheme = Scheme.objects.get(plan=plan("2017-19", "havering"), code=code)
    assert (scheme.lead_provider, scheme.joint_lead_provider) == ("NELFT", "BHRUT")
    assert scheme.lead_provider_display == "NELFT and BHRUT (joint)"
    assert ExpenditureLine.objects.filter(scheme=scheme, recurrence="non_recurrent").exists()
    page = client.get(HAVERING + "schemes/").content.decode()
    assert "NELFT and BHRUT (joint)" in page
    again = load_workbook(io.BytesIO(download(client)))[L.EXPENDITURE]
    assert (again["E4"].value, again["F4"].value, again["N4"].value) == (
        "NELFT",
        "BHRUT",
        "Non-recurrent",
    )


def test_a_joint_lead_provider_needs_a_lead_provider(client):
    login(client, "bhr.finance")
    data = edit(download(client), lambda book: book[L.EXPENDITURE].__setitem__("F4", "BHRUT"))
    before = Scheme.objects.filter(joint_lead_provider="BHRUT").count()
    book = load_workbook(io.BytesIO(data))
    if book[L.EXPENDITURE]["E4"].value:
        data = edit(data, lambda b: b[L.EXPENDITURE].__setitem__("E4", None))
    rows = problems(upload(client, data))
    assert any("Expenditure!F4" in r and "Joint lead provider: enter the lead" in r for r in rows)
    assert Scheme.objects.filter(joint_lead_provider="BHRUT").count() == before


def test_metric_columns_in_period_order_and_a_filled_row_is_not_48_errors(client):
    login(client, "bhr.finance")
    data = download(client)
    book = load_workbook(io.BytesIO(data))
    headers = [c.value for c in book[L.METRICS][3]][3:]
    assert headers[:3] == ["Apr-17", "May-17", "Jun-17"] and headers[-2:] == ["2017/18", "2018/19"]
    row = first_row(book, "non-elective-admissions")
    april = book[L.METRICS][f"D{row}"]
    assert april.protection.locked and april.fill.fgColor.rgb.endswith("B1B4B6")
    year = book[L.METRICS][f"{column(book, L.METRICS, '2017/18')}{row}"]
    assert year.protection.locked is False
    dtoc = first_row(book, "dtoc")
    total = book[L.METRICS][f"{column(book, L.METRICS, '2017/18')}{dtoc}"].value
    assert total.startswith("=SUM(D") and total.count(",") == 11  # its twelve months

    def fill(b):
        for cell in b[L.METRICS][row][3:]:
            cell.value = 25301

    rows = problems(upload(client, edit(data, fill)))
    assert not any("is not a period" in r for r in rows), rows


def test_all_six_2014_16_contingency_metrics_round_trip(client):
    login(client, "barnet.commissioner")
    data = download(client, BARNET)
    book = load_workbook(io.BytesIO(data))
    headers = [c.value for c in book[L.METRICS][3]]
    assert "Planned savings if met, 2015/16 (£)" in headers
    codes = list(dict.fromkeys(r[0].value for r in book[L.METRICS].iter_rows(min_row=4)))
    assert len(codes) == 6
    figures = {code: Decimal(1000 + n * 111) for n, code in enumerate(codes)}

    def fill(b):
        for code, amount in figures.items():
            r = first_row(b, code)
            for offset, title in enumerate(headers[-4:]):
                b[L.METRICS][f"{column(b, L.METRICS, title)}{r}"] = float(amount + offset)

    response = upload(client, edit(data, fill), BARNET)
    assert response.status_code == 302, problems(response)
    stored = {
        c.metric.code: c
        for c in PerformanceContingency.objects.filter(plan=plan("2014-16", "barnet"))
    }
    assert set(stored) == set(codes)
    for code, amount in figures.items():
        c = stored[code]
        assert (c.planned_savings, c.maximum_support, c.ongoing_savings, c.ongoing_support) == (
            amount,
            amount + 1,
            amount + 2,
            amount + 3,
        )
    again = load_workbook(io.BytesIO(download(client, BARNET)))
    r = first_row(again, codes[0])
    assert again[L.METRICS][f"{column(again, L.METRICS, headers[-1])}{r}"].value == 1003


def test_every_problem_of_every_column_in_one_pass_one_message_a_cell(client):
    login(client, "bhr.finance")

    def change(book):
        sheet = book[L.EXPENDITURE]
        sheet["A4"] = "bad id!"  # scheme ID
        sheet["G4"] = "Space travel"  # area of spend
        sheet["M4"] = None  # funding source, with an amount
        sheet["O4"] = "lots"  # amount

    rows = problems(upload(client, edit(download(client), change)))
    by_cell = {}
    for r in rows:
        for ref in ("A4", "G4", "M4", "O4"):
            if f"Expenditure!{ref} " in r + " ":
                by_cell.setdefault(ref, []).append(r)
    assert set(by_cell) == {"A4", "G4", "M4", "O4"}, rows
    assert all(len(found) == 1 for found in by_cell.values()), by_cell
    assert "Scheme ID:" in by_cell["A4"][0] and "Area of spend:" in by_cell["G4"][0]
    assert "Funding source: choose one from the drop-down list" in by_cell["M4"][0]
    assert "2017/18 (£000): enter the amount in £000" in by_cell["O4"][0]
    assert not any("This field is required" in r or "pounds" in r for r in rows)


def test_the_scheme_page_applies_the_same_joint_lead_rule():
    from schemes.forms import SchemeForm

    the_plan = plan("2017-19", "havering")
    data = {"code": "NEW1", "name": "New scheme", "lead_provider": "", "joint_lead_provider": "B"}
    form = SchemeForm(data, plan=the_plan)
    assert not form.is_valid() and "joint_lead_provider" in form.errors
    form = SchemeForm(data | {"lead_provider": "A"}, plan=the_plan)
    assert form.is_valid(), form.errors
    assert Scheme(lead_provider="A", joint_lead_provider="B").lead_provider_display == (
        "A and B (joint)"
    )
