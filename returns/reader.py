"""The completed return template read back defensively: the raw file is checked first
(workbook.safety), the hidden stamp must name this plan, period and template version,
every cell is checked by the same forms as the web pages, and every problem is
reported at once as Tab | Section | Cell | message. Nothing here writes."""

import datetime
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from workbook.safety import Problem, check_file, whole_file

from .excel import AGAIN, CHOICES, MAX_ROWS, META, SHEETS, TEMPLATE, VERSION, choice_kind, layout
from .forms import PartForm, form_for
from .selectors import ReturnSheet

SHEET_ERRORS = (ValueError, IndexError, OverflowError, ParseError, KeyError, TypeError)
OPEN_ERRORS = (
    InvalidFileException,
    KeyError,
    ValueError,
    IndexError,
    OSError,
    TypeError,
    ParseError,
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
)


@dataclass
class Parsed:
    forms: dict[str, PartForm] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)  # part -> version at download


class ReturnReader:
    def __init__(self, data: bytes, sheet: ReturnSheet) -> None:
        self.data, self.sheet = data, sheet
        self.problems: list[Problem] = []

    def problem(self, tab: str, section: str, cell: str, message: str) -> None:
        self.problems.append(Problem(tab, section, cell, message))

    def read(self) -> Parsed | None:
        self.problems = check_file(self.data)
        if self.problems:
            return None
        try:
            book = load_workbook(io.BytesIO(self.data), read_only=True, data_only=False)
        except OPEN_ERRORS:
            self.problems = [
                whole_file(
                    "The workbook is damaged and cannot be opened. Save it again in Excel as "
                    ".xlsx and upload it again."
                )
            ]
            return None
        try:
            parsed = self.read_stamp(book)
            if parsed is None:
                return None
            for status in self.sheet.parts:
                self.read_part(book, status.part, status.title, parsed)
            return None if self.problems else parsed
        finally:
            book.close()

    def read_stamp(self, book: Any) -> Parsed | None:
        if META not in book.sheetnames:
            self.problems = [
                whole_file(
                    "This is not a BCF Plans return template, or its hidden stamp was "
                    f"removed. {AGAIN}"
                )
            ]
            return None
        stamp: dict[str, Any] = {}
        try:
            for row in book[META].iter_rows(max_row=50, max_col=2, values_only=True):
                if row and isinstance(row[0], str):
                    stamp[row[0]] = row[1] if len(row) > 1 else None
        except SHEET_ERRORS:
            stamp = {}
        plan, period = self.sheet.plan, self.sheet.period
        if stamp.get("template") != TEMPLATE:
            message = (
                f"This is not a BCF Plans return template, or its hidden stamp was changed. {AGAIN}"
            )
        elif str(stamp.get("version")) != str(VERSION):
            message = (
                f"This is version {stamp.get('version')} of the return template; the "
                f"current version is {VERSION}. {AGAIN}"
            )
        elif stamp.get("round") != plan.round.slug or stamp.get("area") != plan.area.slug:
            message = (
                f"This return template is for {stamp.get('area')} in the "
                f"{stamp.get('round')} round, not {plan.area.slug} in {plan.round.slug}. "
                "Download the template from this plan's return."
            )
        elif stamp.get("period") != period.slug:
            message = (
                f"This return template is for the {stamp.get('period')} return, not "
                f"{period.slug} ({period.label}). Upload it on that return's page, or "
                "download this return's template."
            )
        else:
            versions = {}
            for key, value in stamp.items():
                if key.startswith("part:"):
                    try:
                        versions[key[5:]] = int(value)
                    except (TypeError, ValueError):
                        versions[key[5:]] = -1
            return Parsed(versions=versions)
        self.problems = [whole_file(message)]
        return None

    def read_part(self, book: Any, part: str, title: str, parsed: Parsed) -> None:
        tab = SHEETS[part]
        form = form_for(part, None, self.sheet)
        if tab not in book.sheetnames:
            self.problem(tab, title, "", f"The {tab} sheet is missing. {AGAIN}")
            return
        fixed, rows, columns = layout(self.sheet, form)
        expected = {key for key, _cells in rows}
        data: dict[str, Any] = {}
        where: dict[str, str] = {}
        seen: set[str] = set()
        first_input = 2 + len(fixed)
        width = first_input + len(columns) - 1
        try:
            rows_read = book[tab].iter_rows(min_row=2, max_row=MAX_ROWS, max_col=width)
            for number, row in enumerate(rows_read, start=2):
                key = row[0].value if row else None
                if key in (None, ""):
                    continue
                if key not in expected:
                    self.problem(
                        tab,
                        title,
                        f"A{number}",
                        f"Row {number} is not a row of this return's template; {AGAIN.lower()}",
                    )
                    continue
                seen.add(key)
                for offset, column in enumerate(columns):
                    name = column.name(key)
                    index = first_input + offset - 1
                    if name is None or index >= len(row):
                        continue
                    cell = row[index]
                    ref = f"{get_column_letter(index + 1)}{number}"
                    where[name] = ref
                    value = self.cell_value(tab, title, cell, ref, column.choices, key)
                    if value is not None:
                        data[name] = value
        except SHEET_ERRORS:
            self.problem(tab, title, "", f"The {tab} sheet is damaged and cannot be read. {AGAIN}")
            return
        for key, cells in rows:
            if key not in seen:
                self.problem(
                    tab,
                    title,
                    "",
                    f"The row for {cells[0]} is missing from the {tab} sheet. {AGAIN}",
                )
        checked = form_for(part, data, self.sheet)
        if not checked.is_valid():
            for name, messages in checked.errors.items():
                for message in messages:
                    self.problem(tab, title, where.get(name, ""), str(message))
        parsed.forms[part] = checked

    def cell_value(self, tab: str, title: str, cell: Any, ref: str, choices: str, key: str) -> Any:
        """The cell as the form reads it (text, as typed in a browser), or None."""
        value = cell.value
        if value is None:
            return None
        if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")):
            self.problem(tab, title, ref, "This cell holds a formula. Type the figure itself.")
            return None
        if cell.data_type == "e":
            self.problem(
                tab, title, ref, f"This cell holds the error {value}. Type the figure itself."
            )
            return None
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, int | float):
            try:
                return str(Decimal(str(value)))
            except InvalidOperation:
                return str(value)
        text = str(value).strip()
        choices = choice_kind(choices, key)
        if choices and text:
            reverse = {
                shown.lower(): code
                for code, shown in CHOICES[choices].items()
                if isinstance(code, str)
            }
            return reverse.get(text.lower(), text)
        return text


def read_return(data: bytes, sheet: ReturnSheet) -> tuple[Parsed | None, list[Problem]]:
    reader = ReturnReader(data, sheet)
    parsed = reader.read()
    return parsed, reader.problems
