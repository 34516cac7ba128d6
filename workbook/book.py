"""An uploaded workbook as the reader sees it: sheet names, sheet parts and defined
names from the zip's own XML (small parts, parsed once), cell values from
python-calamine, and what calamine reads too kindly (formulas, error values, dates
that are not dates) from one scan of each table sheet's XML.

`safety.check_file` has already refused damaged zips, oversized parts and any XML
document type or entity declaration, so the parts parsed here are plain XML.
"""

import io
import math
import re
import zipfile
from datetime import datetime
from decimal import Decimal
from xml.etree.ElementTree import fromstring

import python_calamine
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_ISO8601
from openpyxl.workbook.defined_name import DefinedName

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# What calamine raises on a cell or part it cannot read.
CALAMINE_ERRORS = (python_calamine.CalamineError, python_calamine.XmlError, ValueError)

REF = re.compile(rb'\br="([A-Za-z]{1,3}[0-9]+)"')
VALUE = re.compile(rb"<v>([^<]*)</v>")
# Cell and row references are found in the XML as letters then digits: mapped to "A"
# and "0", a reference far down (5 digits: row 10,000 or later) or far right (3
# letters: column AAA or later) is found by plain byte search, then checked.
SHAPE = bytes.maketrans(
    bytes(range(65, 91)) + bytes(range(97, 123)) + b"0123456789", b"A" * 52 + b"0" * 10
)
LETTERS = [get_column_letter(n) for n in range(1, 101)]


def number_text(value: object) -> str:
    """A cell's value (not a formula, an error or NaN) as the text a field reads."""
    if type(value) is float:
        return str(int(value)) if value.is_integer() else str(Decimal(str(value)))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return "" if value is None else str(value).strip()


def column_letter(index: int) -> str:
    """Letter of a 0-based column index."""
    return LETTERS[index] if index < len(LETTERS) else get_column_letter(index + 1)


def cells_with(data: bytes, marker: bytes):
    """(reference, the cell's XML) for each cell of a sheetData holding `marker`: found
    by byte search, so a sheet with none costs one scan."""
    at = data.find(marker)
    while at >= 0:
        start = data.rfind(b"<c ", 0, at)
        end = data.find(b"</c>", at)
        end = len(data) if end < 0 else end
        if start >= 0:
            ref = REF.search(data, start, data.find(b">", start) + 1)
            if ref:
                yield ref.group(1).decode().upper(), data[start:end]
        at = data.find(marker, max(end, at + 1))


def far_reference(xml: bytes, rows: int = 10_000) -> int | None:
    """The row number of a cell or row (its r attribute) at row `rows` or later or
    beyond column ZZ, or None. Anything else (a selection, a validation's range) is
    not laid out by the parser and is left alone."""
    shape = xml.translate(SHAPE)
    for marker in (b'00000"', b'="AAA0'):
        at = shape.find(marker)
        while at >= 0:
            quote = xml.rfind(b'="', 0, at + 2)
            name = xml[xml.rfind(b" ", 0, quote) + 1 : quote]
            end = xml.find(b'"', quote + 2)
            if name == b"r" and end > 0:
                digits = xml[quote + 2 : end].lstrip(bytes(range(65, 91)) + bytes(range(97, 123)))
                number = int(digits) if digits.isdigit() else 0
                if number >= rows or marker.startswith(b"="):
                    return max(number, 1)
            at = shape.find(marker, at + 1)
    return None


class Damaged(Exception):
    """A part of the workbook (workbook.xml or its relationships) is not usable XML."""


class Book:
    def __init__(self, data: bytes) -> None:
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.members = {name.lower(): name for name in self.archive.namelist()}
        workbook = self._xml("xl/workbook.xml")
        targets = self._relationships("xl/_rels/workbook.xml.rels")
        self.paths: dict[str, str] = {}
        sheets = workbook.find(f"{MAIN}sheets")
        for sheet in [] if sheets is None else sheets.findall(f"{MAIN}sheet"):
            path = targets.get(sheet.get(OFFICE_REL) or "")
            if path and path.lower() in self.members and sheet.get("name"):
                self.paths[sheet.get("name")] = self.members[path.lower()]
        self.sheetnames = list(self.paths)
        self.defined_names: dict[str, DefinedName] = {}
        names = workbook.find(f"{MAIN}definedNames")
        for element in [] if names is None else names.findall(f"{MAIN}definedName"):
            name = element.get("name")
            if name and element.get("localSheetId") is None:
                self.defined_names[name] = DefinedName(name, attr_text=element.text)
        self.calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        self._values: dict[str, list[list]] = {}
        self.formulas: dict[str, set[str]] = {}
        self.errors: dict[str, dict[str, str]] = {}

    def _xml(self, name):
        member = self.members.get(name)
        if member is None:
            raise Damaged(name)
        try:
            return fromstring(self.archive.read(member))  # noqa: S314 (see check_file)
        except SyntaxError as error:  # ParseError
            raise Damaged(name) from error

    def _relationships(self, name):
        found = {}
        for rel in self._xml(name).iter(PACKAGE_REL):
            target = rel.get("Target") or ""
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            found[rel.get("Id") or ""] = target
        return found

    def part(self, sheet_name: str) -> bytes:
        return self.archive.read(self.paths[sheet_name])

    def shared_count(self) -> int:
        member = self.members.get("xl/sharedstrings.xml")
        return self.archive.read(member).count(b"<si") if member else 0

    def scan(self, sheet_name: str) -> tuple[int | None, str | None]:
        """Read the sheet's XML once for what calamine does not say: formula cells,
        error values, dates that are not dates. Returns (far row number, bad date
        cell): a row too far down to lay out, or a date cell to report as damaged."""
        xml = self.part(sheet_name)
        far = far_reference(xml, rows=25_000)
        if far is not None:
            return far, None
        start = xml.find(b"<sheetData")
        data = xml[start : xml.find(b"</sheetData>", start)] if start >= 0 else b""
        self.formulas[sheet_name] = {
            ref for marker in (b"<f>", b"<f ", b"<f/>") for ref, _cell in cells_with(data, marker)
        }
        self.errors[sheet_name] = {}
        for ref, cell in cells_with(data, b't="e"'):
            value = VALUE.search(cell)
            self.errors[sheet_name][ref] = value.group(1).decode() if value else "#VALUE!"
        for ref, cell in cells_with(data, b't="d"'):
            value = VALUE.search(cell)
            try:
                if value is None or not isinstance(from_ISO8601(value.group(1).decode()), datetime):
                    raise ValueError
            except (ValueError, TypeError):
                return None, ref
        return None, None

    def values(self, sheet_name: str) -> list[list]:
        """Every row of the sheet from A1, each as wide as the sheet, as calamine gives
        them (text, floats, dates, booleans, "" for empty; NaN where a number cell
        holds something that is not a number: the reader reports it).
        Raises one of CALAMINE_ERRORS where a cell or the XML cannot be read."""
        if sheet_name not in self._values:
            sheet = self.calamine.get_sheet_by_name(sheet_name)
            self._values[sheet_name] = sheet.to_python(skip_empty_area=False)
        return self._values[sheet_name]

    def cell(self, sheet_name: str, ref: str):
        """One cell's value by reference (e.g. B3); None where the sheet has none."""
        column = re.match(r"[A-Z]+", ref)
        if column is None:
            return None
        letters = column.group(0)
        number = 0
        for letter in letters:
            number = number * 26 + ord(letter) - 64
        row = int(ref[len(letters) :]) - 1
        rows = self.values(sheet_name)
        if row >= len(rows) or number - 1 >= len(rows[row]):
            return None
        value = rows[row][number - 1]
        if type(value) is float:
            if math.isnan(value):
                raise ValueError("NaN")
            return int(value) if value.is_integer() else value
        return None if value == "" else value

    def close(self) -> None:
        self.archive.close()
        self.calamine.close()
