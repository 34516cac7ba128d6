"""The Excel planning template: download, round trip, edits, and every kind of bad
file refused with a clear message and nothing written."""

import html
import io
import re
import zipfile
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from finance.models import IncomeLine, TemplateUpload
from finance.selectors import expenditure_by_area, income_by_area
from plans.fields import in_thousands
from plans.tests.helpers import login, plan
from schemes.models import ExpenditureLine
from workbook import layout as L
from workbook.importer import current_lines

pytestmark = pytest.mark.django_db

HAVERING = "/plans/2017-19/havering/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def download(client, base=HAVERING):
    response = client.get(base + "template.xlsx")
    assert response.status_code == 200
    return response.content


def upload(client, data, base=HAVERING, name="plan.xlsx"):
    return client.post(base + "finance/upload/", {"template": SimpleUploadedFile(name, data)})


def edit(data, change):
    book = load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def snapshot(area="havering"):
    the_plan = plan("2017-19", area)
    income = sorted(
        IncomeLine.objects.filter(plan=the_plan).values_list("source_id", "year_id", "amount")
    )
    return income, current_lines(the_plan)


def problems(response):
    """The rows of the problems table, as plain text."""
    page = response.content.decode()
    start = page.find('id="problems"')
    if start < 0:
        return []
    table = page[start : page.index("</table>", start)]
    body = table[table.index("<tbody") :]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body, re.S)
    return [
        html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))).strip() for row in rows
    ]


def test_template_has_stamp_lists_validations_protection_and_formulas(client):
    login(client, "bhr.finance")
    book = load_workbook(io.BytesIO(download(client)))
    assert book.sheetnames == [
        L.COVER,
        L.INCOME,
        L.EXPENDITURE,
        L.METRICS,
        L.SUMMARY,
        "Checklist",
        "Conditions",
        "HICM",
        L.LISTS,
        L.META,
    ]
    assert book["HICM"]["A4"].value == "Early discharge planning" and book["HICM"]["B4"].value
    answers = [row[2] for row in book["Conditions"].iter_rows(min_row=4, values_only=True)]
    assert "Yes" in answers and book["Conditions"].protection.sheet
    assert book[L.META].sheet_state == "veryHidden" and book[L.LISTS].sheet_state == "hidden"
    assert [book[L.META][f"B{n}"].value for n in (1, 2, 3)] == [
        "2017-19",
        "havering",
        L.TEMPLATE_VERSION,
    ]
    for name in ("bcf_round", "bcf_area", "bcf_version", "bcf_expenditure_header", "lst_source"):
        assert name in book.defined_names
    spend = book[L.EXPENDITURE]
    assert spend.protection.sheet and spend.freeze_panes == "A4"
    assert len(spend.data_validations.dataValidation) == 6
    assert spend["O4"].number_format == "#,##0.000"  # 2017-19 states £'000
    assert spend["A4"].protection.locked is False and spend["A3"].protection.locked is True
    assert book[L.SUMMARY]["B4"].value.startswith("=SUMIFS(")


def test_round_trip_changes_nothing_and_keeps_a_reference(client):
    login(client, "bhr.finance")
    before = snapshot()
    history = ExpenditureLine.history.count()
    response = upload(client, download(client))
    assert response.status_code == 302
    assert snapshot() == before
    assert ExpenditureLine.history.count() == history  # not even history rows
    record = TemplateUpload.objects.get()
    assert (record.outcome, record.changes, record.reference) == (
        "unchanged",
        0,
        f"UP-{record.pk:06d}",
    )


def test_validations_and_protection_survive_a_save_in_another_program(client):
    login(client, "bhr.finance")
    data = edit(download(client), lambda book: None)  # openpyxl stands in for Excel
    book = load_workbook(io.BytesIO(data))
    assert len(book[L.EXPENDITURE].data_validations.dataValidation) == 6
    assert book[L.EXPENDITURE].protection.sheet
    assert upload(client, data).status_code == 302


def without_content_stamp(book):
    """A template from before content fingerprints: applied whole, as then."""
    for name in L.CONTENT_STAMP:
        del book.defined_names[name]


def test_import_into_an_empty_plan_reproduces_seed_8_4(client):
    login(client, "bhr.finance")
    data = edit(download(client), without_content_stamp)
    the_plan = plan("2017-19", "havering")
    ExpenditureLine.objects.filter(scheme__plan=the_plan).delete()
    the_plan.schemes.all().delete()
    IncomeLine.objects.filter(plan=the_plan).delete()
    assert upload(client, data).status_code == 302
    spend = expenditure_by_area([the_plan])["havering"]
    assert (in_thousands(spend[2017]), in_thousands(spend[2018])) == (22660, 24165)
    assert income_by_area([the_plan])["havering"] == spend


def test_an_edited_amount_in_thousands_is_imported_to_the_pound(client):
    login(client, "bhr.finance")
    data = edit(download(client), lambda book: book[L.EXPENDITURE].__setitem__("O4", 1234.56789))
    assert upload(client, data).status_code == 302
    code = load_workbook(io.BytesIO(data))[L.EXPENDITURE]["A4"].value
    amounts = ExpenditureLine.objects.filter(
        scheme__plan__area__slug="havering", scheme__code=code, year__start_year=2017
    ).values_list("amount", flat=True)
    assert Decimal("1234567.89") in amounts


def test_one_changed_amount_is_one_change_recorded_against_the_uploader(client):
    """The importer writes through the same line writer as the scheme page: only the
    line that differs is written, in place, and its history names who uploaded."""
    login(client, "bhr.finance")
    lines = ExpenditureLine.objects.filter(scheme__plan__area__slug="havering")
    before = {line.pk: line.amount for line in lines}
    history = ExpenditureLine.history.count()
    data = edit(download(client), lambda book: book[L.EXPENDITURE].__setitem__("O4", 1234.56789))
    assert upload(client, data).status_code == 302
    record = TemplateUpload.objects.latest("uploaded_at")
    assert (record.outcome, record.changes) == ("imported", 1)
    after = {line.pk: line.amount for line in lines.all()}
    assert after.keys() == before.keys()  # no line deleted and created again
    [changed] = [pk for pk in after if after[pk] != before[pk]]
    assert after[changed] == Decimal("1234567.89")
    [entry] = ExpenditureLine.history.filter(id=changed).order_by("-history_id")[:1]
    assert (entry.history_type, entry.history_user.username) == ("~", "bhr.finance")
    assert ExpenditureLine.history.count() == history + 1


def metric_column(book, header):
    """The Metrics sheet's column number with this header."""
    return next(c.column for c in book[L.METRICS][3] if c.value == header)


def cell(sheet, ref, value):
    return lambda book: book[sheet].__setitem__(ref, value)


BAD_EDITS = {
    "renamed sheet": (
        lambda book: setattr(book[L.INCOME], "title", "Money"),
        "The Income sheet is missing or was renamed",
    ),
    "deleted sheet": (lambda book: book.remove(book[L.METRICS]), "The Metrics sheet is missing"),
    "extra column": (cell(L.EXPENDITURE, "Q3", "Notes"), "Unexpected column 'Notes'"),
    "missing column": (
        lambda book: book[L.EXPENDITURE].delete_cols(3),
        "This column should be 'Theme'",
    ),
    "text in a number cell": (
        cell(L.EXPENDITURE, "O4", "about a million"),
        "2017/18 (£000): enter the amount in £000 as a number",
    ),
    "formula in a value cell": (
        cell(L.INCOME, "C4", "=1+1"),
        "2017/18 (£000): enter a value, not a formula",
    ),
    # A sheet with any formula is read cell by cell with every check; one without is
    # read faster: both must refuse what they should.
    "formula in an expenditure text cell": (
        cell(L.EXPENDITURE, "G4", "=A1"),
        "Area of spend: enter a value, not a formula",
    ),
    "formula in an expenditure amount": (
        cell(L.EXPENDITURE, "O4", "=1+1"),
        "2017/18 (£000): enter a value, not a formula",
    ),
    "negative expenditure amount": (
        cell(L.EXPENDITURE, "O4", -5),
        "2017/18 (£000): enter an amount of 0 or more (£000)",
    ),
    "huge expenditure amount": (
        cell(L.EXPENDITURE, "O4", 1e300),
        "2017/18 (£000):",
    ),
    "merged cells": (
        lambda book: book[L.EXPENDITURE].merge_cells("B4:C4"),
        "Merged cells are not allowed",
    ),
    "blank row": (
        lambda book: book[L.EXPENDITURE].insert_rows(6),
        "Blank row between rows of data",
    ),
    "duplicate scheme ID": (
        cell(L.EXPENDITURE, "B4", "A different scheme"),
        "is already used for a different scheme",
    ),
    "unknown list value": (
        cell(L.EXPENDITURE, "G4", "Space travel"),
        "Area of spend: 'Space travel' is not in this round's list",
    ),
    "negative amount": (
        cell(L.INCOME, "C5", -5),
        "2017/18 (£000): enter an amount of 0 or more (£000)",
    ),
    "joint shares not 100": (
        lambda book: (
            cell(L.EXPENDITURE, "H4", "Joint")(book),
            cell(L.EXPENDITURE, "I4", 30)(book),
            cell(L.EXPENDITURE, "J4", 60)(book),
        ),
        "% NHS: the NHS and LA shares must add up to 100%.",
    ),
    "formula in a metric cell": (
        lambda book: book[L.METRICS].cell(row=4, column=metric_column(book, "2017/18"), value="=1"),
        "2017/18: enter a value, not a formula",
    ),
    "old template version": (cell(L.META, "B3", "0"), "This is version 0 of the template"),
}


@pytest.mark.parametrize("case", sorted(BAD_EDITS))
def test_bad_workbooks_are_refused_with_the_cell_and_nothing_is_written(client, case):
    change, message = BAD_EDITS[case]
    login(client, "bhr.finance")
    data = edit(download(client), change)
    before = snapshot()
    response = upload(client, data)
    assert response.status_code == 400
    assert "Nothing in the plan has changed" in response.content.decode()
    assert any(message in row for row in problems(response)), problems(response)
    assert snapshot() == before
    record = TemplateUpload.objects.get()
    assert record.outcome == "refused" and record.file.size == len(data)


def test_problem_rows_name_the_sheet_and_cell(client):
    login(client, "bhr.finance")
    data = edit(download(client), cell(L.EXPENDITURE, "O4", "lots"))
    rows = problems(upload(client, data))
    assert any("Expenditure!O4" in row and "enter the amount in £000" in row for row in rows)
    assert not any("pounds" in row for row in rows)  # a £'000 sheet speaks of £000
    record = TemplateUpload.objects.get()
    csv = client.get(f"{HAVERING}finance/upload/{record.pk}/problems.csv").content.decode()
    assert csv.splitlines()[0] == "Tab,Section,Cell,Problem"
    assert "Expenditure,Expenditure,O4," in csv


def raw_file_cases():
    template_zip = "PK\x03\x04 not really a zip"
    return {
        "plain text": (b"Scheme ID,Amount\nH1,100\n", "This is not an Excel workbook"),
        "renamed csv": (
            b"\xef\xbb\xbfScheme ID,Amount\r\nH1,100\r\n",
            "This is not an Excel workbook",
        ),
        "password protected": (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000,
            "password-protected",
        ),
        "corrupt zip": (template_zip.encode(), "The file is damaged"),
    }


@pytest.mark.parametrize("case", sorted(raw_file_cases()))
def test_files_that_are_not_workbooks_are_refused(client, case):
    data, message = raw_file_cases()[case]
    login(client, "bhr.finance")
    before = snapshot()
    response = upload(client, data)
    assert response.status_code == 400
    assert any(message in row for row in problems(response))
    assert snapshot() == before


def test_a_truncated_workbook_is_refused(client):
    login(client, "bhr.finance")
    data = download(client)
    response = upload(client, data[: len(data) // 2])
    assert response.status_code == 400
    assert any("damaged" in row or "could not be read" in row for row in problems(response))


def test_a_50_mb_upload_is_refused_before_it_is_read(client):
    login(client, "bhr.finance")
    response = upload(client, b"PK" + b"\0" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than 10 MB" in response.content.decode()
    assert not TemplateUpload.objects.exists()


def test_a_zip_bomb_is_not_expanded(client):
    login(client, "bhr.finance")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (120 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    response = upload(client, buffer.getvalue())
    assert response.status_code == 400
    assert any("expands to more than 100 MB" in row for row in problems(response))


def test_a_million_rows_are_refused_without_reading_them_all(client):
    login(client, "bhr.finance")
    data = download(client)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    rows = "".join(
        f'<row r="{n}"><c r="B{n}" t="n"><v>1</v></c></row>' for n in range(3000, 1_003_000)
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet3.xml":  # Expenditure
                content = content.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
                content = re.sub(
                    rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:N1003000"/>', content
                )
            target.writestr(item, content)
    response = upload(client, out.getvalue())
    assert response.status_code == 400
    assert any("more than 20,000 rows" in row for row in problems(response))


def test_wrong_area_and_wrong_round_are_one_clear_message(client):
    login(client, "bhr.finance")
    havering = download(client)
    response = upload(client, havering, base="/plans/2017-19/redbridge/")
    assert len(problems(response)) == 1
    assert "This template is for havering, not redbridge" in problems(response)[0]
    login(client, "admin")
    barnet = download(client, "/plans/2014-16/barnet/")
    login(client, "bhr.finance")
    response = upload(client, barnet)
    assert "This template is for the 2014-16 round, not 2017-19" in problems(response)[0]


def test_a_blank_template_fits_any_area_of_its_round(client):
    login(client, "bhr.finance")
    blank = client.get("/plans/2017-19/template.xlsx").content
    book = load_workbook(io.BytesIO(blank))
    assert book[L.META]["B2"].value is None and book[L.EXPENDITURE]["A4"].value is None
    before = snapshot("redbridge")
    response = upload(client, blank, base="/plans/2017-19/redbridge/")
    assert response.status_code == 302  # a blank template empties the plan's finance
    assert snapshot("redbridge") != before and snapshot("redbridge")[1] == Counter()


def test_user_text_that_looks_like_a_formula_stays_text(client):
    login(client, "bhr.finance")
    scheme = plan("2017-19", "havering").schemes.order_by("order", "code").first()
    scheme.name = '=HYPERLINK("http://evil.example","click")'
    scheme.save()
    book = load_workbook(io.BytesIO(download(client)))
    found = [
        c
        for row in book[L.EXPENDITURE].iter_rows(min_row=4, max_col=2)
        for c in row
        if c.value == scheme.name
    ]
    assert found and all(c.data_type == "s" for c in found)


def test_other_areas_cannot_download_or_upload(client):
    login(client, "barnet.commissioner")
    assert client.get(HAVERING + "template.xlsx").status_code == 404
    assert upload(client, b"x").status_code == 404
    login(client, "london.reviewer")
    assert client.get(HAVERING + "template.xlsx").status_code == 404


def test_an_error_part_way_through_an_import_leaves_the_plan_as_it_was(client, monkeypatch):
    from django.db import DatabaseError

    from workbook import importer
    from workbook.reader import read_template

    login(client, "bhr.finance")
    data = edit(download(client), cell(L.INCOME, "C4", 1))  # an income change to write first
    before = snapshot()
    parsed, found = read_template(data, plan("2017-19", "havering"))
    assert found == []

    def fail(*args):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(importer, "_apply_schemes_and_lines", fail)
    with pytest.raises(DatabaseError):
        importer.apply_template(plan("2017-19", "havering"), parsed)
    assert snapshot() == before


def _income_on_the_web(username, amount):
    """What the income page does: a save through the same writer, as that user."""
    the_plan = plan("2017-19", "havering")
    line = IncomeLine.objects.filter(plan=the_plan).order_by("pk").first()
    line.amount = amount
    line._history_user = get_user_model().objects.get(username=username)
    line.save()
    return line


def test_a_stale_upload_never_undoes_web_edits(client):
    """Downloaded, then income changed on the web: the old file, unedited there, keeps
    the web's income; an edit to another sheet still goes in."""
    login(client, "bhr.finance")
    data = download(client)
    line = _income_on_the_web("bhr.commissioner", Decimal("123456.00"))
    edited = edit(data, lambda book: book[L.EXPENDITURE].__setitem__("O4", 1234.56789))
    assert upload(client, edited).status_code == 302
    line.refresh_from_db()
    assert line.amount == Decimal("123456.00")  # the web edit stands
    code = load_workbook(io.BytesIO(data))[L.EXPENDITURE]["A4"].value
    assert Decimal("1234567.89") in ExpenditureLine.objects.filter(
        scheme__plan__area__slug="havering", scheme__code=code
    ).values_list("amount", flat=True)


def test_an_upload_changing_what_the_web_changed_since_is_refused_naming_who(client):
    login(client, "bhr.finance")
    data = download(client)
    line = _income_on_the_web("bhr.commissioner", Decimal("123456.00"))
    before = snapshot()
    response = upload(client, edit(data, cell(L.INCOME, "C4", 1)))
    assert response.status_code == 400
    [found] = problems(response)
    assert found.startswith("Income Whole sheet")
    assert "changed on the web by bhr.commissioner on" in found
    assert "Download the template again" in found
    assert snapshot() == before
    line.refresh_from_db()
    assert line.amount == Decimal("123456.00")
    record = TemplateUpload.objects.latest("uploaded_at")
    assert record.outcome == "refused"
    # A fresh template carries the web's change, and its edit goes in.
    fresh = edit(download(client), cell(L.INCOME, "C4", 1))
    assert upload(client, fresh).status_code == 302


def test_one_download_uploaded_twice_with_different_edits_refuses_the_second(client):
    login(client, "bhr.finance")
    data = download(client)
    assert upload(client, edit(data, cell(L.INCOME, "C4", 1))).status_code == 302
    after_first = snapshot()
    second = upload(client, edit(data, cell(L.INCOME, "C4", 2)))
    assert second.status_code == 400
    assert "changed on the web by bhr.finance" in problems(second)[0]
    assert snapshot() == after_first


def test_an_import_says_what_it_changed_and_history_names_the_line(client):
    login(client, "bhr.finance")
    data = download(client)
    sheet = load_workbook(io.BytesIO(data))[L.EXPENDITURE]
    code = sheet["A4"].value
    response = upload(client, edit(data, lambda book: book[L.EXPENDITURE].__setitem__("O4", 650)))
    assert response.status_code == 302
    record = TemplateUpload.objects.latest("uploaded_at")
    [change] = record.change_list
    assert change.startswith(f"{code} ") and "2017/18: £" in change and "→ £" in change
    page = client.get(HAVERING + "finance/").content.decode()
    assert change in html.unescape(page)  # in the "Template imported" message
    assert "What changed (1)" in client.get(HAVERING + "finance/upload/").content.decode()
    timeline = html.unescape(client.get(HAVERING + "timeline/").content.decode())
    assert f"Expenditure line changed {code} " in timeline


def test_reading_a_template_reads_each_of_the_rounds_lists_once(
    client, django_capture_on_commit_callbacks
):
    """The round's years and funding sources are read once for every sheet (they were
    read three times and twice), the rest of its lists once each, and the count does
    not grow with the plan's lines."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from schemes.models import Scheme
    from workbook.reader import read_template

    login(client, "bhr.finance")
    havering = plan("2017-19", "havering")

    def queries_to_read():
        data, fresh = download(client), plan("2017-19", "havering")
        with django_capture_on_commit_callbacks(execute=True):
            read_template(data, fresh)  # the plan's metric tables are kept on commit
        with CaptureQueriesContext(connection) as read:
            parsed, found = read_template(data, fresh)
        assert found == [] and parsed is not None
        tables = [q["sql"].split(" FROM ")[1].split()[0] for q in read.captured_queries]
        return tables

    before = queries_to_read()
    assert len(before) == 8
    assert Counter(before)['"plans_financialyear"'] == 1
    assert Counter(before)['"plans_fundingsource"'] == 1
    line = ExpenditureLine.objects.filter(scheme__plan=havering).first()
    for n in range(20):
        scheme = Scheme.objects.create(
            plan=havering, code=f"X{n:02d}", name=f"Extra {n}", order=90 + n
        )
        line.pk, line.id, line.scheme = None, None, scheme
        line.save()
    assert len(queries_to_read()) == len(before)
