"""The return as an Excel template, pre-filled with the plan's figures and whatever
the return already holds, and read back defensively: the raw file is checked first
(workbook.safety), every cell is checked by the same forms as the web pages, every
problem is reported at once as Tab | Section | Cell | message, and a hidden stamp
ties the file to its plan, period and the version of each part it was made from."""

import datetime
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from plans.models import ReturnSettings
from workbook.safety import Problem, check_file, whole_file

from .forms import PartForm, form_for
from .selectors import ReturnSheet, part_versions

Part = ReturnSettings.Part
TEMPLATE = "bcf-return"
VERSION = 1
META = "_stamp"
MAX_ROWS = 5_000
SHEETS = {
    Part.BUDGET: "Budget",
    Part.CONDITIONS: "Conditions",
    Part.FINANCE: "Finance",
    Part.METRICS: "Metrics",
    Part.DELIVERY: "Delivery",
    Part.NARRATIVE: "Narrative",
    Part.SIGN_OFF: "Sign-off",
}
YES_NO = {"yes": "Yes", "no": "No", True: "Yes", False: "No"}
MILESTONE = {"done": "Done", "on_track": "On track", "slipped": "Slipped"}
RAG = {"green": "Green", "amber": "Amber", "red": "Red"}
CHOICES = {"yesno": YES_NO, "milestone": MILESTONE, "rag": RAG}
UNLOCKED = Protection(locked=False)
INPUT = PatternFill("solid", fgColor="FFF7D6")
BOLD = Font(bold=True)
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
AGAIN = "Download the return template again and copy your figures into it."


@dataclass
class Column:
    """An input column of a sheet: its header, the form field of each row key
    (`name(key)`), and the drop-down it offers, if any."""

    header: str
    name: Any
    choices: str = ""


def layout(
    sheet: ReturnSheet, form: PartForm
) -> tuple[list[str], list[tuple[str, list[Any]]], list[Column]]:
    """(fixed headers, [(row key, fixed cells)], input columns) of one part's sheet."""
    part = form.part
    if part in (Part.BUDGET, Part.NARRATIVE, Part.SIGN_OFF):
        rows = [(name, [f.label]) for name, f in form.fields.items()]
        choices = "budget" if part == Part.BUDGET else ""
        return ["Question"], rows, [Column("Answer", lambda key: key, choices)]
    if part == Part.CONDITIONS:
        rows = [(r.condition.code, [r.condition.code, r.condition.title]) for r in sheet.conditions]
        return (
            ["Code", "Condition"],
            rows,
            [
                Column("Still met? (Yes or No)", lambda key: f"met-{key}", "yesno"),
                Column("If not, why not", lambda key: f"why-{key}"),
            ],
        )
    if part == Part.FINANCE:
        rows = [
            (r.key, ["Income" if r.scheme is None else r.label, r.source.name, r.planned])
            for r in [*sheet.income, *sheet.spend]
        ]
        return (
            ["Income or scheme", "Source", "Plan (£)"],
            rows,
            [
                Column("To date (£)", lambda key: f"to-{key}"),
                Column("Forecast outturn (£)", lambda key: f"fc-{key}"),
            ],
        )
    if part == Part.METRICS:
        assert hasattr(form, "grid")
        rows = [
            (
                f"{block.metric.code}|{row.period.label}",
                [block.metric.name, row.period.label, row.planned],
            )
            for block, row, _names in form.grid
        ]
        names = {f"{block.metric.code}|{row.period.label}": n for block, row, n in form.grid}
        return (
            ["Metric", "Period", "Plan"],
            rows,
            [
                Column("Count", lambda key: names[key].get("num")),
                Column("Population", lambda key: names[key].get("den")),
                Column("Actual (if no counts)", lambda key: names[key]["val"]),
            ],
        )
    rows = [
        (f"ms-{r.item.pk}", [r.item.reference, r.item.action, r.item.due_date or r.item.due_note])
        for r in sheet.milestones
    ] + [(f"sc-{r.item.pk}", [r.item.code, r.item.name, ""]) for r in sheet.schemes]
    return (
        ["Reference", "Milestone or scheme", "Due"],
        rows,
        [
            Column(
                "Status or RAG",
                lambda key: f"{key}-status" if key.startswith("ms") else f"{key}-rag",
                "delivery",
            ),
            Column(
                "New date (slipped milestones)",
                lambda key: f"{key}-date" if key.startswith("ms") else None,
            ),
            Column(
                "Reason or comment",
                lambda key: f"{key}-reason" if key.startswith("ms") else f"{key}-comment",
            ),
        ],
    )


def _kind(choices: str, key: str) -> str:
    """The drop-down of one row's cell in a column that mixes rows of two kinds."""
    if choices == "delivery":
        return "milestone" if key.startswith("ms") else "rag"
    if choices == "budget":
        return "yesno" if key == "section_75_in_place" else ""
    return choices


def _shown(value: Any, choices: str, key: str) -> Any:
    if value in (None, ""):
        return None
    choices = _kind(choices, key)
    if choices:
        return CHOICES[choices].get(value, value)
    return value


def build_return_template(sheet: ReturnSheet) -> bytes:
    """The return as a workbook: one sheet per part, the plan's figures locked beside
    yellow input cells, drop-downs for every choice, and the hidden stamp."""
    book = Workbook()
    cover = book.active
    cover.title = "Return"
    plan, period = sheet.plan, sheet.period
    for row in (
        ["Better Care Fund return"],
        ["Area", plan.area.name],
        ["Round", plan.round.name],
        ["Return", period.label],
        ["Covers", f"{period.starts:%-d %B %Y} to {period.ends:%-d %B %Y}"],
        ["Due", f"{period.due:%-d %B %Y}"],
        [],
        [
            "Fill in the yellow cells on each sheet, save the workbook as .xlsx and upload it "
            "on the return's page."
        ],
        ["Type figures, not formulas. Leave the grey columns as they are: they are the plan."],
    ):
        cover.append(row)
    cover["A1"].font = Font(bold=True, size=14)
    for part in [p.part for p in sheet.parts]:
        form = form_for(part, None, sheet)
        ws = book.create_sheet(SHEETS[part])
        fixed, rows, columns = layout(sheet, form)
        ws.append(["Key", *fixed, *[c.header for c in columns]])
        for cell in ws[1]:
            cell.font = BOLD
        ws.column_dimensions["A"].hidden = True
        for letter in "BCDEFG":
            ws.column_dimensions[letter].width = 28
        validations = {}
        for key, cells in rows:
            values = []
            for column in columns:
                name = column.name(key)
                values.append(_shown(form.initial.get(name), column.choices, key) if name else None)
            ws.append([key, *cells, *values])
            number = ws.max_row
            for offset, column in enumerate(columns):
                if column.name(key) is None:
                    continue
                cell = ws.cell(row=number, column=2 + len(fixed) + offset)
                cell.protection, cell.fill = UNLOCKED, INPUT
                kind = _kind(column.choices, key)
                if kind:
                    if kind not in validations:
                        options = ",".join(dict.fromkeys(CHOICES[kind].values()))
                        validations[kind] = DataValidation(
                            type="list", formula1=f'"{options}"', allow_blank=True
                        )
                        ws.add_data_validation(validations[kind])
                    validations[kind].add(cell)
        ws.protection.sheet = True
    meta = book.create_sheet(META)
    meta.append(["template", TEMPLATE])
    meta.append(["version", VERSION])
    meta.append(["round", plan.round.slug])
    meta.append(["area", plan.area.slug])
    meta.append(["period", period.slug])
    for part, version in part_versions(sheet.plan_return).items():
        meta.append([f"part:{part}", version])
    meta.sheet_state = "veryHidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
                    self.problem(tab, title, where.get(name, ""), message)
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
        choices = _kind(choices, key)
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
