"""Excel benchmarks with honest anchors: a real upload that changes every line (read,
check, compare, write with history, the kept file and its record) against a bare
python-calamine read of the same file plus one bare transaction writing the same
rows; the template's read and check alone against the calamine read."""

import io
from decimal import Decimal

import python_calamine
from django.contrib.auth import get_user_model
from django.db import transaction
from openpyxl import load_workbook

from schemes.models import ExpenditureLine

SHEETS = ("Income", "Expenditure", "Metrics")


def bare_read(data):
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [book.get_sheet_by_name(name).to_python() for name in SHEETS]


def shifted(data, pence):
    """The template with every expenditure amount moved by `pence`."""
    book = load_workbook(io.BytesIO(data))
    sheet = book["Expenditure"]
    for row in sheet.iter_rows(min_row=4):
        for cell in row[12:]:
            if isinstance(cell.value, int | float | Decimal):
                cell.value = float(Decimal(str(cell.value)) + Decimal(pence) / 100)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def changing_pair(plan):
    """(A, B): A changes every line of the plan as it is; B, downloaded after A was
    imported, changes them back. Alternating them, every upload changes every line
    and neither is stale (each carries the fingerprint of what it was made from)."""
    from workbook.actions import import_template
    from workbook.writer import build_template

    user = get_user_model().objects.get(username="lancashire.commissioner")
    first = shifted(build_template(plan.round, plan), 1)
    record, problems = import_template(user=user, plan=plan, data=first, filename="a.xlsx")
    assert not problems and record.changes, problems
    second = shifted(build_template(plan.round, plan), -1)
    record, problems = import_template(user=user, plan=plan, data=second, filename="b.xlsx")
    assert not problems and record.changes, problems
    return user, first, second


def upload(user, plan, data):
    from workbook.actions import import_template

    record, problems = import_template(user=user, plan=plan, data=data, filename="bench.xlsx")
    assert not problems and record.changes, problems[:3]


def bare_write(plan, pence):
    """One transaction writing the same rows' new amounts, nothing else."""
    lines = list(ExpenditureLine.objects.filter(scheme__plan=plan).only("pk", "amount"))
    for line in lines:
        line.amount += Decimal(pence) / 100
    with transaction.atomic():
        ExpenditureLine.objects.bulk_update(lines, ["amount"], batch_size=1000)


def parsed_as_read(plan, pence):
    """What the reader gives for the plan as it is with every amount moved by `pence`:
    times the write half of an upload on its own (compare, write with history, say what
    changed), whatever the reader costs."""
    from schemes.models import Scheme
    from schemes.selectors import LINE_FIELDS
    from workbook.reader import Parsed

    parsed = Parsed()
    for scheme in Scheme.objects.filter(plan=plan).select_related("scheme_type").order_by("order"):
        parsed.schemes[scheme.code] = {
            name: getattr(scheme, name)
            for name in ("name", "theme", "scheme_type", "lead_provider", "joint_lead_provider")
            if hasattr(scheme, name)
        }
    lines = ExpenditureLine.objects.filter(scheme__plan=plan).select_related(
        "scheme", "source", "year", "area_of_spend", "commissioner", "provider_type"
    )
    for line in lines.order_by("pk"):
        values = {name: getattr(line, name) for name in LINE_FIELDS}
        values["amount"] += Decimal(pence) / 100
        parsed.lines.append((line.scheme.code, values))
    return parsed


def write_half(user, plan, parsed):
    from workbook.importer import import_parsed

    with transaction.atomic():
        imported = import_parsed(plan, parsed, user)
    assert imported.changes and not imported.conflicts, imported
