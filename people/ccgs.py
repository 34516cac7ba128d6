"""Reading an uploaded CSV of clinical commissioning groups, defensively.

Columns (a header row, in any order): ODS code, name, and the Health and Wellbeing
Boards the CCG serves as ONS codes or area names separated by ";". The whole file is
checked before anything is written and every problem is reported at once by row and
column: not UTF-8, not CSV at all (an Excel workbook renamed), too large, a blank or
over-long value, a duplicate code, an unknown HWB, or a cell a spreadsheet would run
as a formula (refused: no CCG's name starts with "=", "+", "-" or "@").
"""

import csv
import io
import re
from dataclasses import dataclass

from django.utils.text import slugify

from plans.models import Area, ClinicalCommissioningGroup

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
MAX_CELL = 2000
CODE_MAX = ClinicalCommissioningGroup._meta.get_field("code").max_length or 10
NAME_MAX = ClinicalCommissioningGroup._meta.get_field("name").max_length or 200
CODE_PATTERN = re.compile(r"\A[A-Z0-9]+\Z")
FORMULA_START = ("=", "+", "-", "@")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Column -> the header names accepted for it (compared lower-case, spaces collapsed).
COLUMNS = {
    "ODS code": {"ods code", "code", "ods", "ccg code"},
    "Name": {"name", "ccg name", "ccg"},
    "HWBs": {"hwbs", "hwb", "areas", "hwb areas", "health and wellbeing boards"},
}
# What a file that is not CSV text starts with.
BINARY_STARTS = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF",
}


@dataclass(frozen=True)
class Problem:
    row: int  # 0: the whole file; 1: the header row
    column: str
    message: str

    @property
    def where(self) -> str:
        if not self.row:
            return "The file"
        return f"Row {self.row}" + (f", column {self.column}" if self.column else "")


@dataclass(frozen=True)
class CcgRow:
    row: int
    code: str
    name: str
    area_codes: tuple[str, ...]  # ONS codes, sorted


def _whole(message: str) -> tuple[list[CcgRow], list[Problem]]:
    return [], [Problem(0, "", message)]


def _text(data: bytes) -> tuple[str | None, list[Problem]]:
    if len(data) > MAX_BYTES:
        return None, [Problem(0, "", f"The file is larger than {MAX_BYTES // 1024 // 1024} MB")]
    for start, what in BINARY_STARTS.items():
        if data.startswith(start):
            return None, [
                Problem(
                    0,
                    "",
                    f"The file is {what}, not CSV. In Excel choose File > Save as > "
                    "CSV UTF-8 and upload that file",
                )
            ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [
            Problem(
                0,
                "",
                f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). "
                "Save it as CSV UTF-8 and upload it again",
            )
        ]
    if "\x00" in text:
        return None, [Problem(0, "", "The file is not CSV text: it contains NUL bytes")]
    if not text.strip():
        return None, [Problem(0, "", "The file is empty")]
    return text, []


def _area_lookup() -> dict[str, str]:
    """Every way a file may name an HWB (ONS code, name, slug; lower case) -> ONS code."""
    lookup: dict[str, str] = {}
    for ons_code, name, slug in Area.objects.values_list("ons_code", "name", "slug"):
        for key in (ons_code, name, slug, slugify(name)):
            lookup[" ".join(key.lower().split())] = ons_code
    return lookup


def _header(cells: list[str]) -> tuple[dict[str, int], list[Problem]]:
    found: dict[str, int] = {}
    problems = []
    for index, cell in enumerate(cells):
        key = " ".join(cell.strip().lower().split())
        column = next((c for c, names in COLUMNS.items() if key in names), None)
        if column is None:
            problems.append(
                Problem(1, cell.strip()[:40] or f"{index + 1}", "Unknown column heading")
            )
        elif column in found:
            problems.append(Problem(1, column, "This column appears twice"))
        else:
            found[column] = index
    for column in COLUMNS:
        if column not in found:
            problems.append(Problem(1, column, f"The header row has no {column} column"))
    return found, problems


def _cell_problem(value: str, limit: int) -> str | None:
    if CONTROL.search(value):
        return "Contains control characters"
    if value.startswith(FORMULA_START):
        return (
            f"Starts with “{value[0]}”, like a spreadsheet formula; enter the value as plain text"
        )
    if len(value) > limit:
        return f"Longer than {limit} characters ({len(value)})"
    return None


def read_ccg_file(data: bytes) -> tuple[list[CcgRow], list[Problem]]:
    """The file's CCGs, or every problem in it (then no rows)."""
    text, problems = _text(data)
    if text is None:
        return [], problems
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = []
        for record in reader:
            records.append(record)
            if len(records) > MAX_ROWS + 1:
                return _whole(f"The file has more than {MAX_ROWS} CCGs")
    except csv.Error as error:
        return _whole(f"The file is not valid CSV near row {reader.line_num}: {error}")
    if not records:
        return _whole("The file is empty")
    columns, problems = _header(records[0])
    if problems:
        return [], problems
    lookup = _area_lookup()
    rows: list[CcgRow] = []
    first_row_of: dict[str, int] = {}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        if len(record) > len(records[0]):
            problems.append(
                Problem(number, "", f"Has {len(record)} cells; the header has {len(records[0])}")
            )
            continue
        cells = {c: (record[i].strip() if i < len(record) else "") for c, i in columns.items()}
        ok = True
        code = cells["ODS code"].upper()
        if not code:
            problems.append(Problem(number, "ODS code", "Enter the CCG's ODS code, like 07M"))
            ok = False
        elif problem := _cell_problem(code, CODE_MAX):
            problems.append(Problem(number, "ODS code", problem))
            ok = False
        elif not CODE_PATTERN.match(code):
            problems.append(
                Problem(number, "ODS code", "Use letters and numbers only, like 07M or 00X")
            )
            ok = False
        elif code in first_row_of:
            problems.append(
                Problem(number, "ODS code", f"{code} is also on row {first_row_of[code]}")
            )
            ok = False
        else:
            first_row_of[code] = number
        name = " ".join(cells["Name"].split())
        if not name:
            problems.append(Problem(number, "Name", "Enter the CCG's name"))
            ok = False
        elif problem := _cell_problem(cells["Name"], NAME_MAX):
            problems.append(Problem(number, "Name", problem))
            ok = False
        areas: set[str] = set()
        hwbs = cells["HWBs"]
        if not hwbs.strip(" ;"):
            problems.append(
                Problem(number, "HWBs", "Enter the HWBs the CCG serves, separated by ;")
            )
            ok = False
        elif len(hwbs) > MAX_CELL:
            problems.append(Problem(number, "HWBs", f"Longer than {MAX_CELL} characters"))
            ok = False
        else:
            for part in hwbs.split(";"):
                key = " ".join(part.lower().split())
                if not key:
                    continue
                if key not in lookup:
                    shown = part.strip()[:60]
                    problems.append(
                        Problem(
                            number,
                            "HWBs",
                            f"“{shown}” is not a Health and Wellbeing Board: use its ONS "
                            "code (like E09000003) or its name",
                        )
                    )
                    ok = False
                else:
                    areas.add(lookup[key])
        if ok:
            rows.append(CcgRow(number, code, name, tuple(sorted(areas))))
    if not problems and not rows:
        return _whole("The file has a header row but no CCGs")
    return ([] if problems else rows), problems
