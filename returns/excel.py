"""The return as an Excel template, pre-filled with the plan's figures and whatever
the return already holds: one sheet per part, the plan's figures locked beside yellow
input cells, and a hidden stamp tying the file to its plan, period and the version of
each part it was made from. `layout` is shared with the reader (reader.py), which
reads a completed template back defensively."""

import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from plans.models import ReturnSettings

from .forms import PartForm, form_for
from .selectors import ReturnSheet, part_versions

Part = ReturnSettings.Part
TEMPLATE = "bcf-return"
VERSION = 1
META = "_stamp"
MAX_ROWS = 5_000
SHEETS: dict[str, str] = {
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
CHOICES: dict[str, dict[Any, str]] = {"yesno": YES_NO, "milestone": MILESTONE, "rag": RAG}
UNLOCKED = Protection(locked=False)
INPUT = PatternFill("solid", fgColor="FFF7D6")
BOLD = Font(bold=True)
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


def choice_kind(choices: str, key: str) -> str:
    """The drop-down of one row's cell in a column that mixes rows of two kinds."""
    if choices == "delivery":
        return "milestone" if key.startswith("ms") else "rag"
    if choices == "budget":
        return "yesno" if key == "section_75_in_place" else ""
    return choices


def _shown(value: Any, choices: str, key: str) -> Any:
    if value in (None, ""):
        return None
    choices = choice_kind(choices, key)
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
                kind = choice_kind(column.choices, key)
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
