"""Reading an uploaded file of nationally set minimums, defensively: CSV, or an Excel
workbook (.xlsx) through the same safety checks as the planning template
(workbook.safety: size limit, zip bombs, lying zips, macros, external links, entity
declarations), read with openpyxl in read-only mode.

One row per HWB × kind × year, with a header row naming the columns (in any order):
HWB (ONS code like E09000026, or the area's name), Kind (a MinimumAllocation kind by
its label or code), Year (2017/18 or 2017) and Amount (pounds: "1,234,567.89",
"£1,234,567"). The whole file is checked before anything is written and every
problem is reported at once by row and column: an unknown HWB or kind, a year that is
not one of the round's, a duplicate row, text, a negative amount, more than 2
decimal places, a blank, or a formula (named by its cell). Nothing here writes.
"""

import csv
import datetime
import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from finance.models import MinimumAllocation
from plans.models import Area, FinancialYear, Round
from plans.ui import MAX_AMOUNT
from workbook.reader import OPEN_ERRORS, SHEET_ERRORS
from workbook.safety import MAX_UPLOAD_BYTES, check_file

MAX_BYTES = MAX_UPLOAD_BYTES
# 152 HWBs × 5 kinds × a few years is a few thousand rows; a sheet far longer than
# that is not an allocations file (or its "used range" runs to the bottom of Excel).
MAX_ROWS = 20_000
MAX_COLUMNS = 30
FORMULA_START = ("=", "+", "@")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
ZIP_MAGIC = b"PK"
# Column -> the headings accepted for it (compared lower-case, spaces collapsed).
COLUMNS = {
    "HWB": {
        "hwb",
        "hwb area",
        "area",
        "health and wellbeing board",
        "ons code",
        "hwb ons code",
        "hwb code",
        "hwb name",
    },
    "Kind": {"kind", "allocation", "minimum", "type", "allocation kind"},
    "Year": {"year", "financial year"},
    "Amount": {"amount", "amount (£)", "amount £", "£", "value", "amount in pounds"},
}
AMOUNT = re.compile(r"\A(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\Z")
YEAR = re.compile(r"\A(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?\Z")
ONS = re.compile(r"\AE\d{8}\Z")

Kind = MinimumAllocation.Kind


@dataclass(frozen=True)
class Problem:
    row: int  # 0: the whole file; 1 is usually the header row
    column: str  # the column's name (HWB, Kind, Year, Amount) or ""
    message: str
    cell: str = ""  # the spreadsheet cell, e.g. D7, for workbooks

    @property
    def where(self) -> str:
        if not self.row:
            return "The file"
        place = f"Row {self.row}" + (f", column {self.column}" if self.column else "")
        return place + (f" (cell {self.cell})" if self.cell else "")

    def as_row(self) -> list:
        return [self.row, self.column, self.cell, self.message]

    @classmethod
    def from_row(cls, row: Sequence) -> "Problem":
        number, column, cell, message = row
        return cls(int(number), str(column), str(message), str(cell))


@dataclass(frozen=True)
class AllocationRow:
    row: int
    area_id: int
    area_name: str
    kind: str  # a MinimumAllocation.Kind value
    year_id: int
    start_year: int
    amount: Decimal


@dataclass(frozen=True)
class Cell:
    """One value as read from either kind of file."""

    value: object
    ref: str = ""  # the workbook cell, "" in a CSV
    formula: bool = False
    error: bool = False


def whole(message: str) -> list[Problem]:
    return [Problem(0, "", message)]


def _key(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def area_lookup() -> dict[str, tuple[int, str]]:
    """Every way a file may name an HWB (ONS code, name, slug; compared loosely) ->
    (area id, name). One query."""
    lookup: dict[str, tuple[int, str]] = {}
    for pk, ons_code, name, slug in Area.objects.values_list("pk", "ons_code", "name", "slug"):
        for key in (ons_code, name, slug, slugify(name), name.replace("&", "and")):
            lookup[_key(key)] = (pk, name)
    return lookup


def kind_lookup() -> dict[str, str]:
    """Each kind by its code, its label and the short names people use."""
    lookup: dict[str, str] = {}
    for value, label in Kind.choices:
        lookup[_key(value)] = value
        lookup[_key(label)] = value
    extra = {
        "pooled budget": Kind.POOLED_BUDGET,
        "minimum pooled budget": Kind.POOLED_BUDGET,
        "social care": Kind.SOCIAL_CARE,
        "out of hospital": Kind.OUT_OF_HOSPITAL,
        "nhs out of hospital": Kind.OUT_OF_HOSPITAL,
        "out of hospital ring fence": Kind.OUT_OF_HOSPITAL,
        "disabled facilities grant": Kind.DFG,
        "ccg minimum": Kind.CCG_MINIMUM,
        "ccg minimum contribution": Kind.CCG_MINIMUM,
    }
    lookup.update(extra)
    return lookup


def parse_amount(value: object) -> tuple[Decimal | None, str]:
    """(pounds, "") or (None, what is wrong). Text as people type it: "1,234,567.89",
    "£1,234,567"; numbers as a workbook stores them."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "Enter the amount in pounds, like 1234567.89"
    if isinstance(value, bool):
        return None, "Enter an amount in pounds, not TRUE or FALSE"
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        return None, "This cell holds a date or time; enter the amount in pounds"
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None, "Enter an amount in pounds, like 1234567.89"
        amount = Decimal(repr(value))
    else:
        text = str(value).strip()
        shown = text[:40]
        if text.startswith(FORMULA_START):
            return None, f"“{shown}” looks like a formula; enter the amount itself"
        plain = text.replace(" ", "").replace("\u00a0", "")
        negative = plain.startswith("-") or (plain.startswith("(") and plain.endswith(")"))
        plain = plain.strip("()").lstrip("-").removeprefix("£").removeprefix("-")
        match = AMOUNT.match(plain)
        if match is None:
            if re.search(r"\d", plain) and "," in plain:
                return None, (
                    f"“{shown}” is not an amount: use commas only between thousands, "
                    "like 1,234,567.89"
                )
            return None, f"“{shown}” is not an amount: enter pounds, like 1,234,567.89"
        if negative:
            return None, "Enter an amount of £0 or more"
        if match.group(1) and len(match.group(1)) > 2:
            return None, "Enter the amount to the penny, with at most 2 decimal places"
        try:
            amount = Decimal(plain.replace(",", ""))
        except InvalidOperation:
            return None, f"“{shown}” is not an amount: enter pounds, like 1,234,567.89"
    if not amount.is_finite():
        return None, "Enter an amount in pounds, like 1234567.89"
    if amount < 0:
        return None, "Enter an amount of £0 or more"
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        return None, "Enter the amount to the penny, with at most 2 decimal places"
    if amount > MAX_AMOUNT:
        return None, "Enter an amount under £1 trillion"
    return amount.quantize(Decimal("0.01")), ""


def parse_year(value: object) -> tuple[int | None, str]:
    """(start year, "") or (None, what is wrong): 2017/18, 2017-18, 2017/2018 or 2017."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "Enter the financial year, like 2017/18"
    if isinstance(value, bool):
        return None, "Enter the financial year, like 2017/18"
    if isinstance(value, datetime.date | datetime.time):
        return None, "This cell holds a date; enter the financial year as text, like 2017/18"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    match = YEAR.match(text)
    if match is None:
        return None, f"“{text[:20]}” is not a financial year: enter it like 2017/18"
    start = int(match.group(1))
    end = match.group(2)
    if end is not None:
        expected = (start + 1) % 100 if len(end) == 2 else start + 1
        if int(end) != expected:
            return None, (
                f"“{text[:20]}” is not a financial year: a year runs from April to "
                f"March, like {start}/{(start + 1) % 100:02d}"
            )
    if not 2000 <= start <= 2100:
        return None, f"“{text[:20]}” is not a financial year: enter it like 2017/18"
    return start, ""


def _cell_text_problem(cell: Cell) -> str:
    if cell.formula:
        return (
            f"Cell {cell.ref} holds a formula ({str(cell.value)[:40]}); type the value "
            "itself, not a formula"
        )
    if cell.error:
        return f"Cell {cell.ref} holds the error {cell.value}; type the value itself"
    if isinstance(cell.value, str) and CONTROL.search(cell.value):
        return "Contains control characters"
    return ""


# -- reading each kind of file ---------------------------------------------------------


def _csv_rows(data: bytes) -> tuple[list[tuple[int, list[Cell]]], list[Problem]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [], whole(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). Save it "
            "as CSV UTF-8, or as an Excel workbook (.xlsx), and upload it again"
        )
    if "\x00" in text:
        return [], whole("The file is not CSV text: it contains NUL bytes")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[Cell]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            if number > MAX_ROWS + 1:
                return [], whole(f"The file has more than {MAX_ROWS:,} rows")
            rows.append((number, [Cell(value) for value in record[:MAX_COLUMNS]]))
    except csv.Error as error:
        return [], whole(f"The file is not valid CSV near row {reader.line_num}: {error}")
    return rows, []


def _xlsx_rows(data: bytes) -> tuple[list[tuple[int, list[Cell]]], list[Problem]]:
    unsafe = check_file(data)
    if unsafe:
        return [], [Problem(0, "", p.message) for p in unsafe]
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except OPEN_ERRORS:
        return [], whole(
            "The workbook is damaged and cannot be opened: part of it is missing or is "
            "not valid Excel content. Save it again in Excel as .xlsx and upload it again"
        )
    try:
        sheets = book.worksheets
        if not sheets:
            return [], whole("The workbook has no sheets")
        named = [s for s in sheets if s.title.strip().lower() == "allocations"]
        sheet = named[0] if named else sheets[0]
        rows: list[tuple[int, list[Cell]]] = []
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            if number > MAX_ROWS + 1:
                return [], whole(
                    f"The sheet “{sheet.title}” has more than {MAX_ROWS:,} rows. Delete "
                    "the empty rows below the figures, or copy the figures into a new "
                    "workbook, and upload it again"
                )
            row = []
            for index, cell in enumerate(cells, start=1):
                kind = getattr(cell, "data_type", "n")
                ref = f"{get_column_letter(index)}{number}"
                row.append(Cell(cell.value, ref, formula=kind == "f", error=kind == "e"))
            rows.append((number, row))
    except SHEET_ERRORS:
        return [], whole(
            "The workbook is damaged and cannot be read. Copy the figures into a new "
            "workbook, save it as .xlsx and upload it again"
        )
    finally:
        book.close()
    return rows, []


def raw_rows(data: bytes, filename: str) -> tuple[list[tuple[int, list[Cell]]], list[Problem]]:
    """(row number, cells) of the file, or the problem that stops it being read."""
    if len(data) > MAX_BYTES:
        return [], whole(
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is {MAX_BYTES // 1_048_576} MB"
        )
    if not data.strip():
        return [], whole("The file is empty")
    named_xlsx = filename.lower().endswith((".xlsx", ".xlsm", ".xls"))
    if data.startswith(OLE_MAGIC):
        return [], whole(
            "The file is password-protected or in the old .xls format. Remove any "
            "password, save it as an Excel workbook (.xlsx) or as CSV UTF-8, and upload it "
            "again"
        )
    if data.startswith(ZIP_MAGIC):
        return _xlsx_rows(data)
    if named_xlsx:
        return [], whole(
            "The file is named .xlsx but is not an Excel workbook. Open it in Excel, "
            "save it as an Excel workbook (.xlsx) or as CSV UTF-8, and upload it again"
        )
    if data.startswith(b"%PDF"):
        return [], whole("The file is a PDF, not CSV or an Excel workbook")
    return _csv_rows(data)


# -- checking the rows -------------------------------------------------------------------


def _blank(cells: Iterable[Cell]) -> bool:
    return all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells)


def _header(number: int, cells: list[Cell]) -> tuple[dict[str, int], list[Problem]]:
    found: dict[str, int] = {}
    problems = []
    for index, cell in enumerate(cells):
        text = "" if cell.value is None else str(cell.value)
        key = " ".join(text.strip().lower().split())
        if not key:
            continue
        column = next((c for c, names in COLUMNS.items() if key in names), None)
        if column is None:
            problems.append(
                Problem(
                    number,
                    text.strip()[:40],
                    "Unknown column heading: the columns are HWB, Kind, Year and Amount",
                    cell.ref,
                )
            )
        elif column in found:
            problems.append(Problem(number, column, "This column appears twice", cell.ref))
        else:
            found[column] = index
    for column in COLUMNS:
        if column not in found:
            problems.append(Problem(number, column, f"The header row has no {column} column"))
    return found, problems


def _cell_at(cells: list[Cell], index: int, row: int) -> Cell:
    if index < len(cells):
        return cells[index]
    in_workbook = any(cell.ref for cell in cells)
    return Cell(None, f"{get_column_letter(index + 1)}{row}" if in_workbook else "")


def _area(value: object, areas: dict[str, tuple[int, str]]) -> tuple[tuple[int, str] | None, str]:
    text = "" if value is None else str(value).strip()
    if not text:
        return None, "Enter the HWB's ONS code (like E09000026) or its name"
    area = areas.get(_key(text))
    if area is not None:
        return area, ""
    if ONS.match(text.upper()):
        return None, f"No Health and Wellbeing Board has the ONS code {text[:20]}"
    return None, (
        f"“{text[:60]}” is not a Health and Wellbeing Board: use its ONS code "
        "(like E09000026) or its name"
    )


def _kind(value: object, kinds: dict[str, str]) -> tuple[str | None, str]:
    text = "" if value is None else str(value).strip()
    if not text:
        return None, "Enter the kind of allocation, like Protection of social care"
    kind = kinds.get(_key(text))
    if kind is not None:
        return kind, ""
    known = "; ".join(label for _value, label in Kind.choices)
    return None, f"“{text[:60]}” is not a kind of allocation: use one of {known}"


def _year_problem(start: int, round_: Round, years: dict[int, int], rounds_of: dict) -> str:
    label = f"{start}/{(start + 1) % 100:02d}"
    own = ", ".join(f"{y}/{(y + 1) % 100:02d}" for y in sorted(years))
    others = [name for name in rounds_of.get(start, []) if name != round_.name]
    if others:
        return f"{label} is a year of the {others[0]} round, not of this round ({own})"
    return f"{label} is not a year of this round ({own})"


def check_rows(
    rows: Sequence[tuple[int, list[Cell]]], round_: Round
) -> tuple[list[AllocationRow], list[Problem]]:
    """The allocations the rows hold, or every problem in them (then no rows)."""
    body: Iterator[tuple[int, list[Cell]]] = iter(rows)
    header: tuple[int, list[Cell]] | None = None
    for number, cells in body:
        if not _blank(cells):
            header = (number, cells)
            break
    if header is None:
        return [], whole("The file is empty")
    columns, problems = _header(*header)
    if problems:
        return [], problems
    areas = area_lookup()
    kinds = kind_lookup()
    labels = dict(Kind.choices)
    years = {fy.start_year: fy.pk for fy in round_.years.all()}
    rounds_of: dict[int, list[str]] = {}
    for year_start, name in FinancialYear.objects.values_list("start_year", "rounds__name"):
        if name:
            rounds_of.setdefault(year_start, []).append(name)
    found: list[AllocationRow] = []
    first_row_of: dict[tuple[int, str, int], int] = {}
    for number, cells in body:
        if _blank(cells):
            continue
        values = {column: _cell_at(cells, index, number) for column, index in columns.items()}
        row_problems = [
            Problem(number, column, problem, cell.ref)
            for column, cell in values.items()
            if (problem := _cell_text_problem(cell))
        ]
        if row_problems:
            problems.extend(row_problems)
            continue
        area, message = _area(values["HWB"].value, areas)
        if area is None:
            row_problems.append(Problem(number, "HWB", message, values["HWB"].ref))
        kind, message = _kind(values["Kind"].value, kinds)
        if kind is None:
            row_problems.append(Problem(number, "Kind", message, values["Kind"].ref))
        start, message = parse_year(values["Year"].value)
        if start is not None and start not in years:
            message = _year_problem(start, round_, years, rounds_of)
            start = None
        if start is None:
            row_problems.append(Problem(number, "Year", message, values["Year"].ref))
        amount, message = parse_amount(values["Amount"].value)
        if amount is None:
            row_problems.append(Problem(number, "Amount", message, values["Amount"].ref))
        if row_problems or area is None or kind is None or start is None or amount is None:
            problems.extend(row_problems)
            continue
        key = (area[0], kind, start)
        if key in first_row_of:
            problems.append(
                Problem(
                    number,
                    "",
                    f"{area[1]}, {labels[kind]} {start}/{(start + 1) % 100:02d} is also on "
                    f"row {first_row_of[key]}",
                )
            )
            continue
        first_row_of[key] = number
        found.append(AllocationRow(number, area[0], area[1], kind, years[start], start, amount))
    if not problems and not found:
        return [], whole("The file has a header row but no allocations")
    return ([] if problems else found), problems


def read_allocations(
    data: bytes, filename: str, round_: Round
) -> tuple[list[AllocationRow], list[Problem]]:
    """The file's allocations for the round, or every problem in it (then no rows)."""
    rows, problems = raw_rows(data, filename)
    if problems:
        return [], problems
    return check_rows(rows, round_)
