"""The spending tables a plan prints, added up in Python from one SQL aggregation.

Seed BHR 8.3 prints each theme with its subtotal and its schemes under it, by source
of funding; 8.4 prints the same themes by borough (Health and Wellbeing Board). Both
come from the expenditure lines, summed by the database (a few rows per scheme) and
added up here once per table at the finest grouping (theme, scheme, column), from
which every subtotal and total is derived, in Decimal: none is typed. A table in
£'000 rounds each cell on its own, so a printed total may differ by 1 from the sum of
the printed cells above it (8.4's 2017/18 Havering column: the lines give 22,660, 8.1
prints 22,661).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Sum

from plans.models import Area, FinancialYear, Plan
from plans.templatetags.money import pounds, thousands
from schemes.models import ExpenditureLine

ZERO = Decimal("0.00")
NO_THEME = "No theme given"
NIL = "\u2013"  # what an empty cell of a theme or a scheme shows


class Spend(NamedTuple):
    """One row of the SQL aggregation: the lines' total for a year, theme, scheme,
    area (slug), report group and recurrence."""

    year: int
    theme: str
    scheme: str
    area: str
    group: str
    recurrence: str
    total: Decimal


@dataclass
class Row:
    """A scheme's row: its name, an amount per column and its total (and, once
    print_figures has run, each as the page prints it)."""

    name: str
    amounts: list[Decimal]
    total: Decimal
    printed: list[str] = field(default_factory=list)
    printed_total: str = ""


@dataclass
class ThemeBlock:
    """One theme: its subtotal per column and in all, and its schemes' rows."""

    theme: str
    amounts: list[Decimal]
    total: Decimal
    schemes: list[Row] = field(default_factory=list)
    printed: list[str] = field(default_factory=list)
    printed_total: str = ""


@dataclass
class YearTable:
    """One year's table: columns, theme blocks, the total per column and in all."""

    year: FinancialYear
    columns: list[str]
    themes: list[ThemeBlock]
    totals: list[Decimal]
    total: Decimal
    printed: list[str] = field(default_factory=list)
    printed_total: str = ""


type Spending = Sequence[Spend]


def spend_rows(plans: Collection[Plan]) -> list[Spend]:
    """Spending of the plans summed by year, theme, scheme, area, report group and
    recurrence: one query, whatever the number of lines."""
    rows = (
        ExpenditureLine.objects.filter(scheme__plan__in=plans)
        .values_list(
            "year__start_year",
            "scheme__theme",
            "scheme__name",
            "scheme__plan__area__slug",
            "source__report_group",
            "recurrence",
        )
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return [
        Spend(year, theme or NO_THEME, scheme, area, group, recurrence, total)
        for year, theme, scheme, area, group, recurrence, total in rows
    ]


def _rows(spending: Spending) -> Sequence[Spend]:
    return spending if isinstance(spending, list | tuple) else list(spending)


def _add(sums: dict, key: Any, amount: Decimal) -> None:
    sums[key] = sums.get(key, ZERO) + amount


def _year_table(
    rows: Iterable[Spend],
    year: FinancialYear,
    column: str,
    keys: Sequence[str],
    labels: list[str],
) -> YearTable:
    at = Spend._fields.index(column)
    # The finest grouping, once: {(theme, scheme, column): total}.
    cells: dict[tuple[str, str, str], Decimal] = {}
    for row in rows:
        if row.year == year.start_year:
            _add(cells, (row.theme, row.scheme, row[at]), row.total)
    # Every coarser sum is derived from it, exactly (Decimal).
    scheme_totals: dict[tuple[str, str], Decimal] = {}
    by_theme: dict[tuple[str, str], Decimal] = {}
    theme_totals: dict[str, Decimal] = {}
    by_column: dict[str, Decimal] = {}
    names: dict[str, list[str]] = {}
    for (theme, name, key), amount in cells.items():
        if (theme, name) not in scheme_totals:
            names.setdefault(theme, []).append(name)
        _add(scheme_totals, (theme, name), amount)
        _add(by_theme, (theme, key), amount)
        _add(theme_totals, theme, amount)
        _add(by_column, key, amount)
    themes = [
        ThemeBlock(
            theme,
            [by_theme.get((theme, k), ZERO) for k in keys],
            theme_totals[theme],
            [
                Row(
                    name,
                    [cells.get((theme, name, k), ZERO) for k in keys],
                    scheme_totals[(theme, name)],
                )
                for name in sorted(names[theme])
            ],
        )
        for theme in sorted(theme_totals)
    ]
    return YearTable(
        year,
        labels,
        themes,
        [by_column.get(k, ZERO) for k in keys],
        sum(by_column.values(), ZERO),
    )


def by_theme_and_source(
    spending: Spending, years: Sequence[FinancialYear], groups: Sequence[str]
) -> list[YearTable]:
    """Seed 8.3: per year, each theme's subtotal and its schemes by report group."""
    rows = _rows(spending)
    return [_year_table(rows, year, "group", groups, list(groups)) for year in years]


def by_theme_and_area(
    spending: Spending, years: Sequence[FinancialYear], areas: Sequence[Area]
) -> list[YearTable]:
    """Seed 8.4: per year, each theme's subtotal and its schemes by HWB."""
    rows = _rows(spending)
    slugs = [a.slug for a in areas]
    names = [a.name for a in areas]
    return [_year_table(rows, year, "area", slugs, names) for year in years]


def spent_groups(spending: Spending, order: Sequence[str]) -> list[str]:
    """The report groups with any spending, in the round's order."""
    totals: dict[str, Decimal] = {}
    for row in _rows(spending):
        _add(totals, row.group, row.total)
    return [g for g in dict.fromkeys(order) if totals.get(g, ZERO)]


def spend_by_area(spending: Spending) -> dict[str, dict[int, Decimal]]:
    """{area slug: {year start: total spend}}, as selectors.expenditure_by_area."""
    out: dict[str, dict[int, Decimal]] = {}
    for row in _rows(spending):
        _add(out.setdefault(row.area, {}), row.year, row.total)
    return out


def recurrence_by_year(
    spending: Spending, years: Sequence[FinancialYear]
) -> list[tuple[FinancialYear, Decimal, Decimal, Decimal]]:
    """[(year, recurrent, non-recurrent, total)] of the plans' spending."""
    sums: dict[tuple[int, str], Decimal] = {}
    for row in _rows(spending):
        _add(sums, (row.year, row.recurrence), row.total)
    out = []
    for year in years:
        recurrent = sums.get((year.start_year, ExpenditureLine.Recurrence.RECURRENT), ZERO)
        non = sums.get((year.start_year, ExpenditureLine.Recurrence.NON_RECURRENT), ZERO)
        out.append((year, recurrent, non, recurrent + non))
    return out


def print_figures(year_tables: Iterable[YearTable], in_thousands: bool) -> None:
    """Set each figure's printed form, as the money filters print it (in £'000 where the
    round states amounts so), once in Python rather than cell by cell in the template.
    A theme's or a scheme's empty cell shows NIL; a total always shows its figure."""
    show = thousands if in_thousands else pounds

    def cell(amount: Decimal) -> str:
        return show(amount) if amount else NIL

    for table in year_tables:
        for block in table.themes:
            block.printed = [cell(a) for a in block.amounts]
            block.printed_total = show(block.total)
            for row in block.schemes:
                row.printed = [cell(a) for a in row.amounts]
                row.printed_total = show(row.total)
        table.printed = [show(a) for a in table.totals]
        table.printed_total = show(table.total)
