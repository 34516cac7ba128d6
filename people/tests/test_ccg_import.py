"""The CCG file: checked whole, every problem by row and column, a preview, then one
transaction; a bad file writes nothing."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from people import actions
from people.ccgs import read_ccg_file
from plans.models import ClinicalCommissioningGroup
from plans.tests.helpers import login

from .helpers import area, user

pytestmark = pytest.mark.django_db
HEADER = "ODS code,Name,HWBs\n"


def state():
    return sorted(
        (ccg.code, ccg.name, tuple(sorted(a.slug for a in ccg.areas.all())))
        for ccg in ClinicalCommissioningGroup.objects.prefetch_related("areas")
    )


def upload(client, content, name="ccgs.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post("/reference/ccgs/", {"file": SimpleUploadedFile(name, data, "text/csv")})


def problems_of(response):
    return [(p.row, p.column, p.message) for p in response.context["problems"]]


GOOD = (
    "\ufeff"  # Excel's "CSV UTF-8" starts with a byte order mark
    + HEADER
    + "07M,NHS Barnet CCG,E09000003\n"  # unchanged
    + "08F,NHS Havering Clinical Commissioning Group,havering\n"  # renamed
    + "07L,NHS Barking and Dagenham CCG,Barking and Dagenham;Havering\n"  # HWB added
    + "99Z,NHS Test CCG,E09000003; redbridge\n"  # new
    + "\n"  # a blank line is ignored
)


def test_only_national_administrators_import_ccgs(client):
    for name in ("bhr.commissioner", "london.reviewer"):
        login(client, name)
        assert client.get("/reference/ccgs/").status_code == 403
        assert upload(client, GOOD).status_code == 403
        assert client.post("/reference/ccgs/confirm/", {"sha": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.import_ccgs(user=user("bhr.commissioner"), data=GOOD.encode(), expected="")


def test_a_good_file_is_previewed_then_written(client):
    before = state()
    login(client, "admin")
    preview = upload(client, GOOD)
    assert preview.status_code == 200
    assert state() == before  # the preview writes nothing
    changes = preview.context["changes"]
    assert [c.code for c in changes.new] == ["99Z"]
    assert changes.new[0].areas == ["Barnet", "Redbridge"]
    changed = {c.code: c for c in changes.changed}
    assert set(changed) == {"08F", "07L"}
    assert changed["08F"].old_name == "NHS Havering CCG"
    assert changed["07L"].added == ["Havering"] and changed["07L"].removed == []
    assert changes.unchanged == 1
    page = preview.content.decode()
    assert "Confirm and import" in page and "NHS Havering CCG → NHS Havering Clinical" in page

    response = client.post(
        "/reference/ccgs/confirm/",
        {"sha": preview.context["sha"], "digest": changes.digest},
    )
    assert response.status_code == 302
    after = dict((code, (name, areas)) for code, name, areas in state())
    assert after["99Z"] == ("NHS Test CCG", ("barnet", "redbridge"))
    assert after["08F"] == ("NHS Havering Clinical Commissioning Group", ("havering",))
    assert after["07L"][1] == ("barking-and-dagenham", "havering")
    assert "01E" in after  # CCGs not in the file stay
    # The same file again changes nothing.
    again = upload(client, GOOD)
    assert again.context["changes"].count == 0
    assert "nothing to import" in again.content.decode()


def test_the_write_refuses_a_preview_the_data_has_moved_on_from(client):
    login(client, "admin")
    preview = upload(client, GOOD)
    ClinicalCommissioningGroup.objects.filter(code="07M").update(name="Renamed meanwhile")
    before = state()
    response = client.post(
        "/reference/ccgs/confirm/",
        {"sha": preview.context["sha"], "digest": preview.context["changes"].digest},
    )
    assert response.status_code == 409
    assert state() == before
    assert "changed since the preview" in response.content.decode()


def test_a_confirm_without_a_preview_writes_nothing(client):
    login(client, "admin")
    before = state()
    response = client.post("/reference/ccgs/confirm/", {"sha": "abc", "digest": "def"})
    assert response.status_code == 302
    assert state() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            HEADER + "07M,NHS Barnet CCG,E09000099\n",
            [(2, "HWBs", "“E09000099” is not a Health and Wellbeing Board")],
        ),
        (
            HEADER + "07M,NHS Barnet CCG,barnet\n08F,NHS Havering CCG,havering\n07m,Again,barnet\n",
            [(4, "ODS code", "07M is also on row 2")],
        ),
        (HEADER + "07M,,barnet\n", [(2, "Name", "Enter the CCG's name")]),
        (HEADER + ",NHS Barnet CCG,barnet\n", [(2, "ODS code", "Enter the CCG's ODS code")]),
        (HEADER + "07M,NHS Barnet CCG,\n", [(2, "HWBs", "Enter the HWBs")]),
        (
            HEADER + f"07M,{'N' * 201},barnet\n",
            [(2, "Name", "Longer than 200 characters (201)")],
        ),
        (HEADER + "07MABCDEFGHIJ,NHS Barnet CCG,barnet\n", [(2, "ODS code", "Longer than 10")]),
        (HEADER + "07/M,NHS Barnet CCG,barnet\n", [(2, "ODS code", "Use letters and numbers")]),
        (
            HEADER + '07M,"=HYPERLINK(""http://evil.example"",""click"")",barnet\n',
            [(2, "Name", "Starts with “=”, like a spreadsheet formula")],
        ),
        (HEADER + "07M,@SUM(A1),barnet\n", [(2, "Name", "Starts with “@”")]),
        (
            HEADER + "07M,NHS Barnet CCG,=HYPERLINK(1)\n",
            [(2, "HWBs", "“=HYPERLINK(1)” is not a Health and Wellbeing Board")],
        ),
        (HEADER + "07M,NHS Barnet CCG,barnet,extra\n", [(2, "", "Has 4 cells")]),
        ("Code,Name,Areas,Colour\n", [(1, "Colour", "Unknown column heading")]),
        ("Code,Name\n07M,x\n", [(1, "HWBs", "The header row has no HWBs column")]),
        (HEADER, [(0, "", "The file has a header row but no CCGs")]),
        ("\n\n", [(0, "", "The file is empty")]),
        (HEADER + '07M,"NHS Barnet CCG,barnet\n', [(0, "", "The file is not valid CSV")]),
    ],
)
def test_a_bad_file_writes_nothing_and_says_where(client, content, expected):
    login(client, "admin")
    before = state()
    response = upload(client, content)
    assert response.status_code == 400
    found = problems_of(response)
    assert len(found) == len(expected), found
    for (row, column, message), (want_row, want_column, want_message) in zip(
        found, expected, strict=True
    ):
        assert (row, column) == (want_row, want_column), found
        assert message.startswith(want_message), found
    assert state() == before
    assert "The file was not imported" in response.content.decode()
    assert "Confirm and import" not in response.content.decode()


def test_an_empty_upload_is_refused(client):
    login(client, "admin")
    response = upload(client, "")
    assert response.status_code == 400
    assert "The file is empty" in response.content.decode()


def test_every_problem_is_reported_in_one_pass(client):
    content = (
        HEADER
        + "07M,NHS Barnet CCG,E09000099;barnet\n"
        + ",No code,barnet\n"
        + "07M,Duplicate,barnet\n"
        + "12X,,Nowhere\n"
        + "08F,NHS Havering CCG,havering\n"
    )
    login(client, "admin")
    response = upload(client, content)
    assert [(row, column) for row, column, _m in problems_of(response)] == [
        (2, "HWBs"),
        (3, "ODS code"),
        (4, "ODS code"),
        (5, "Name"),
        (5, "HWBs"),
    ]
    page = response.content.decode()
    assert "Fix 5 problems" in page


def test_a_file_that_is_not_utf8_is_refused(client):
    login(client, "admin")
    before = state()
    response = upload(client, (HEADER + "07M,NHS Bärnet CCG,barnet\n").encode("cp1252"))
    assert response.status_code == 400
    assert problems_of(response)[0][2].startswith("The file is not UTF-8 text")
    assert state() == before


def test_an_excel_workbook_renamed_csv_is_refused(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as workbook:
        workbook.writestr("[Content_Types].xml", "<Types/>")
        workbook.writestr("xl/workbook.xml", "<workbook/>")
    login(client, "admin")
    response = upload(client, buffer.getvalue(), name="ccgs.csv")
    assert response.status_code == 400
    assert "Excel workbook (.xlsx)" in problems_of(response)[0][2]
    assert "CSV UTF-8" in problems_of(response)[0][2]


def test_an_oversized_file_is_refused(client):
    login(client, "admin")
    before = state()
    big = HEADER + ("07M,NHS Barnet CCG,barnet\n" * 50_000)
    assert len(big) > 1024 * 1024
    response = upload(client, big)
    assert response.status_code == 413
    assert "larger than 1 MB" in problems_of(response)[0][2]
    assert state() == before
    # The reader refuses it too, whoever calls it.
    assert read_ccg_file(big.encode())[1][0].message == "The file is larger than 1 MB"


def test_nul_bytes_and_binary_are_refused():
    rows, problems = read_ccg_file(HEADER.encode() + b"07M,NHS\x00 Barnet,barnet\n")
    assert rows == [] and "NUL" in problems[0].message
    rows, problems = read_ccg_file(b"%PDF-1.7 ...")
    assert rows == [] and "PDF" in problems[0].message


def test_headings_are_matched_loosely_and_areas_by_ons_code_name_or_slug():
    rows, problems = read_ccg_file(
        b"HWBs ,  ods CODE,Name\nE09000002; Havering ;redbridge,07l,  NHS  BHR   CCG \n"
    )
    assert problems == []
    assert rows[0].code == "07L" and rows[0].name == "NHS BHR CCG"
    assert rows[0].area_codes == tuple(
        sorted(
            a.ons_code for a in (area("barking-and-dagenham"), area("havering"), area("redbridge"))
        )
    )
