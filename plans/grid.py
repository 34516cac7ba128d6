"""Grids: a formset edited as a table, as people would in a spreadsheet, a row per form
and an input in each cell (the include `includes/grid.html`, enhanced by
`assets/grid.mjs`). Without JavaScript it is an ordinary form: blank rows to fill in,
a "Remove" box on each saved row, totals as they were when the page was drawn."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django import forms
from django.db.models.fields import BLANK_CHOICE_LABEL

from .ui import MoneyFormField


@dataclass(frozen=True)
class Column:
    """One column of a grid: the form field it edits and how its cells look."""

    name: str
    label: str = ""  # the header; the form field's label when empty
    width: str = ""  # a GOV.UK width class for the input, e.g. "govuk-input--width-10"
    total: bool = False  # summed in the grid's footer (money columns)
    # Shown only while another field of the row has one of these values, e.g. the NHS
    # and LA shares only for a jointly commissioned line: ("commissioner", ("7",)).
    # The server's validation does not change; without JavaScript the cell is shown.
    shown_when: tuple[str, tuple[str, ...]] | None = None
    computed: str = ""  # not an input: the row's instance attribute shown ("score")
    product: tuple[str, ...] = ()  # ...which the page works out again as these multiply


@dataclass
class Cell:
    column: Column
    field: Any  # the BoundField, or None for a computed cell
    label: str  # what a screen reader hears: "Line 2: Amount"
    value: Any = None  # a computed cell's figure

    @property
    def money(self):
        return self.field is not None and isinstance(self.field.field, MoneyFormField)

    @property
    def shown_when_name(self):
        """The posted name of the field this cell depends on, in the same row."""
        if not self.column.shown_when or self.field is None:
            return ""
        return self.field.form.add_prefix(self.column.shown_when[0])

    @property
    def shown_when_values(self):
        return " ".join(self.column.shown_when[1]) if self.column.shown_when else ""


@dataclass
class Row:
    form: Any
    number: int
    title: str
    cells: list[Cell] = field(default_factory=list)
    delete: Any = None  # the DELETE BoundField of a saved row that may be removed
    new: bool = False


def _amount(value):
    if value in (None, ""):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip().removeprefix("£").replace(",", "").replace(" ", ""))
    except InvalidOperation:
        return None


def column_totals(rows):
    """[sum per column] of rows of bound money fields, reading what each holds now."""
    totals: list[Decimal] = []
    for fields in rows:
        for index, bound in enumerate(fields):
            if index == len(totals):
                totals.append(Decimal(0))
            totals[index] += _amount(bound.value()) or 0
    return totals


class Grid:
    """A formset shown as a table. `row_title(form, number)` names each row ("Line 2",
    "Risk R3") in labels and the error summary; `group_by` names a column whose
    choices split the totals (the year of an expenditure line)."""

    def __init__(
        self,
        formset,
        columns,
        *,
        caption,
        row_label,
        row_title=None,
        can_edit=True,
        group_by="",
        add_label="",
    ):
        self.formset = formset
        self.columns = [c if isinstance(c, Column) else Column(c) for c in columns]
        self.caption = caption
        self.row_label = row_label
        self.row_title = row_title or (lambda form, number: f"{row_label} {number}")
        self.can_edit = can_edit
        self.group_by = group_by
        self.add_label = add_label or f"Add another {row_label.lower()}"
        self.prefix = formset.prefix

    @cached_property
    def headers(self):
        fields = self.formset.empty_form.fields
        return [
            (column, column.label or fields[column.name].label)
            for column in self.columns
            if (column.computed and all(name in fields for name in column.product))
            or column.name in fields
        ]

    def _row(self, form, number, new=False):
        title = f"New {self.row_label.lower()}" if new else self.row_title(form, number)
        row = Row(form=form, number=number, title=title, new=new or not form.instance.pk)
        for column, header in self.headers:
            if column.computed:
                value = getattr(form.instance, column.computed, None) if not new else None
                row.cells.append(Cell(column, None, f"{title}: {header}", value))
            else:
                row.cells.append(Cell(column, form[column.name], f"{title}: {header}"))
        if (
            self.can_edit
            and getattr(self.formset, "can_delete", False)
            and form.instance.pk
            and "DELETE" in form.fields
        ):
            row.delete = form["DELETE"]
        return row

    @cached_property
    def rows(self):
        return [self._row(form, n) for n, form in enumerate(self.formset.forms, 1)]

    def template_row(self):
        """The row that "Add another" copies (its names carry `__prefix__`)."""
        return self._row(self.formset.empty_form, 0, new=True)

    def total_columns(self):
        return [column.name for column in self.columns if column.total]

    def totals(self):
        """[(group label or "", {column: total})], groups first, then the grand total,
        from what the rows hold now (what was typed, if the page is shown again)."""
        grand = defaultdict(Decimal)
        groups: dict[str, dict[str, Decimal]] = {}
        for form in self.formset.forms:
            if form.is_bound and form.prefix + "-DELETE" in form.data:
                continue
            group = self._group_label(form) if self.group_by else ""
            for name in self.total_columns():
                amount = _amount(form[name].value())
                if amount is None:
                    continue
                grand[name] += amount
                if group:
                    groups.setdefault(group, defaultdict(Decimal))[name] += amount
        found = [(label, dict(values)) for label, values in sorted(groups.items())]
        return [*found, ("", dict(grand))] if len(found) != 1 else [("", dict(grand))]

    def _group_label(self, form):
        bound = form[self.group_by]
        value = bound.value()
        value = getattr(value, "pk", value)
        for key, label in bound.field.choices:
            if str(key) == str(value) and key not in ("", None):
                return str(label)
        return ""


EMPTY_CHOICE = "Select"
DJANGO_EMPTY_LABELS = ("---------", str(BLANK_CHOICE_LABEL))


def one_empty_choice(form, label=EMPTY_CHOICE):
    """Every drop-down of the form offers one empty choice in the same words (Django
    mixes "---------" and "- Select an option -"); choices a form names itself, such
    as "Not scored", are kept."""
    for each in form.fields.values():
        if isinstance(each, forms.ModelChoiceField):
            if each.empty_label is not None:
                each.empty_label = label
        elif isinstance(each, forms.ChoiceField) and isinstance(each.widget, forms.Select):
            choices = list(each.choices)
            if (
                choices
                and choices[0][0] in ("", None)
                and str(choices[0][1]) in DJANGO_EMPTY_LABELS
            ):
                each.choices = [("", label), *choices[1:]]
