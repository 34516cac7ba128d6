"""Everything the finance summary page shows, computed from the lines in SQL.

The number of queries depends on the round (its years), never on the number of
schemes, lines or partner areas.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from . import services
from .models import IncomeLine, MinimumAllocation

ZERO = services.ZERO


@dataclass
class Check:
    """One minimum or balance check: a required figure beside the actual one."""

    label: str
    year: str
    required: Decimal | None
    actual: Decimal
    exact: bool = False  # income = expenditure must balance, not just reach

    @property
    def met(self):
        if self.required is None:
            return None
        return self.actual == self.required if self.exact else self.actual >= self.required

    @property
    def difference(self):
        return None if self.required is None else self.actual - self.required


def income_table(plan, years):
    """[(source, [amount per year])] for every funding source and part of the round."""
    sums = {
        (row["source"], row["year"]): row["total"]
        for row in IncomeLine.objects.filter(plan=plan)
        .values("source", "year")
        .annotate(total=Sum("amount"))
    }
    sources = list(plan.round.funding_sources.select_related("parent").order_by("order"))
    return [(s, [sums.get((s.pk, y.pk), ZERO) for y in years]) for s in sources], sources


def finance_summary(plan, partner_plans):
    years = list(plan.round.years.all())
    area = plan.area.slug
    income_rows, sources = income_table(plan, years)
    names = {s.code: s.name for s in sources}
    income_in = services.income_by_source([plan])
    spend_out = services.spend_by_source([plan])
    balance = [
        Check(
            names.get(code, code),
            year.label,
            income_in.get((area, year.start_year, code), ZERO),
            spend_out.get((area, year.start_year, code), ZERO),
            exact=True,
        )
        for code in sorted(
            {c for (_a, _y, c) in income_in} | {c for (_a, _y, c) in spend_out},
            key=lambda c: [s.code for s in sources].index(c) if c in names else 99,
        )
        for year in years
    ]
    minimums = defaultdict(dict)
    for kind, start, amount in MinimumAllocation.objects.filter(area=plan.area_id).values_list(
        "kind", "year__start_year", "amount"
    ):
        minimums[kind][start] = amount
    ring = {y: v for (_a, y), v in services.ring_fenced_actuals([plan]).items()}
    pooled = services.income_by_area([plan]).get(area, {})
    Kind = MinimumAllocation.Kind
    checks = []
    for year in years:
        start = year.start_year
        checks.append(
            Check(
                "Pooled budget",
                year.label,
                minimums[Kind.POOLED_BUDGET].get(start),
                pooled.get(start, ZERO),
            )
        )
        checks.append(
            Check(
                "Protection of social care",
                year.label,
                minimums[Kind.SOCIAL_CARE].get(start),
                ring.get(start, {}).get("social_care", ZERO),
            )
        )
        checks.append(
            Check(
                "NHS out-of-hospital ring-fence",
                year.label,
                minimums[Kind.OUT_OF_HOSPITAL].get(start),
                ring.get(start, {}).get("out_of_hospital", ZERO),
            )
        )
    tables = {
        year: services.expenditure_by_theme_and_group(partner_plans, year.start_year)
        for year in years
    }
    # Columns for the report groups that have any spending, in the round's order.
    spent = {
        g for t in tables.values() for by_group in t.values() for g, v in by_group.items() if v
    }
    groups = [g for g in dict.fromkeys(s.report_group for s in sources) if g in spent]
    themes = []
    for year, table in tables.items():
        rows = [
            (theme, name, [by_group.get(g, ZERO) for g in groups], sum(by_group.values(), ZERO))
            for (theme, name), by_group in sorted(table.items())
        ]
        totals = [sum((r[2][i] for r in rows), ZERO) for i in range(len(groups))]
        themes.append((year, rows, totals, sum(totals, ZERO)))
    by_area_in = services.income_by_area(partner_plans)
    by_area_out = services.expenditure_by_area(partner_plans)
    by_area = [
        (
            p.area,
            [
                (
                    by_area_in.get(p.area.slug, {}).get(y.start_year, ZERO),
                    by_area_out.get(p.area.slug, {}).get(y.start_year, ZERO),
                )
                for y in years
            ],
        )
        for p in partner_plans
    ]
    return {
        "years": years,
        "income_rows": income_rows,
        "balance": balance,
        "checks": [c for c in checks if c.required is not None or c.actual],
        "groups": groups,
        "themes": themes,
        "by_area": by_area,
    }
