"""Cell styles and helpers every sheet of the template uses: plain text that Excel
will not run as a formula, defined names, locked header rows and sheet protection."""

from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DEE0E2")
UNUSED_FILL = PatternFill("solid", fgColor="B1B4B6")
UNLOCKED = Protection(locked=False)
POUNDS = '"£"#,##0.00'
THOUSANDS = "#,##0.000"


def text(cell, value):
    """Store user text as text, never as a formula, whatever it starts with."""
    cell.value = value
    if isinstance(value, str) and value:
        cell.data_type = "s"
    return cell


def define_name(workbook, name, sheet, ref):
    workbook.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!{ref}")


def header_row(sheet, row, headers, name, workbook):
    for column, title in enumerate(headers, 1):
        cell = sheet.cell(row=row, column=column, value=title)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = 18
    last = get_column_letter(len(headers))
    define_name(workbook, name, sheet.title, f"$A${row}:${last}${row}")
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def protect(sheet):
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # people may widen columns
    sheet.protection.formatRows = False
