"""Read an uploaded planning template (openpyxl, read-only) and validate every cell,
reporting every problem at once. Nothing here writes to the database.

Cells are checked by the same forms the web pages use (income, expenditure lines,
metric values), so a value refused in the browser is refused in Excel too.
"""

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation, Overflow
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.formula.tokenizer import TokenizerError
from openpyxl.utils import coordinate_to_tuple, get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from finance.forms import IncomeForm
from schemes.forms import ExpenditureLineForm, scheme_id_problem

from . import layout as L
from .metric_sheet import MetricSheet
from .safety import Problem, check_file, merged_ranges, sheet_damage, whole_file

# What openpyxl raises while it parses a sheet's rows lazily: a value it cannot cast
# (ValueError, IndexError for a shared string that is not there, OverflowError) or XML
# that is not well-formed (ParseError).
SHEET_ERRORS = (ValueError, IndexError, OverflowError, ParseError)
# What opening a workbook can raise on a damaged or hand-made file.
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
NOT_A_TEMPLATE = (
    "This is not a BCF Plans planning template, or its hidden stamp was removed. "
    "Download the template again and copy your figures into it."
)

SCHEME_FIELDS = {"Scheme ID": ("code", 30), "Scheme name": ("name", 200), "Theme": ("theme", 200)}
LINE_COLUMNS = {
    "Area of spend": "area_of_spend",
    "Commissioner": "commissioner",
    "% NHS": "nhs_share",
    "% LA": "la_share",
    "Provider type": "provider_type",
    "Provider": "provider",
    "Funding source": "source",
    "Recurrence": "recurrence",
}


@dataclass
class EmptyCell:
    """Stands in for a cell missing from a short row."""

    row: int
    column: int
    value: object = None
    data_type: str = "n"

    @property
    def coordinate(self):
        return f"{get_column_letter(self.column)}{self.row}"


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
        self.years = list(self.round.years.all())
        self.problems = []
        self.unreadable = set()

    def problem(self, sheet, section, cell, message):
        self.problems.append(Problem(sheet, section, cell, message))

    # -- opening ---------------------------------------------------------------
    def read(self):
        self.problems = check_file(self.data)
        if self.problems:
            return None
        try:
            self.book = load_workbook(io.BytesIO(self.data), read_only=True, data_only=False)
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
            rows = {name: self.table_rows(name) for name in L.HEADER_NAMES}
            if any(value is None for value in rows.values()):
                return None
            parsed.income = self.read_income(rows[L.INCOME])
            self.read_expenditure(rows[L.EXPENDITURE], parsed)
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
        except (TokenizerError, IndexError, ValueError, AttributeError):
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
        """Report where a sheet could not be parsed."""
        sheet = self.book[sheet_name]
        cell, message = sheet_damage(
            self.book._archive, sheet._worksheet_path, len(sheet._shared_strings), sheet_name
        )
        self.problem(sheet_name, "Cells" if cell else "Workbook", cell, message)

    def check_stamp(self):
        names = self.book.defined_names
        found = {}
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
                found[meaning] = self.book[sheet_name][ref].value
            except SHEET_ERRORS:
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
                    value = self.book[where[0]][where[1]].value
                except SHEET_ERRORS:
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

    def table_rows(self, sheet_name):
        """The rows under the table's header (found by defined name), as lists of cells,
        after checking its columns; None if the layout is broken."""
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
        sheet = self.book[sheet_name]
        # The stated dimension can be wrong (or a lie): read every row there is, so no
        # data beyond it is silently ignored.
        sheet.reset_dimensions()
        merged = merged_ranges(self.book._archive, sheet._worksheet_path)
        for ref_ in merged:
            self.problem(sheet_name, "Layout", ref_, "Merged cells are not allowed; unmerge them.")
        labels = [p.label for p in self._periods()] if sheet_name == L.METRICS else []
        expected = L.expected_headers(self.round, self.years, labels)[sheet_name]
        rows = []
        header = None
        for number, row in enumerate(self._rows(sheet, sheet_name, header_row), header_row):
            if number - header_row > L.MAX_SHEET_ROWS:
                self.problem(
                    sheet_name,
                    "Layout",
                    f"A{number}",
                    f"The sheet has more than "
                    f"{L.MAX_SHEET_ROWS:,} rows; a plan never needs that many.",
                )
                return None
            if header is None:
                header = [c.value for c in row]
                continue
            cells = list(row)
            if len(cells) < len(expected):  # short rows: pad with empty cells
                cells += [
                    EmptyCell(number, len(cells) + i + 1) for i in range(len(expected) - len(cells))
                ]
            rows.append((number, cells))
        if sheet_name in self.unreadable:
            return None
        header = [h for h in (header or [])]
        while header and header[-1] in (None, ""):
            header.pop()
        if header != expected:
            for index in range(max(len(header), len(expected))):
                got = header[index] if index < len(header) else None
                want = expected[index] if index < len(expected) else None
                if got != want:
                    cell = f"{get_column_letter(index + 1)}{header_row}"
                    if want is None:
                        message = f"Unexpected column '{got}': remove it."
                    elif got is None:
                        message = f"Column '{want}' is missing: put it back."
                    else:
                        message = f"This column should be '{want}', not '{got}'."
                    self.problem(sheet_name, "Columns", cell, message)
            return None
        return self._drop_trailing_blanks(sheet_name, rows, len(expected))

    def _rows(self, sheet, sheet_name, min_row):
        """The sheet's rows, parsed lazily by openpyxl; if one cannot be parsed, the
        damage is reported where it is and the rows stop."""
        rows = sheet.iter_rows(min_row=min_row)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except SHEET_ERRORS:
                self.unreadable.add(sheet_name)
                self.damaged(sheet_name)
                return
            yield row

    def _drop_trailing_blanks(self, sheet_name, rows, width):
        def blank(cells):
            return all(c.value in (None, "") for c in cells[:width])

        while rows and blank(rows[-1][1]):
            rows.pop()
        kept = []
        for number, cells in rows:
            if blank(cells):
                self.problem(
                    sheet_name,
                    "Rows",
                    f"A{number}",
                    "Blank row between rows of data: delete it so the rows are together.",
                )
                continue
            kept.append((number, cells))
        return kept

    # -- cells -----------------------------------------------------------------
    def value(self, sheet, cell, section):
        """A cell's value for a form: formulas are refused, numbers passed as text."""
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
            self.problem(
                sheet, section, cell.coordinate, "Enter a value, not a formula, in this cell."
            )
            return None
        value = cell.value
        if cell.data_type == "e":
            self.problem(
                sheet,
                section,
                cell.coordinate,
                f"This cell holds the error {str(value)[:20]}; enter a value instead.",
            )
            return None
        if isinstance(value, float | int) and not isinstance(value, bool):
            return str(Decimal(str(value)))
        return "" if value is None else str(value).strip()

    def amount(self, sheet, cell, section):
        unit = "£000" if self.round.amounts_in_thousands else "pounds"
        if isinstance(cell.value, date | time | timedelta):
            self.problem(
                sheet,
                section,
                cell.coordinate,
                f"This cell holds a date or time, not an amount: enter the amount in {unit}.",
            )
            return None
        raw = self.value(sheet, cell, section)
        if raw in (None, "") or not self.round.amounts_in_thousands:
            return raw
        try:
            return str(
                (Decimal(raw.replace(",", "").removeprefix("£")) * L.THOUSAND).quantize(
                    Decimal("0.01")
                )
            )
        except InvalidOperation:
            return raw  # the form reports it
        except Overflow:  # e.g. 1E+999999999: beyond what Decimal can multiply
            self.problem(
                sheet,
                section,
                cell.coordinate,
                f"'{raw[:20]}' is far larger than any amount in a plan: enter the amount "
                f"in {unit}.",
            )
            return None

    def form_problems(self, sheet, section, form, cells):
        """Map a form's errors to the cells their fields came from."""
        for name, messages in form.errors.items():
            for message in messages:
                self.problem(sheet, section, cells.get(name, ""), message)

    # -- sheets ----------------------------------------------------------------
    def read_income(self, rows):
        sources = {s.code: s for s in self.round.funding_sources.order_by("order")}
        data, cells = {}, {}
        for number, row in rows:
            code = row[0].value
            if code not in sources:
                self.problem(
                    L.INCOME,
                    "Income",
                    f"A{number}",
                    f"'{code}' is not a funding source of this round.",
                )
                continue
            for offset, year in enumerate(self.years):
                cell = row[2 + offset]
                name = IncomeForm.field_name(sources[code], year)
                data[name] = self.amount(L.INCOME, cell, "Income")
                cells[name] = cell.coordinate
        form = IncomeForm(data, sources=list(sources.values()), years=self.years, amounts={})
        if not form.is_valid():
            self.form_problems(L.INCOME, "Income", form, cells)
        return form

    def _lookups(self, choices):
        """{field: {name in the sheet: pk}}, from the lists the line forms already read,
        plus scheme types."""
        lookups = {
            field: {str(item): pk for pk, item in instances.items()}
            for field, (_choices, instances) in choices.items()
            if field != "year"
        }
        lookups["scheme_type"] = {t.name: t for t in self.round.schemetype_set.all()}
        return lookups

    def read_expenditure(self, rows, parsed):
        choices = ExpenditureLineForm.list_choices(self.round)
        lookups = self._lookups(choices)
        columns = {title: i for i, title in enumerate(L.EXPENDITURE_FIXED)}
        first_seen = {}
        for number, row in rows:
            get = {title: row[i] for title, i in columns.items()}
            scheme = {}
            for title, (key, limit) in SCHEME_FIELDS.items():
                scheme[key] = self.value(L.EXPENDITURE, get[title], "Schemes") or ""
                if len(scheme[key]) > limit:
                    self.problem(
                        L.EXPENDITURE,
                        "Schemes",
                        get[title].coordinate,
                        f"{title} is longer than {limit} characters.",
                    )
            if not scheme["code"] or not scheme["name"]:
                self.problem(
                    L.EXPENDITURE,
                    "Schemes",
                    get["Scheme ID"].coordinate,
                    "Every row needs a scheme ID and a scheme name.",
                )
                continue
            type_name = self.value(L.EXPENDITURE, get["Scheme type"], "Schemes")
            if type_name and type_name not in lookups["scheme_type"]:
                self.problem(
                    L.EXPENDITURE,
                    "Schemes",
                    get["Scheme type"].coordinate,
                    f"'{type_name}' is not a scheme type of this round.",
                )
            scheme["scheme_type"] = lookups["scheme_type"].get(type_name)
            code = scheme["code"]
            if scheme_id_problem(code):
                self.problem(
                    L.EXPENDITURE,
                    "Schemes",
                    get["Scheme ID"].coordinate,
                    f"Scheme ID {code!r}: {scheme_id_problem(code)}.",
                )
                continue
            if code in first_seen and first_seen[code][1] != (scheme["name"], scheme["theme"]):
                self.problem(
                    L.EXPENDITURE,
                    "Schemes",
                    get["Scheme ID"].coordinate,
                    f"Scheme ID {code} is already used for a different scheme in row "
                    f"{first_seen[code][0]}: each scheme needs its own ID.",
                )
                continue
            first_seen.setdefault(code, (number, (scheme["name"], scheme["theme"])))
            parsed.schemes.setdefault(code, scheme)
            self._read_lines(number, row, get, code, lookups, choices, parsed)

    def _read_lines(self, number, row, get, code, lookups, choices, parsed):
        base, cells = {}, {}
        for title, name in LINE_COLUMNS.items():
            raw = self.value(L.EXPENDITURE, get[title], "Expenditure")
            cells[name] = get[title].coordinate
            if name in lookups and raw:
                if raw not in lookups[name]:
                    self.problem(
                        L.EXPENDITURE,
                        "Expenditure",
                        get[title].coordinate,
                        f"'{raw}' is not in this round's list for {title.lower()}.",
                    )
                    raw = ""
                else:
                    raw = str(lookups[name][raw])
            elif name == "recurrence":
                if raw and raw not in L.RECURRENCE:
                    self.problem(
                        L.EXPENDITURE,
                        "Expenditure",
                        get[title].coordinate,
                        "Choose Recurrent or Non-recurrent.",
                    )
                raw = L.RECURRENCE.get(raw or "Recurrent", "recurrent")
            base[name] = raw or ""
        for offset, year in enumerate(self.years):
            cell = row[len(L.EXPENDITURE_FIXED) + offset]
            amount = self.amount(L.EXPENDITURE, cell, "Expenditure")
            if amount in (None, ""):
                continue
            data = base | {"year": str(year.pk), "amount": amount}
            form = ExpenditureLineForm(data, round=self.round, choices=choices)
            if form.is_valid():
                parsed.lines.append((code, form.cleaned_data))
            else:
                self.form_problems(
                    L.EXPENDITURE,
                    "Expenditure",
                    form,
                    cells | {"amount": cell.coordinate, "year": cell.coordinate},
                )


def read_template(data, plan):
    """(Parsed or None, [Problem])."""
    reader = Reader(data, plan)
    parsed = reader.read()
    return parsed, reader.problems
