"""The national allocations import: CSV or XLSX through the template's defensive
upload machinery, every problem at once by row and column, a preview of what changes,
then one all-or-nothing write; bad files write nothing and are kept with a reference."""

import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from finance.models import MinimumAllocation
from plans.models import Round
from plans.tests.helpers import login
from rounds import actions
from rounds.allocations import MAX_BYTES, parse_amount, parse_year, read_allocations
from rounds.models import AllocationUpload

from .helpers import user

pytestmark = pytest.mark.django_db
URL = "/rounds/2017-19/allocations/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
D = Decimal

# The BHR seed's minimums for Havering (8.5.1, 8.5.2), loaded by the demo.
HAVERING = {
    ("social_care", 2017): D("6270264"),
    ("social_care", 2018): D("6389399"),
    ("out_of_hospital", 2017): D("4729895"),
    ("out_of_hospital", 2018): D("4819763"),
}


def state():
    return sorted(
        MinimumAllocation.objects.values_list("area__slug", "kind", "year__start_year", "amount")
    )


def havering():
    return {
        (kind, year): amount
        for kind, year, amount in MinimumAllocation.objects.filter(
            area__slug="havering", kind__in=["social_care", "out_of_hospital"]
        ).values_list("kind", "year__start_year", "amount")
    }


def upload(client, content, name="minimums.csv", kind="text/csv", url=URL):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(url, {"file": SimpleUploadedFile(name, data, kind)})


def confirm(client, preview):
    record = preview.context["record"]
    return client.post(f"{URL}{record.pk}/confirm/", {"digest": preview.context["changes"].digest})


def problems_of(response):
    return [(p.row, p.column, p.message) for p in response.context["problems"]]


GOOD_CSV = (
    "\ufeffHWB,Kind,Year,Amount\n"  # Excel's CSV UTF-8 starts with a byte order mark
    'E09000016,Protection of social care,2017/18,"6,270,264"\n'
    "Havering,social_care,2018/19,£6389399\n"
    "havering,NHS out-of-hospital ring-fence,2017,4729895.00\n"
    'E09000016,out_of_hospital,2018-19,"£4,819,763"\n'
    "Redbridge,Protection of social care,2017/18,6644852.50\n"  # seed 6,644,851: changed
    "Barking and Dagenham,social_care,2017/18,4970629\n"  # unchanged
    "\n"  # a blank line is ignored
)


def test_only_national_administrators_import(client):
    for name in ("bhr.finance", "bhr.commissioner", "london.reviewer"):
        login(client, name)
        assert client.get(URL).status_code == 403
        assert upload(client, GOOD_CSV).status_code == 403
    assert AllocationUpload.objects.count() == 0
    with pytest.raises(PermissionDenied):
        actions.check_allocations(
            user=user("bhr.finance"),
            round_=Round.objects.get(slug="2017-19"),
            data=GOOD_CSV.encode(),
            filename="x.csv",
        )


def test_a_good_csv_is_previewed_then_written(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    MinimumAllocation.objects.filter(
        area__slug="havering", kind__in=["social_care", "out_of_hospital"]
    ).delete()
    before = state()
    login(client, "admin")
    preview = upload(client, GOOD_CSV)
    assert preview.status_code == 200
    assert state() == before  # the preview writes no figures
    record = preview.context["record"]
    assert record.status == AllocationUpload.Status.PREVIEWED
    assert record.reference == f"AL-{record.pk:06d}"
    assert record.file.name.endswith(".csv") and record.uploaded_by == user("admin")
    changes = preview.context["changes"]
    assert (changes.new, changes.changed, changes.unchanged) == (4, 1, 1)
    by_area = {entry.area: entry for entry in changes.areas}
    assert len(by_area["Havering"].new) == 4
    [redbridge] = by_area["Redbridge"].changed
    assert (redbridge.old, redbridge.new) == (D("6644851"), D("6644852.50"))
    assert by_area["Barking and Dagenham"].unchanged == 1
    page = preview.content.decode()
    assert "£6,644,851 → £6,644,852.50" in page and "Confirm and import" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, preview)
    assert response.status_code == 302
    assert havering() == HAVERING
    assert all(isinstance(v, Decimal) for v in havering().values())
    assert MinimumAllocation.objects.get(
        area__slug="redbridge", kind="social_care", year__start_year=2017
    ).amount == D("6644852.50")
    written = MinimumAllocation.objects.get(
        area__slug="havering", kind="social_care", year__start_year=2017
    )
    assert written.history.first().history_user == user("admin")
    record.refresh_from_db()
    assert record.status == AllocationUpload.Status.IMPORTED and record.imported_at
    assert record.summary["new"] == 4
    # Havering's and Redbridge's commissioners and finance officers are told.
    subjects = sorted(m.subject for m in mailoutbox)
    assert subjects == [
        "BCF minimums published for Havering",
        "BCF minimums published for Redbridge",
    ]
    assert (
        "Protection of social care 2017/18: £6,270,264.00 (new)"
        in mailoutbox[0].body + mailoutbox[1].body
    )
    # Confirming again writes nothing more.
    after = state()
    again = client.post(f"{URL}{record.pk}/confirm/", {"digest": changes.digest})
    assert again.status_code == 302 and state() == after
    assert "already imported" in str(list(again.wsgi_request._messages)[-1])


def test_a_file_matching_the_recorded_minimums_changes_nothing(client):
    login(client, "admin")
    rows = "".join(
        f"Havering,{kind},{year},{amount}\n" for (kind, year), amount in HAVERING.items()
    )
    response = upload(client, "HWB,Kind,Year,Amount\n" + rows)
    assert response.status_code == 200
    assert response.context["changes"].count == 0
    assert response.context["record"].status == AllocationUpload.Status.UNCHANGED
    assert "there is nothing to import" in response.content.decode()


def good_workbook(formula=False, sheet="Allocations"):
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Notes"
    first["A1"] = "Minimums for 2017-19, from the national team"
    ws = book.create_sheet(sheet)
    ws.append(["HWB", "Kind", "Year", "Amount"])
    ws.append(["E09000016", "Protection of social care", "2017/18", 6270264])
    ws.append(["Havering", "Protection of social care", 2018, 6389399.0])
    ws.append(["Havering", "NHS out-of-hospital ring-fence", "2017/18", "4,729,895"])
    ws.append(["Havering", "out_of_hospital", "2018/19", 4819763])
    if formula:
        ws["D3"] = "=D2*1.019"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_good_xlsx_is_previewed_then_written(client):
    MinimumAllocation.objects.filter(area__slug="havering", kind="social_care").delete()
    MinimumAllocation.objects.filter(
        area__slug="havering", kind="out_of_hospital", year__start_year=2018
    ).update(amount=D("1"))
    login(client, "admin")
    preview = upload(client, good_workbook(), "minimums.xlsx", XLSX)
    assert preview.status_code == 200, problems_of(preview)
    changes = preview.context["changes"]
    assert (changes.new, changes.changed, changes.unchanged) == (2, 1, 1)
    assert preview.context["record"].file.name.endswith(".xlsx")
    assert confirm(client, preview).status_code == 302
    assert havering() == HAVERING


def test_a_formula_is_refused_with_its_cell(client):
    before = state()
    login(client, "admin")
    response = upload(client, good_workbook(formula=True), "minimums.xlsx", XLSX)
    assert response.status_code == 400
    [problem] = response.context["problems"]
    assert (problem.row, problem.column, problem.cell) == (3, "Amount", "D3")
    assert "Cell D3 holds a formula (=D2*1.019)" in problem.message
    assert state() == before
    record = AllocationUpload.objects.get()
    assert record.status == AllocationUpload.Status.REFUSED
    assert record.problems == [[3, "Amount", "D3", problem.message]]
    assert record.file  # kept, so support can reproduce it
    csv_page = client.get(f"{URL}{record.pk}/problems.csv").content.decode()
    assert "3,Amount,D3," in csv_page and record.reference in response.content.decode()


BAD_CSV = (
    "HWB,Kind,Year,Amount\n"
    "E09000999,social_care,2017/18,100\n"  # 2: no such ONS code
    "Gotham,social_care,2017/18,100\n"  # 3: no such area
    "Havering,magic money,2017/18,100\n"  # 4: no such kind
    "Havering,social_care,2015/16,100\n"  # 5: 2014-16's year
    "Havering,social_care,2020/21,100\n"  # 6: nobody's year
    "Havering,social_care,2017/19,100\n"  # 7: not a financial year
    "Havering,social_care,2017/18,lots\n"  # 8: text
    "Havering,out_of_hospital,2017/18,-5\n"  # 9: negative
    "Havering,out_of_hospital,2018/19,1.005\n"  # 10: three decimals
    "Redbridge,social_care,2017/18,\n"  # 11: blank
    'Redbridge,dfg,2017/18,"1,2345"\n'  # 12: commas not between thousands
    "Redbridge,dfg,2018/19,=1+1\n"  # 13: a formula in a CSV
    "Barnet,dfg,2017/18,1000\n"  # 14: good
    "E09000003,Disabled Facilities Grant,2017,2000\n"  # 15: a duplicate of row 14
    ",,,\n"  # blank: ignored
)


def test_every_problem_at_once_by_row_and_column_and_nothing_written(client):
    before = state()
    login(client, "admin")
    response = upload(client, BAD_CSV)
    assert response.status_code == 400
    found = {(row, column): message for row, column, message in problems_of(response)}
    assert set(found) == {
        (2, "HWB"),
        (3, "HWB"),
        (4, "Kind"),
        (5, "Year"),
        (6, "Year"),
        (7, "Year"),
        (8, "Amount"),
        (9, "Amount"),
        (10, "Amount"),
        (11, "Amount"),
        (12, "Amount"),
        (13, "Amount"),
        (15, ""),
    }
    assert found[2, "HWB"] == "No Health and Wellbeing Board has the ONS code E09000999"
    assert found[3, "HWB"].startswith("“Gotham” is not a Health and Wellbeing Board")
    assert found[4, "Kind"].startswith("“magic money” is not a kind of allocation")
    assert found[5, "Year"] == (
        "2015/16 is a year of the Better Care Fund 2014-16 round, not of this round "
        "(2017/18, 2018/19)"
    )
    assert found[6, "Year"] == "2020/21 is not a year of this round (2017/18, 2018/19)"
    assert "is not a financial year" in found[7, "Year"]
    assert found[8, "Amount"] == "“lots” is not an amount: enter pounds, like 1,234,567.89"
    assert found[9, "Amount"] == "Enter an amount of £0 or more"
    assert found[10, "Amount"] == "Enter the amount to the penny, with at most 2 decimal places"
    assert found[11, "Amount"] == "Enter the amount in pounds, like 1234567.89"
    assert "commas only between thousands" in found[12, "Amount"]
    assert "looks like a formula" in found[13, "Amount"]
    assert found[15, ""] == "Barnet, Disabled Facilities Grant 2017/18 is also on row 14"
    assert state() == before
    record = AllocationUpload.objects.get()
    assert record.status == AllocationUpload.Status.REFUSED and len(record.problems) == 13
    page = response.content.decode()
    assert "The file was not imported" in page and "Fix 13 problems" in page


@pytest.mark.parametrize(
    ("content", "row", "column", "phrase"),
    [
        ("HWB,Kind,Year\nHavering,dfg,2017\n", 1, "Amount", "The header row has no Amount column"),
        ("HWB,Kind,Year,Amount,Colour\n", 1, "Colour", "Unknown column heading"),
        ("HWB,Kind,Year,Amount\n", 0, "", "a header row but no allocations"),
        ("\ufeff\n\n", 0, "", "The file is empty"),
        ('HWB,Kind,Year,Amount\nHavering,dfg,2017,"1\n', 0, "", "not valid CSV"),
    ],
)
def test_files_that_are_not_allocations(client, content, row, column, phrase):
    login(client, "admin")
    response = upload(client, content or b"")
    assert response.status_code == 400
    assert any(
        p.row == row and p.column == column and phrase in p.message
        for p in response.context["problems"]
    ), problems_of(response)


def test_an_empty_file_is_refused_by_the_form(client):
    login(client, "admin")
    response = upload(client, b"")
    assert response.status_code == 400
    assert response.context["errors"] == [("id_file", "The file is empty")]
    assert AllocationUpload.objects.count() == 0


def test_not_utf8(client):
    login(client, "admin")
    response = upload(client, "HWB,Kind,Year,Amount\nLondres,dfg,2017,£5\n".encode("cp1252"))
    assert response.status_code == 400
    assert "not UTF-8" in response.context["problems"][0].message


def test_a_text_file_renamed_xlsx_is_refused(client):
    before = state()
    login(client, "admin")
    response = upload(client, GOOD_CSV, "minimums.xlsx", XLSX)
    assert response.status_code == 400
    [problem] = response.context["problems"]
    assert problem.row == 0 and "named .xlsx but is not an Excel workbook" in problem.message
    assert state() == before


def test_an_oversized_file_is_refused_before_it_is_read(client):
    before = state()
    login(client, "admin")
    big = b"HWB,Kind,Year,Amount\n" + b"Havering,dfg,2017,1\n" * (MAX_BYTES // 20 + 10_000)
    assert len(big) > MAX_BYTES
    response = upload(client, big)
    assert response.status_code == 413
    assert "larger than 10 MB" in response.context["problems"][0].message
    assert state() == before
    assert AllocationUpload.objects.count() == 0  # refused for size before the body is read
    # The reader refuses it too, whoever calls it.
    _rows, problems = read_allocations(big, "x.csv", Round.objects.get(slug="2017-19"))
    assert "the limit is 10 MB" in problems[0].message


def zip_bomb():
    """A few hundred KB that expand to over 100 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"0" * (1024 * 1024)
            for _ in range(101):
                member.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_is_refused_unopened(client):
    before = state()
    data = zip_bomb()
    assert len(data) < 1024 * 1024
    login(client, "admin")
    response = upload(client, data, "minimums.xlsx", XLSX)
    assert response.status_code == 400
    [problem] = response.context["problems"]
    assert "expands to more than 100 MB" in problem.message
    assert state() == before
    assert AllocationUpload.objects.get().status == AllocationUpload.Status.REFUSED


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096, "old .xls format"),
        (lambda: good_workbook()[:2000], "damaged"),
        (lambda: _with_macros(), "Macro-enabled workbooks are not accepted"),
    ],
)
def test_hostile_workbooks_are_refused(client, make, phrase):
    before = state()
    login(client, "admin")
    response = upload(client, make(), "minimums.xlsx", XLSX)
    assert response.status_code == 400
    assert phrase in response.context["problems"][0].message
    assert state() == before


def _with_macros():
    source = zipfile.ZipFile(io.BytesIO(good_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    return out.getvalue()


def test_the_minimums_changing_after_the_preview_refuses_the_write(client):
    MinimumAllocation.objects.filter(area__slug="havering", kind="social_care").delete()
    login(client, "admin")
    preview = upload(client, GOOD_CSV)
    # Someone else imports a different Havering figure meanwhile.
    MinimumAllocation.objects.filter(
        area__slug="havering", kind="out_of_hospital", year__start_year=2017
    ).update(amount=D("1"))
    before = state()
    response = confirm(client, preview)
    assert response.status_code == 409
    assert "The minimums changed since the preview" in response.content.decode()
    assert state() == before
    # The new preview can be confirmed.
    again = client.post(
        f"{URL}{preview.context['record'].pk}/confirm/",
        {"digest": response.context["changes"].digest},
    )
    assert again.status_code == 302
    assert havering() == HAVERING


def test_a_refused_upload_cannot_be_confirmed(client):
    login(client, "admin")
    refused = upload(client, BAD_CSV)
    record = refused.context["record"]
    before = state()
    response = client.post(f"{URL}{record.pk}/confirm/", {"digest": "x"})
    assert response.status_code == 400
    assert state() == before
    assert client.post(f"/rounds/2014-16/allocations/{record.pk}/confirm/").status_code == 404


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,234,567.89", D("1234567.89")),
        ("£1,234,567", D("1234567")),
        (" £ 4970629 ", D("4970629")),
        (4970629, D("4970629")),
        (4970629.5, D("4970629.5")),
        ("0", D("0")),
    ],
)
def test_amounts_as_people_type_them(value, expected):
    assert parse_amount(value) == (expected, "")


@pytest.mark.parametrize(
    "value", ["", None, "lots", "-1", "(5)", "1.001", "1,23", "1e6", True, float("nan"), 0.1 + 0.2]
)
def test_amounts_refused(value):
    amount, message = parse_amount(value)
    assert amount is None and message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017/18", 2017),
        ("2017-18", 2017),
        ("2017/2018", 2017),
        ("2017", 2017),
        (2017, 2017),
        (2017.0, 2017),
    ],
)
def test_years(value, expected):
    assert parse_year(value) == (expected, "")


@pytest.mark.parametrize("value", ["2017/19", "17/18", "next year", "", 2017.5])
def test_years_refused(value):
    start, message = parse_year(value)
    assert start is None and message
