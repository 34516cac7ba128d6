"""Apply a validated template to a plan: all of it in one transaction, or nothing,
through the same writers as the pages (finance, schemes and metrics actions). Only
what differs is written, so uploading the same file twice changes nothing and adds no
history rows."""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from finance.actions import write_income
from finance.models import IncomeLine
from metrics.actions import touch_metric, write_metric
from metrics.selectors import MetricTable
from plans.findings import money
from plans.models import FinancialYear, FundingSource, Plan, Section
from plans.sections.actions import touch_sections
from schemes.actions import line_key, write_schemes
from schemes.models import ExpenditureLine

from . import fingerprints
from .fingerprints import TABLES, current_lines, metric_state, planned_state
from .reader import Parsed

__all__ = ["apply_template", "current_lines", "import_parsed"]

if TYPE_CHECKING:
    from metrics.forms import MetricValuesForm

# What an upload can change, so anyone with one of these pages open must reload.
SECTIONS_WRITTEN = (Section.Kind.FINANCE, Section.Kind.METRICS, Section.Kind.SCHEMES)


def _apply_schemes_and_lines(plan: Plan, parsed: Parsed, user: User | None) -> int:
    return write_schemes(user=user, plan=plan, schemes=parsed.schemes, lines=parsed.lines)


def _apply_metrics(
    plan: Plan,
    metrics: Iterable[tuple[MetricTable, "MetricValuesForm"]],
    user: User | None = None,
) -> int:
    changed = 0
    for table, form in metrics:
        if sorted(planned_state(table, form)) != sorted(metric_state(table)):
            touch_metric(plan=plan, metric=table.metric, user=user)  # open pages must reload
            write_metric(plan, table, form)
            changed += 1
    return changed


def totals(plan: Plan) -> dict[tuple[str, ...], Decimal]:
    """The plan's money in the template's terms, for saying what an import changed:
    {("Income", source, year): total, (scheme code, source, year): total}. Two queries."""
    found: dict[tuple[str, ...], Decimal] = {}
    for source, year, amount in IncomeLine.objects.filter(plan=plan).values_list(
        "source__name", "year__start_year", "amount"
    ):
        found[("Income", source, _year(year))] = amount
    for code, source, year, amount in (
        ExpenditureLine.objects.filter(scheme__plan=plan)
        .values_list("scheme__code", "source__name", "year__start_year")
        .annotate(total=Sum("amount"))
    ):
        found[(code, source, _year(year))] = amount
    return found


def held_totals(
    income: fingerprints.IncomeState, lines: Iterable[tuple]
) -> dict[tuple[str, ...], Decimal]:
    """totals() from what was already read (held_income, held_lines and the like):
    the same figures, with two small queries for the names of sources and years."""
    found: dict[tuple[str, int, int], Decimal] = {}
    for (source, year), amount in income.items():
        found[("Income", source, year)] = amount
    for code, source, year, amount, *_rest in lines:
        key = (code, source, year)
        found[key] = found.get(key, Decimal(0)) + amount
    sources = {s for _c, s, _y in found}
    years = {y for _c, _s, y in found}
    names = dict(FundingSource.objects.filter(pk__in=sources).values_list("pk", "name"))
    starts = dict(FinancialYear.objects.filter(pk__in=years).values_list("pk", "start_year"))
    return {
        (str(code), names[source], _year(starts[year])): amount
        for (code, source, year), amount in found.items()
    }


def _after(
    income: fingerprints.IncomeState, lines: list[tuple], parsed: Parsed, tables: Collection[str]
) -> tuple[fingerprints.IncomeState, list[tuple]]:
    """What the plan holds once `tables` of `parsed` are written: the income with the
    file's amounts applied (None removes a line), and the file's lines."""
    if "income" in tables and parsed.income:
        income = dict(income)
        for (source, year), amount in parsed.income.amounts().items():
            if amount is None:
                income.pop((source.pk, year.pk), None)
            else:
                income[(source.pk, year.pk)] = amount
    if "expenditure" in tables:
        lines = [(code, *line_key(values)) for code, values in parsed.lines]
    return income, lines


@dataclass
class Imported:
    changes: int = 0
    change_list: list[str] = field(default_factory=list)
    conflicts: dict[str, fingerprints.Change] = field(default_factory=dict)


def import_parsed(plan: Plan, parsed: Parsed, user: User | None) -> Imported:
    """Compare the parsed template with the plan (fingerprints), and write what may be
    written, saying what changed. The plan's income and lines are read once, for the
    fingerprints and the totals before; the totals after come from the file. Runs in
    the caller's transaction, with the plan's row locked."""
    income, lines = fingerprints.held_income(plan), fingerprints.held_lines(plan)
    tables, conflicts = fingerprints.tables_to_apply(
        plan,
        parsed.stamped,
        fingerprints.uploaded(parsed),
        fingerprints.stored(
            plan, [table for table, _form in parsed.metrics], income=income, lines=lines
        ),
    )
    if conflicts:
        return Imported(conflicts=conflicts)
    changes = apply_template(plan, parsed, user, tables)
    if not changes:
        return Imported()
    after = held_totals(*_after(income, lines, parsed, tables))
    return Imported(changes, described_changes(held_totals(income, lines), after))


def _year(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


def described_changes(
    before: Mapping[tuple[str, ...], Decimal], after: Mapping[tuple[str, ...], Decimal]
) -> list[str]:
    """["H1 iBCF 2017/18: £600,000 → £650,000", …] in a stable order."""

    def shown(amount: Decimal | None) -> str:
        return "none" if amount is None else money(amount)

    return [
        f"{' '.join(key)}: {shown(before.get(key))} → {shown(after.get(key))}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


@transaction.atomic
def apply_template(
    plan: Plan,
    parsed: Parsed,
    user: User | None = None,
    tables: Collection[str] = TABLES,
) -> int:
    """Write the parsed template's `tables`; return how many things changed (0:
    identical). The caller (workbook.actions.import_template) has checked permission
    and which tables may be written (workbook.fingerprints)."""
    changed = 0
    if "income" in tables and parsed.income:
        changed += write_income(plan=plan, amounts=parsed.income.amounts())
    if "expenditure" in tables:
        changed += _apply_schemes_and_lines(plan, parsed, user)
    if "metrics" in tables:
        changed += _apply_metrics(plan, parsed.metrics, user)
    if changed:
        touch_sections(plan=plan, kinds=SECTIONS_WRITTEN, user=user)
    return changed
