"""The spending tables a plan prints, pivoted with pandas from one SQL aggregation.

Seed BHR 8.3 prints each theme with its subtotal and its schemes under it, by source
of funding; 8.4 prints the same themes by borough (Health and Wellbeing Board). Both
come from the expenditure lines, summed by the database and pivoted here, so every
subtotal and total is computed and none is typed. A table in £'000 rounds each cell
on its own, so a printed total may differ by 1 from the sum of the printed cells
above it (8.4's 2017/18 Havering column: the lines give 22,660, 8.1 prints 22,661).
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from django.db.models import Sum

from plans.models import Area, FinancialYear, Plan
from schemes.models import ExpenditureLine

ZERO = Decimal("0.00")
NO_THEME = "No theme given"


@dataclass
class Row:
    """A scheme's row: its name, an amount per column and its total."""

    name: str
    amounts: list[Decimal]
    total: Decimal


@dataclass
class ThemeBlock:
    """One theme: its subtotal per column and in all, and its schemes' rows."""

    theme: str
    amounts: list[Decimal]
    total: Decimal
    schemes: list[Row] = field(default_factory=list)


@dataclass
class YearTable:
    """One year's table: columns, theme blocks, the total per column and in all."""

    year: FinancialYear
    columns: list[str]
    themes: list[ThemeBlock]
    totals: list[Decimal]
    total: Decimal


def spend_frame(plans: Collection[Plan]) -> pd.DataFrame:
    """Spending of the plans summed by year, theme, scheme, area, report group and
    recurrence: one query, whatever the number of lines."""
    rows = (
        ExpenditureLine.objects.filter(scheme__plan__in=plans)
        .values(
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
    frame = pd.DataFrame.from_records(
        list(rows),
        columns=[
            "year__start_year",
            "scheme__theme",
            "scheme__name",
            "scheme__plan__area__slug",
            "source__report_group",
            "recurrence",
            "total",
        ],
    ).rename(
        columns={
            "year__start_year": "year",
            "scheme__theme": "theme",
            "scheme__name": "scheme",
            "scheme__plan__area__slug": "area",
            "source__report_group": "group",
        }
    )
    frame["theme"] = frame["theme"].replace("", NO_THEME)
    return frame


def _sum(frame: pd.DataFrame, by: list[str]) -> dict:
    """{key: Decimal total} of the frame grouped by the columns (Decimal kept exact)."""
    if frame.empty:
        return {}
    grouped = frame.groupby(by, sort=False)["total"].agg(lambda s: sum(s, ZERO))
    return grouped.to_dict()


def _year_table(
    frame: pd.DataFrame, year: FinancialYear, column: str, keys: Sequence[str], labels: list[str]
) -> YearTable:
    part = frame[frame["year"] == year.start_year]
    by_scheme = _sum(part, ["theme", "scheme", column])
    scheme_totals = _sum(part, ["theme", "scheme"])
    by_theme = _sum(part, ["theme", column])
    theme_totals = _sum(part, ["theme"])
    by_column = _sum(part, [column])
    themes = []
    for theme in sorted(theme_totals):
        names = sorted(name for (t, name) in scheme_totals if t == theme)
        themes.append(
            ThemeBlock(
                theme,
                [by_theme.get((theme, k), ZERO) for k in keys],
                theme_totals[theme],
                [
                    Row(
                        name,
                        [by_scheme.get((theme, name, k), ZERO) for k in keys],
                        scheme_totals[(theme, name)],
                    )
                    for name in names
                ],
            )
        )
    return YearTable(
        year,
        labels,
        themes,
        [by_column.get(k, ZERO) for k in keys],
        sum(by_column.values(), ZERO),
    )


def by_theme_and_source(
    frame: pd.DataFrame, years: Sequence[FinancialYear], groups: Sequence[str]
) -> list[YearTable]:
    """Seed 8.3: per year, each theme's subtotal and its schemes by report group."""
    return [_year_table(frame, year, "group", groups, list(groups)) for year in years]


def by_theme_and_area(
    frame: pd.DataFrame, years: Sequence[FinancialYear], areas: Sequence[Area]
) -> list[YearTable]:
    """Seed 8.4: per year, each theme's subtotal and its schemes by HWB."""
    slugs = [a.slug for a in areas]
    names = [a.name for a in areas]
    return [_year_table(frame, year, "area", slugs, names) for year in years]


def spent_groups(frame: pd.DataFrame, order: Sequence[str]) -> list[str]:
    """The report groups with any spending, in the round's order."""
    totals = _sum(frame, ["group"])
    return [g for g in dict.fromkeys(order) if totals.get(g, ZERO)]


def recurrence_by_year(
    frame: pd.DataFrame, years: Sequence[FinancialYear]
) -> list[tuple[FinancialYear, Decimal, Decimal, Decimal]]:
    """[(year, recurrent, non-recurrent, total)] of the plans' spending."""
    sums = _sum(frame, ["year", "recurrence"])
    out = []
    for year in years:
        recurrent = sums.get((year.start_year, ExpenditureLine.Recurrence.RECURRENT), ZERO)
        non = sums.get((year.start_year, ExpenditureLine.Recurrence.NON_RECURRENT), ZERO)
        out.append((year, recurrent, non, recurrent + non))
    return out
