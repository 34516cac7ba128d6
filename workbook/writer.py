"""Write the planning template with openpyxl: blank for a round, or pre-filled for a
plan. Input cells are unlocked and carry drop-downs from the round's lists; headers
and formula cells are locked; the Summary's totals are live Excel formulas."""

import io
from collections import defaultdict
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from finance.models import IncomeLine
from metrics.selectors import metric_tables
from schemes.models import ExpenditureLine, Scheme

from . import fingerprints
from . import layout as L
from .cells import (
    BOLD,
    HEADER_FILL,
    POUNDS,
    THOUSANDS,
    UNLOCKED,
    define_name,
    header_row,
    protect,
    text,
)
from .checklist import Summary, add_checklist, add_ring_fences
from .checklist import lists as checklist_lists
from .metric_sheet import write_metrics
from .reference_sheets import add_reference_sheets


def _lists(workbook, round_):
    """A hidden Lists sheet with one named range per drop-down."""
    sheet = workbook.create_sheet(L.LISTS)
    lists = {
        "lst_source": [s.name for s in round_.funding_sources.filter(parent__isnull=True)],
        "lst_scheme_type": [t.name for t in round_.schemetype_set.all()],
        "lst_area_of_spend": [a.name for a in round_.areaofspend_set.all()],
        "lst_commissioner": [c.name for c in round_.commissionertype_set.all()],
        "lst_provider_type": [p.name for p in round_.providertype_set.all()],
        "lst_recurrence": list(L.RECURRENCE),
        **checklist_lists(round_),
    }
    for column, (name, values) in enumerate(lists.items(), 1):
        sheet.cell(row=1, column=column, value=name)
        for row, value in enumerate(values, 2):
            text(sheet.cell(row=row, column=column), value)
        letter = get_column_letter(column)
        define_name(workbook, name, L.LISTS, f"${letter}$2:${letter}${max(2, len(values) + 1)}")
    sheet.sheet_state = "hidden"
    protect(sheet)


def _drop_down(sheet, list_name, column, first_row, last_row):
    validation = DataValidation(
        type="list",
        formula1=f"={list_name}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not in the list",
        error="Choose a value from the drop-down list.",
    )
    letter = get_column_letter(column)
    validation.add(f"{letter}{first_row}:{letter}{last_row}")
    sheet.add_data_validation(validation)


def _stamp(workbook, round_, area, plan):
    sheet = workbook.create_sheet(L.META)
    values = {
        "round": round_.slug,
        "area": area.slug if area else "",
        "version": L.TEMPLATE_VERSION,
    }
    names = dict(L.STAMP)
    if plan is not None:
        values |= fingerprints.stored(plan, metric_tables(plan))
        names |= L.CONTENT_STAMP
    for row, (name, meaning) in enumerate(names.items(), 1):
        sheet.cell(row=row, column=1, value=meaning)
        text(sheet.cell(row=row, column=2), values[meaning])
        define_name(workbook, name, L.META, f"$B${row}")
    sheet.sheet_state = "veryHidden"
    protect(sheet)


def _money(cell, amount, in_thousands):
    if amount is not None:
        cell.value = (amount / L.THOUSAND) if in_thousands else amount
    cell.number_format = THOUSANDS if in_thousands else POUNDS


def _cover(workbook, round_, area, plan):
    sheet = workbook.active
    sheet.title = L.COVER
    unit = "£ thousands (£000)" if round_.amounts_in_thousands else "pounds (£)"
    rows = [
        ("BCF planning template", ""),
        ("Round", round_.name),
        ("Health and Wellbeing Board", area.name if area else "Blank template: any area"),
        ("Plan status", plan.status_label if plan else ""),
        ("Template version", L.TEMPLATE_VERSION),
        ("Amounts are in", unit),
        ("", ""),
        (
            "How to use",
            "Fill in the Income, Expenditure and Metrics sheets in the white "
            "cells; grey cells are headings or not used. Choose list values from the "
            "drop-downs. Upload the file back to BCF Plans: every problem is listed with "
            "its sheet and cell, and nothing is imported until there are none.",
        ),
    ]
    for number, (label, value) in enumerate(rows, 1):
        sheet.cell(row=number, column=1, value=label).font = BOLD
        text(sheet.cell(row=number, column=2), value)
    sheet["A1"].font = Font(bold=True, size=16)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
    sheet["B8"].alignment = Alignment(wrap_text=True)
    protect(sheet)


def _income(workbook, round_, years, plan):
    sheet = workbook.create_sheet(L.INCOME)
    sheet["A1"] = "Income into the pooled budget by funding source and year"
    sheet["A1"].font = BOLD
    headers = L.expected_headers(round_, years)[L.INCOME]
    header_row(sheet, 3, headers, L.HEADER_NAMES[L.INCOME], workbook)
    amounts = {}
    if plan is not None:
        amounts = {
            (line.source_id, line.year_id): line.amount
            for line in IncomeLine.objects.filter(plan=plan)
        }
    for row, source in enumerate(round_.funding_sources.order_by("order"), 4):
        sheet.cell(row=row, column=1, value=source.code)
        sheet.cell(
            row=row, column=2, value=("of which: " if source.parent_id else "") + source.name
        )
        for column, year in enumerate(years, 3):
            cell = sheet.cell(row=row, column=column)
            _money(cell, amounts.get((source.pk, year.pk)), round_.amounts_in_thousands)
            cell.protection = UNLOCKED
    sheet.column_dimensions["B"].width = 45
    protect(sheet)


def _line_rows(plan):
    """One row per scheme line, with the amount for each year: lines alike in all but
    their year share a row."""
    if plan is None:
        return []
    rows = defaultdict(dict)
    order = []
    lines = (
        ExpenditureLine.objects.filter(scheme__plan=plan)
        .select_related(
            "scheme",
            "scheme__scheme_type",
            "source",
            "year",
            "area_of_spend",
            "commissioner",
            "provider_type",
        )
        .order_by("scheme__order", "scheme__code", "pk")
    )
    for line in lines:
        key = (
            line.scheme_id,
            line.source_id,
            line.area_of_spend_id,
            line.commissioner_id,
            line.nhs_share,
            line.la_share,
            line.provider_type_id,
            line.provider,
            line.recurrence,
        )
        occurrence = 0
        while line.year.start_year in rows.get((key, occurrence), {}).get("amounts", {}):
            occurrence += 1
        slot = rows[(key, occurrence)]
        if not slot:
            slot.update(line=line, amounts={})
            order.append((key, occurrence))
        slot["amounts"][line.year.start_year] = line.amount
    with_lines = {key[0] for key, _ in order}
    out = [rows[k] for k in order]
    for scheme in Scheme.objects.filter(plan=plan).select_related("scheme_type"):
        if scheme.pk not in with_lines:
            out.append({"scheme": scheme, "amounts": {}})
    return out


def _expenditure(workbook, round_, years, plan):
    sheet = workbook.create_sheet(L.EXPENDITURE)
    sheet["A1"] = "Expenditure: one row per scheme line, with the amount for each year"
    sheet["A1"].font = BOLD
    headers = L.expected_headers(round_, years)[L.EXPENDITURE]
    header_row(sheet, 3, headers, L.HEADER_NAMES[L.EXPENDITURE], workbook)
    recurrence = {v: k for k, v in L.RECURRENCE.items()}
    rows = _line_rows(plan)
    for number, slot in enumerate(rows, 4):
        line = slot.get("line")
        scheme = line.scheme if line else slot["scheme"]
        values = [
            scheme.code,
            scheme.name,
            scheme.theme,
            str(scheme.scheme_type or "")
            if not (scheme.scheme_type and scheme.scheme_type.is_other)
            else scheme.scheme_type.name,
            scheme.lead_provider,
            scheme.joint_lead_provider,
        ]
        if line is not None:
            values += [
                str(line.area_of_spend or ""),
                str(line.commissioner or ""),
                line.nhs_share,
                line.la_share,
                str(line.provider_type or ""),
                line.provider,
                line.source.name,
                recurrence[line.recurrence],
            ]
        for column, value in enumerate(values, 1):
            text(sheet.cell(row=number, column=column), value if value != "" else None)
        for column, year in enumerate(years, len(L.EXPENDITURE_FIXED) + 1):
            _money(
                sheet.cell(row=number, column=column),
                slot["amounts"].get(year.start_year),
                round_.amounts_in_thousands,
            )
    last = 3 + max(L.MAX_INPUT_ROWS, len(rows) + 200)
    for row in sheet.iter_rows(min_row=4, max_row=last, max_col=len(headers)):
        for cell in row:
            cell.protection = UNLOCKED
    for column in range(len(L.EXPENDITURE_FIXED) + 1, len(headers) + 1):
        for (cell,) in sheet.iter_rows(min_row=4, max_row=last, min_col=column, max_col=column):
            cell.number_format = THOUSANDS if round_.amounts_in_thousands else POUNDS
    for list_name, title in (
        ("lst_scheme_type", "Scheme type"),
        ("lst_area_of_spend", "Area of spend"),
        ("lst_commissioner", "Commissioner"),
        ("lst_provider_type", "Provider type"),
        ("lst_source", "Funding source"),
        ("lst_recurrence", "Recurrence"),
    ):
        _drop_down(sheet, list_name, L.EXPENDITURE_FIXED.index(title) + 1, 4, last)
    protect(sheet)
    return last


def _summary(workbook, round_, years, last_row):
    sheet = workbook.create_sheet(L.SUMMARY)
    sheet["A1"] = "Summary: income and expenditure by funding source (live formulas)"
    sheet["A1"].font = BOLD
    unit = "£000" if round_.amounts_in_thousands else "£"
    headers = ["Funding source"]
    for year in years:
        headers += [
            f"Income {year.label} ({unit})",
            f"Expenditure {year.label} ({unit})",
            f"Difference {year.label} ({unit})",
        ]
    for column, title in enumerate(headers, 1):
        cell = sheet.cell(row=3, column=column, value=title)
        cell.font, cell.fill = BOLD, HEADER_FILL
        sheet.column_dimensions[get_column_letter(column)].width = 20
    sources = list(round_.funding_sources.filter(parent__isnull=True).order_by("order"))
    first_year_column = len(L.EXPENDITURE_FIXED) + 1
    source_column = L.expenditure_letter("Funding source")
    for number, source in enumerate(sources, 4):
        text(sheet.cell(row=number, column=1), source.name)
        codes = [source.code] + [p.code for p in source.parts.all()]
        for index in range(len(years)):
            income_col = get_column_letter(3 + index)
            spend_col = get_column_letter(first_year_column + index)
            income = "+".join(
                f'SUMIFS(Income!${income_col}$4:${income_col}$200,Income!$A$4:$A$200,"{code}")'
                for code in codes
            )
            spend = (
                f"SUMIFS(Expenditure!${spend_col}$4:${spend_col}${last_row},"
                f"Expenditure!${source_column}$4:${source_column}${last_row},$A{number})"
            )
            base = 2 + index * 3
            sheet.cell(row=number, column=base, value=f"={income}")
            sheet.cell(row=number, column=base + 1, value=f"={spend}")
            sheet.cell(
                row=number,
                column=base + 2,
                value=f"={get_column_letter(base)}{number}-{get_column_letter(base + 1)}{number}",
            )
    total_row = 4 + len(sources)
    sheet.cell(row=total_row, column=1, value="Total").font = BOLD
    for column in range(2, len(headers) + 1):
        letter = get_column_letter(column)
        cell = sheet.cell(
            row=total_row, column=column, value=f"=SUM({letter}4:{letter}{total_row - 1})"
        )
        cell.font = BOLD
        for (each,) in sheet.iter_rows(
            min_row=4, max_row=total_row, min_col=column, max_col=column
        ):
            each.number_format = THOUSANDS if round_.amounts_in_thousands else POUNDS
    protect(sheet)
    return Summary(sheet, 4, total_row)


def build_template(round_, plan=None):
    """The template as .xlsx bytes: pre-filled from `plan`, or blank for `round_`."""
    area = plan.area if plan is not None else None
    years = list(round_.years.all())
    workbook = Workbook()
    _cover(workbook, round_, area, plan)
    _income(workbook, round_, years, plan)
    last_row = _expenditure(workbook, round_, years, plan)
    placed = write_metrics(workbook, round_, plan)
    summary = _summary(workbook, round_, years, last_row)
    add_ring_fences(workbook, round_, years, plan, last_row, summary)
    add_checklist(workbook, round_, years, last_row, summary, placed)

    add_reference_sheets(workbook, round_, plan)
    _lists(workbook, round_)
    _stamp(workbook, round_, area, plan)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_decimal(value):
    return None if value is None else Decimal(str(value))
