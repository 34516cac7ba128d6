"""Reads of the pooled budget: totals always computed from the lines in SQL, never typed.

Each function takes plans (a queryset or list) and returns plain dicts of Decimal,
so pages, rules, exports and tests share one source of truth.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypedDict

from django.db.models import Case, DecimalField, F, Q, Sum, Value, When

from plans.findings import plan_findings
from plans.models import Area, FinancialYear, FundingSource, Plan
from schemes.models import ExpenditureLine

from . import checks as checks_module
from . import tables
from .checks import Check
from .checks import minimums_by_kind as minimums_by_kind
from .models import IncomeLine, MinimumAllocation

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)

type ByAreaAndYear = dict[str, dict[int, Decimal]]  # {area slug: {year start: total}}
type BySource = dict[tuple[str, int, str], Decimal]  # {(area slug, year start, code): total}
type Minimums = defaultdict[str, dict[int, Decimal]]  # {kind: {year start: amount}}


def _nested(rows: Iterable[Mapping[str, Any]], *keys: str) -> ByAreaAndYear:
    out: defaultdict[str, defaultdict[int, Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO)
    )
    for row in rows:
        out[row[keys[0]]][row[keys[1]]] += row["total"] or ZERO
    return {k: dict(v) for k, v in out.items()}


def _by_area_and_year(
    model: type[ExpenditureLine] | type[IncomeLine], plan_path: str, plans: Iterable[Plan]
) -> ByAreaAndYear:
    area = f"{plan_path}__area__slug"
    rows = (
        model.objects.filter(**{f"{plan_path}__in": plans})
        .values(area, "year__start_year")
        .annotate(total=Sum("amount"))
    )
    return _nested(rows, area, "year__start_year")


def expenditure_by_area(plans: Iterable[Plan]) -> ByAreaAndYear:
    """{area slug: {year start: total spend}}"""
    return _by_area_and_year(ExpenditureLine, "scheme__plan", plans)


def income_by_area(plans: Iterable[Plan]) -> ByAreaAndYear:
    """{area slug: {year start: total income}}: the pooled budget."""
    return _by_area_and_year(IncomeLine, "plan", plans)


def expenditure_by_theme_and_group(
    plans: Iterable[Plan], year: int
) -> dict[tuple[str, str], dict[str, Decimal]]:
    """{(theme, scheme name): {report group: total}} for one year (seed table 8.3)."""
    rows = (
        ExpenditureLine.objects.filter(scheme__plan__in=plans, year__start_year=year)
        .values("scheme__theme", "scheme__name", "source__report_group")
        .annotate(total=Sum("amount"))
    )
    out: defaultdict[tuple[str, str], defaultdict[str, Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO)
    )
    for row in rows:
        key = (row["scheme__theme"], row["scheme__name"])
        out[key][row["source__report_group"]] += row["total"]
    return {k: dict(v) for k, v in out.items()}


def spend_by_source(plans: Iterable[Plan]) -> BySource:
    """{(area slug, year start, spend source code): total}; sub-sources roll up."""
    rows = (
        ExpenditureLine.objects.filter(scheme__plan__in=plans)
        .values("scheme__plan__area__slug", "year__start_year", "source__code")
        .annotate(total=Sum("amount"))
    )
    return {
        (r["scheme__plan__area__slug"], r["year__start_year"], r["source__code"]): r["total"]
        for r in rows
    }


def income_by_source(plans: Iterable[Plan]) -> BySource:
    """{(area slug, year start, spend source code): total}; parts counted as parent."""
    rows = (
        IncomeLine.objects.filter(plan__in=plans)
        .annotate(
            spend_code=Case(
                When(source__parent__isnull=False, then=F("source__parent__code")),
                default=F("source__code"),
            )
        )
        .values("plan__area__slug", "year__start_year", "spend_code")
        .annotate(total=Sum("amount"))
    )
    return {
        (r["plan__area__slug"], r["year__start_year"], r["spend_code"]): r["total"] for r in rows
    }


def ring_fenced_actuals(plans: Iterable[Plan]) -> dict[tuple[str, int], dict[str, Decimal]]:
    """Protection of social care and NHS out-of-hospital spend from the CCG minimum,
    {(area slug, year start): {"social_care": total, "out_of_hospital": total}}.
    A jointly commissioned line counts towards out-of-hospital by its NHS share."""
    nhs_part = Case(
        When(commissioner__is_joint=True, then=F("amount") * F("nhs_share") / Value(Decimal(100))),
        When(commissioner__is_nhs=True, then=F("amount")),
        default=Value(ZERO),
        output_field=MONEY,
    )
    rows = (
        ExpenditureLine.objects.filter(scheme__plan__in=plans, source__is_ccg_minimum=True)
        .values("scheme__plan__area__slug", "year__start_year")
        .annotate(
            social_care=Sum("amount", filter=Q(area_of_spend__counts_as_social_care=True)),
            out_of_hospital=Sum(nhs_part, filter=Q(area_of_spend__counts_as_out_of_hospital=True)),
        )
    )
    return {
        (r["scheme__plan__area__slug"], r["year__start_year"]): {
            "social_care": r["social_care"] or ZERO,
            "out_of_hospital": (r["out_of_hospital"] or ZERO).quantize(Decimal("0.01")),
        }
        for r in rows
    }


def ccg_minimum_income(plans: Iterable[Plan]) -> ByAreaAndYear:
    """{area slug: {year start: the CCG minimum contribution paid into the pool}}: every
    income line from a source the round marks as (part of) the CCG minimum."""
    rows = (
        IncomeLine.objects.filter(plan__in=plans, source__is_ccg_minimum=True)
        .values("plan__area__slug", "year__start_year")
        .annotate(total=Sum("amount"))
    )
    return _nested(rows, "plan__area__slug", "year__start_year")


def pooled_budget_by_year(plan: Plan) -> list[tuple[str, Decimal | None, Decimal]]:
    """[(year label, minimum or None, agreed)] for each year of the plan's round:
    the nationally set minimum beside the income actually in the pool. Two queries."""
    agreed = income_by_area([plan]).get(plan.area.slug, {})
    minimums = dict(
        MinimumAllocation.objects.filter(
            area=plan.area_id, kind=MinimumAllocation.Kind.POOLED_BUDGET
        ).values_list("year__start_year", "amount")
    )
    return [
        (year.label, minimums.get(year.start_year), agreed.get(year.start_year, ZERO))
        for year in plan.round.years.all()
    ]


# The finance summary page: a fixed number of queries, set by the round's years,
# never by the number of schemes, lines or partner areas.


def income_table(
    plan: Plan,
    years: Sequence[FinancialYear],
    sources: Sequence[FundingSource] | None = None,
    income: Iterable[checks_module.Income] | None = None,
) -> tuple[list[tuple[FundingSource, list[Decimal]]], list[FundingSource]]:
    """([(source, [amount per year])], sources) for every funding source and part of the
    round, in the round's order; from the plan's income_rows if given (rows of other
    plans among them are left out), else with one query."""
    if income is None:
        income = checks_module.income_rows([plan.pk])
    # A parent source (the CCG minimum, the iBCF) shows the sum of its "of which" parts
    # and any line of its own; a part shows its own lines.
    by_parent: dict[tuple[int, int], Decimal] = {}
    parts: dict[tuple[int, int], Decimal] = {}
    for row in income:
        if row.plan != plan.pk:
            continue
        key = (row.source if row.parent is None else row.parent, row.year)
        by_parent[key] = by_parent[key] + row.total if key in by_parent else row.total
        if row.parent is not None:
            key = (row.source, row.year)
            parts[key] = parts[key] + row.total if key in parts else row.total
    sums = by_parent | parts
    if sources is None:
        sources = list(plan.round.funding_sources.select_related("parent").order_by("order"))
    return [(s, [sums.get((s.pk, y.pk), ZERO) for y in years]) for s in sources], list(sources)


# The rules whose verdicts the summary's checks show.
SUMMARY_RULES = (
    "pooled_budget_minimum",
    "ccg_minimum_contribution",
    "protection_of_social_care",
    "out_of_hospital_ring_fence",
    "income_equals_expenditure",
)


# A theme's row of the expenditure table: (theme, scheme name, [total per group], total).
type ThemeRow = tuple[str, str, list[Decimal], Decimal]


class FinanceSummary(TypedDict):
    years: list[FinancialYear]
    income_rows: list[tuple[FundingSource, list[Decimal]]]
    balance: list[Check]
    checks: list[Check]
    groups: list[str]
    themes: list[tuple[FinancialYear, list[ThemeRow], list[Decimal], Decimal]]
    by_area: list[tuple[Area, list[tuple[Decimal, Decimal]]]]
    income_totals: list[Decimal]
    spend_tables: list[tables.YearTable]
    area_tables: list[tables.YearTable]
    recurrence: list[tuple[FinancialYear, Decimal, Decimal, Decimal]]


def finance_summary(plan: Plan, partner_plans: Collection[Plan]) -> FinanceSummary:
    """Everything the finance summary shows. Met or not met is the verdict of the
    round's own rules, read from the plan's findings, never compared again here."""
    findings = plan_findings(plan, only=SUMMARY_RULES)
    area = plan.area.slug
    # The income of the plan and its partners, summed once by plan, year and source:
    # the plan's checks, its income table and the income by area all add it up.
    income = checks_module.income_rows({plan.pk} | {p.pk for p in partner_plans})
    money = checks_module.money_figures(plan, income)
    years, sources = money.years, money.sources
    income_rows, _sources = income_table(plan, years, sources, income)
    balance, checks = checks_module.rule_checks(money, findings, plan.round.rules.all())
    pooled = money.income_by_year
    # The partners' spending, summed once by the database: every table, subtotal and
    # total below is added up from these few rows.
    spending = tables.spend_rows(partner_plans)
    groups = tables.spent_groups(spending, [s.report_group for s in sources])
    spend_tables = tables.by_theme_and_source(spending, years, groups)
    # The same figures as flat rows (theme, scheme, [per group], total), as the PDF prints.
    themes: list[tuple[FinancialYear, list[ThemeRow], list[Decimal], Decimal]] = [
        (
            table.year,
            [(b.theme, r.name, r.amounts, r.total) for b in table.themes for r in b.schemes],
            table.totals,
            table.total,
        )
        for table in spend_tables
    ]
    area_of = {p.pk: p.area.slug for p in partner_plans}
    by_area_in: ByAreaAndYear = {}
    for row in income:
        if row.plan in area_of:
            sums = by_area_in.setdefault(area_of[row.plan], {})
            sums[row.start_year] = sums.get(row.start_year, ZERO) + row.total
    by_area_out = tables.spend_by_area(spending)
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
    areas = [p.area for p in partner_plans]
    return {
        "income_totals": [pooled.get(y.start_year, ZERO) for y in years],
        "spend_tables": spend_tables,
        "area_tables": tables.by_theme_and_area(spending, years, areas) if len(areas) > 1 else [],
        "recurrence": tables.recurrence_by_year([r for r in spending if r.area == area], years),
        "years": years,
        "income_rows": income_rows,
        "balance": balance,
        "checks": [c for c in checks if c.required is not None or c.actual],
        "groups": groups,
        "themes": themes,
        "by_area": by_area,
    }


def income_grid(
    plan: Plan,
) -> tuple[list[FinancialYear], list[FundingSource], dict[tuple[int, int], Decimal]]:
    """(years, sources, {(source pk, year pk): amount}) for the income page's grid."""
    years = list(plan.round.years.all())
    sources = list(plan.round.funding_sources.order_by("order"))
    amounts = {
        (line.source_id, line.year_id): line.amount for line in IncomeLine.objects.filter(plan=plan)
    }
    return years, sources, amounts


def spend_by_group_and_year(plans: Any) -> list[Mapping[str, Any]]:
    """[{source__report_group, year__start_year, total}] across the plans (overview)."""
    return list(
        ExpenditureLine.objects.filter(scheme__plan__in=plans)
        .values("source__report_group", "year__start_year")
        .annotate(total=Sum("amount"))
        .order_by("source__report_group", "year__start_year")
    )


def spend_by_theme_and_year(plans: Any) -> list[Mapping[str, Any]]:
    """[{scheme__theme, year__start_year, total}] across the plans (overview)."""
    return list(
        ExpenditureLine.objects.filter(scheme__plan__in=plans)
        .values("scheme__theme", "year__start_year")
        .annotate(total=Sum("amount"))
        .order_by("scheme__theme", "year__start_year")
    )
