"""Read an uploaded planning template and validate every cell, reporting every problem
at once. Nothing here writes to the database.

Values come from python-calamine (`book.Book`); the workbook's structure (sheets,
defined names) from its own small XML parts; formulas and error values from a scan of
each table's XML, so a formula is refused even though calamine reads its cached value.
The expenditure table is checked column by column (`lines.LineColumns`) with the
page's own field rules, built once; income and metrics through the pages' forms.
"""

import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from xml.etree.ElementTree import ParseError

from openpyxl.formula.tokenizer import TokenizerError
from openpyxl.utils import coordinate_to_tuple, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from finance.forms import IncomeForm

from . import layout as L
from . import money
from .book import CALAMINE_ERRORS, Book, Damaged, column_letter, number_text
from .lines import LineColumns
from .metric_sheet import MetricSheet
from .safety import Problem, check_file, merged_ranges, sheet_damage, whole_file

# What openpyxl raises while it parses a sheet's rows lazily (rounds.allocations
# reads its own uploads with openpyxl and shares these).
SHEET_ERRORS = (ValueError, IndexError, OverflowError, ParseError)
# What opening a workbook can raise on a damaged or hand-made file.
OPEN_ERRORS = (
    Damaged,
    InvalidFileException,
    *CALAMINE_ERRORS,
    KeyError,
    IndexError,
    OSError,
    TypeError,
    ParseError,
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
)
NOT_A_TEMPLATE = (
    "This is not a BCF Plans planning template, or its hidden stamp was removed. "
    "Download the template again and copy your figures into it."
)


@dataclass(slots=True)
class Cell:
    """One cell's value and where it is."""

    value: object
    coordinate: str


@dataclass
class Parsed:
    income: IncomeForm | None = None
    schemes: dict = field(default_factory=dict)  # code -> {name, theme, scheme_type}
    lines: list = field(default_factory=list)  # (scheme code, cleaned line data)
    metrics: list = field(default_factory=list)  # (table, MetricValuesForm)
    stamped: dict = field(default_factory=dict)  # table -> fingerprint at download


class Reader(MetricSheet):
    def __init__(self, data, plan):
        self.data, self.plan, self.round = data, plan, plan.round
        # read once for every sheet: the headers, income, lines and metric columns
        self.years = list(self.round.years.all())
        self.sources = list(self.round.funding_sources.order_by("order"))
        self.problems = []
        self.reported: set[tuple[str, str]] = set()
        self.nan_reported = set()

    def problem(self, sheet, section, cell, message):
        """Report a problem: one per cell, the first found (a cell refused for a
        formula is not also told it is required)."""
        if cell:
            if (sheet, cell) in self.reported:
                return
            self.reported.add((sheet, cell))
        self.problems.append(Problem(sheet, section, cell, message))

    # -- opening ---------------------------------------------------------------
    def read(self):
        self.problems = check_file(self.data)
        if self.problems:
            return None
        try:
            self.book = Book(self.data)
        except OPEN_ERRORS:
            self.problems = [
                whole_file(
                    "The workbook is damaged and cannot be opened: part of it is missing "
                    "or is not valid Excel content. Save it again in Excel as .xlsx and "
                    "upload it again."
                )
            ]
            return None
        try:
            if not self.check_stamp() or not self.check_sheets():
                return None
            parsed = Parsed(stamped=self.content_stamp())
            # Every sheet whose layout is usable is checked, so one upload lists every
            # problem of every sheet.
            rows = {name: self.table_rows(name) for name in L.HEADER_NAMES}
            if rows[L.INCOME] is not None:
                parsed.income = self.read_income(rows[L.INCOME])
            if rows[L.EXPENDITURE] is not None:
                self.read_expenditure(rows[L.EXPENDITURE], parsed)
            if rows[L.METRICS] is not None:
                self.read_metrics(rows[L.METRICS], parsed)
            return None if self.problems else parsed
        finally:
            self.book.close()

    def destination(self, name, what):
        """((sheet, ref without $), None) for where a defined name points, or
        (None, message) when it points nowhere usable."""
        again = "Download the template again and copy your figures into it."
        defined = self.book.defined_names[name]
        try:
            found = next(defined.destinations, None)
        except (TokenizerError, IndexError, ValueError, AttributeError, TypeError):
            # openpyxl: unbalanced quotes, an empty name, or a range with no sheet
            # (its pattern does not match and .group is called on None).
            found = None
        if found is None or not found[1]:
            if "#REF!" in (defined.value or "").upper():
                return None, f"{what} points at a cell that was deleted (#REF!). {again}"
            return None, f"{what} does not point at a cell. {again}"
        sheet_name, ref = found
        if sheet_name not in self.book.sheetnames:
            return None, (
                f"{what} points at a sheet that is not in the workbook ('{sheet_name[:40]}'). "
                f"{again}"
            )
        return (sheet_name, ref.replace("$", "")), None

    def damaged(self, sheet_name):
        """Report where a sheet could not be parsed (its XML is read again only now)."""
        cell, message = sheet_damage(
            self.book.archive,
            self.book.paths[sheet_name],
            self.book.shared_count(),
            sheet_name,
        )
        self.problem(sheet_name, "Cells" if cell else "Workbook", cell, message)

    def damaged_cell(self, sheet_name):
        cell, _message = sheet_damage(
            self.book.archive, self.book.paths[sheet_name], self.book.shared_count(), sheet_name
        )
        return cell

    def check_stamp(self):
        names = self.book.defined_names
        found, damaged = {}, None
        for name, meaning in L.STAMP.items():
            if name not in names or L.META not in self.book.sheetnames:
                self.problems = [whole_file(NOT_A_TEMPLATE)]
                return False
            where, fault = self.destination(name, f"The template's hidden stamp ({name})")
            if fault is None:
                sheet_name, ref = where
                try:
                    coordinate_to_tuple(ref)
                except ValueError:
                    fault = (
                        f"The template's hidden stamp ({name}) should point at one cell, "
                        f"not {ref or 'nothing'}. Download the template again and copy your "
                        "figures into it."
                    )
            if fault is not None:
                self.problems = [whole_file(fault)]
                return False
            try:
                found[meaning] = self.book.cell(sheet_name, ref)
            except CALAMINE_ERRORS:
                # calamine refuses the whole sheet: name the stamp whose cell is damaged
                damaged = damaged or self.damaged_cell(sheet_name) or ref
                found[meaning] = None
                if damaged == ref or name == list(L.STAMP)[-1]:
                    self.problems = [
                        whole_file(
                            f"The template's hidden stamp ({name}) is damaged and cannot be "
                            "read. Download the template again and copy your figures into it."
                        )
                    ]
                    return False
        if str(found["version"]) != str(L.TEMPLATE_VERSION):
            message = (
                f"This is version {found['version']} of the template; the current version "
                f"is {L.TEMPLATE_VERSION}. Download the template again."
            )
        elif found["round"] != self.round.slug:
            message = (
                f"This template is for the {found['round']} round, not {self.round.slug}. "
                "Download the template for this plan's round."
            )
        elif found["area"] not in ("", None, self.plan.area.slug):
            message = (
                f"This template is for {found['area']}, not {self.plan.area.slug}. "
                "Upload it to that area's plan, or download this area's template."
            )
        else:
            return True
        self.problems = [whole_file(message)]
        return False

    def content_stamp(self):
        """{table: fingerprint at download}; empty for a blank template. A damaged or
        missing fingerprint only loses the staleness check for that table."""
        found = {}
        for name, table in L.CONTENT_STAMP.items():
            if name not in self.book.defined_names:
                continue
            where, fault = self.destination(name, "The template's content stamp")
            if fault is None:
                try:
                    value = self.book.cell(*where)
                except CALAMINE_ERRORS:
                    continue
                found[table] = str(value) if value else None
        return found

    def check_sheets(self):
        for name in L.REQUIRED_SHEETS:
            if name not in self.book.sheetnames:
                self.problem(
                    name,
                    "Workbook",
                    "",
                    f"The {name} sheet is missing or was renamed. "
                    "Put it back as it was in the template.",
                )
        return not self.problems

    def header_row(self, sheet_name):
        """The table's header row number (found by defined name), or None after
        reporting why the marker is unusable."""
        name = L.HEADER_NAMES[sheet_name]
        if name not in self.book.defined_names:
            self.problem(
                sheet_name,
                "Workbook",
                "",
                "The table's marker was removed; download the template again.",
            )
            return None
        what = f"The marker for this table's header row ({name})"
        where, fault = self.destination(name, what)
        header_row = None
        if where is not None and where[0] != sheet_name:
            fault = f"{what} points at the {where[0]} sheet instead of this one."
        elif where is not None:
            try:
                _min_col, header_row, _max_col, _ = range_boundaries(where[1])
            except ValueError:
                header_row = None
            if header_row is None:
                fault = (
                    f"{what} does not point at the table's header row. Download the "
                    "template again and copy your figures into it."
                )
        if fault is not None:
            self.problem(sheet_name, "Workbook", "", fault)
            return None
        return header_row

    def table_rows(self, sheet_name):
        """The rows under the table's header as (row number, [values]), each as wide
        as the table, after checking its columns; None if the layout is broken."""
        header_row = self.header_row(sheet_name)
        if header_row is None:
            return None
        for ref_ in merged_ranges(self.book.archive, self.book.paths[sheet_name]):
            self.problem(sheet_name, "Layout", ref_, "Merged cells are not allowed; unmerge them.")
        far, bad_date = self.book.scan(sheet_name)
        if far is None and bad_date is None:
            try:
                values = self.book.values(sheet_name)
            except CALAMINE_ERRORS:
                bad_date = "damaged"
        if bad_date is not None:
            self.damaged(sheet_name)
            return None
        if far is None and len(values) - header_row > L.MAX_SHEET_ROWS:
            far = header_row + L.MAX_SHEET_ROWS + 1
        if far is not None:
            self.problem(
                sheet_name,
                "Layout",
                f"A{far}",
                f"The sheet has more than {L.MAX_SHEET_ROWS:,} rows; a plan never needs that many.",
            )
            return None
        if sheet_name == L.METRICS:
            expected = self.metric_columns.headers()
        else:
            expected = L.expected_headers(self.round, self.years)[sheet_name]
        width = len(expected)
        found = values[header_row - 1] if len(values) >= header_row else []
        header = [None if h == "" else h for h in found]
        while header and header[-1] is None:
            header.pop()
        if header != expected:
            for index in range(max(len(header), len(expected))):
                got = header[index] if index < len(header) else None
                want = expected[index] if index < len(expected) else None
                if got != want:
                    cell = f"{column_letter(index)}{header_row}"
                    if want is None:
                        message = f"Unexpected column '{got}': remove it."
                    elif got is None:
                        message = f"Column '{want}' is missing: put it back."
                    else:
                        message = f"This column should be '{want}', not '{got}'."
                    self.problem(sheet_name, "Columns", cell, message)
            return None
        rows = []
        for number, row in enumerate(values[header_row:], header_row + 1):
            if len(row) < width:  # short rows: pad with empty cells
                row = row + [""] * (width - len(row))
            rows.append((number, row))
        return self._drop_trailing_blanks(sheet_name, rows, width)

    def _drop_trailing_blanks(self, sheet_name, rows, width):
        def blank(values):
            return all(v in (None, "") for v in values[:width])

        while rows and blank(rows[-1][1]):
            rows.pop()
        kept = []
        for number, values in rows:
            if blank(values):
                self.problem(
                    sheet_name,
                    "Rows",
                    f"A{number}",
                    "Blank row between rows of data: delete it so the rows are together.",
                )
                continue
            kept.append((number, values))
        return kept

    # -- cells -----------------------------------------------------------------
    @staticmethod
    def at(number, index, row):
        return Cell(row[index], f"{column_letter(index)}{number}")

    def value(self, sheet, cell, section, column=""):
        """A cell's value as text for a field: formulas and error values are refused,
        the message naming the `column`."""
        value = cell.value

        def named(message):
            return f"{column}: {message}" if column else message[:1].upper() + message[1:]

        if (isinstance(value, str) and value.startswith("=")) or (
            cell.coordinate in self.book.formulas.get(sheet, ())
        ):
            self.problem(
                sheet,
                section,
                cell.coordinate,
                named("enter a value, not a formula, in this cell."),
            )
            return None
        error = self.book.errors.get(sheet, {}).get(cell.coordinate)
        if error is not None:
            self.problem(
                sheet,
                section,
                cell.coordinate,
                named(f"this cell holds the error {error[:20]}; enter a value instead."),
            )
            return None
        if type(value) is float and value != value:
            # NaN: calamine's reading of a number cell holding text
            if sheet not in self.nan_reported:
                self.nan_reported.add(sheet)
                self.damaged(sheet)
            return None
        return number_text(value)

    def amount(self, sheet, cell, section, column):
        """An amount cell as pounds, for the page's money field (None, reported, where
        it cannot be one); messages name the `column` and speak in the sheet's unit."""
        in_thousands = self.round.amounts_in_thousands
        if isinstance(cell.value, date | time | timedelta):
            self.problem(
                sheet,
                section,
                cell.coordinate,
                f"{column}: this cell holds a date or time, not an amount: "
                + money.messages(in_thousands)["required"]
                + ".",
            )
            return None
        raw = self.value(sheet, cell, section, column)
        if raw in (None, ""):
            return raw
        pounds = money.in_pounds(raw, in_thousands)
        if pounds is None:
            self.problem(
                sheet, section, cell.coordinate, f"{column}: {money.too_large(raw, in_thousands)}."
            )
        return pounds

    def form_problems(self, sheet, section, form, cells, columns):
        """Map a money form's errors to the cells their fields came from, one message
        a cell, naming its column, in the sheet's unit."""
        for name, errors in form.errors.as_data().items():
            for error in errors:
                message = money.message(error, self.round.amounts_in_thousands)
                column = columns.get(name)
                self.problem(
                    sheet,
                    section,
                    cells.get(name, ""),
                    f"{column}: {message}." if column else f"{message[:1].upper()}{message[1:]}.",
                )

    # -- sheets ----------------------------------------------------------------
    def read_income(self, rows):
        sources = {s.code: s for s in self.sources}
        data, cells, columns = {}, {}, {}
        for number, row in rows:
            code = row[0]
            if code not in sources:
                self.problem(
                    L.INCOME,
                    "Income",
                    f"A{number}",
                    f"Source code: '{str(code)[:40]}' is not a funding source of this round.",
                )
                continue
            for offset, year in enumerate(self.years):
                cell = self.at(number, 2 + offset, row)
                name = IncomeForm.field_name(sources[code], year)
                columns[name] = L.year_header(year, self.round.amounts_in_thousands)
                data[name] = self.amount(L.INCOME, cell, "Income", columns[name])
                cells[name] = cell.coordinate
        form = IncomeForm(data, sources=list(sources.values()), years=self.years, amounts={})
        if not form.is_valid():
            self.form_problems(L.INCOME, "Income", form, cells, columns)
        return form

    def read_expenditure(self, rows, parsed):
        LineColumns(self).read(rows, parsed)


def read_template(data, plan):
    """(Parsed or None, [Problem])."""
    reader = Reader(data, plan)
    parsed = reader.read()
    return parsed, reader.problems
