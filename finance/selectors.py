"""Reads of the pooled budget: totals always computed from the lines in SQL, never typed.

Each function takes plans (a queryset or list) and returns plain dicts of Decimal,
so pages, rules, exports and tests share one source of truth.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Self, TypedDict

from django.db.models import Case, DecimalField, F, Q, Sum, Value, When

from plans.findings import Finding, check_plan
from plans.models import Area, FinancialYear, FundingSource, Plan
from schemes.models import ExpenditureLine

from . import places
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


@dataclass
class Check:
    """One minimum or balance check: a required figure beside the actual one. Whether
    it is met is not decided here: it is the verdict of the rule `code`, read from the
    plan's findings (`met` stays None where the round does not run that rule)."""

    label: str
    year: str
    required: Decimal | None
    actual: Decimal
    code: str = ""
    where: str = ""
    met: bool | None = None

    @property
    def difference(self) -> Decimal | None:
        return None if self.required is None else self.actual - self.required

    def judge(self, findings: Iterable[Finding], round_codes: Collection[str]) -> Self:
        if self.required is not None and self.code in round_codes:
            self.met = not any(f.code == self.code and f.where == self.where for f in findings)
        return self


def minimums_by_kind(area_ids: Iterable[int]) -> defaultdict[int, Minimums]:
    """{area id: {kind: {year start: amount}}} for the areas, in one query."""
    out: defaultdict[int, Minimums] = defaultdict(lambda: defaultdict(dict))
    for area, kind, year, amount in MinimumAllocation.objects.filter(area__in=area_ids).values_list(
        "area_id", "kind", "year__start_year", "amount"
    ):
        out[area][kind][year] = amount
    return out


def income_table(
    plan: Plan, years: Sequence[FinancialYear]
) -> tuple[list[tuple[FundingSource, list[Decimal]]], list[FundingSource]]:
    """([(source, [amount per year])], sources) for every funding source and part of the
    round, in the round's order."""
    sums = {
        (row["source"], row["year"]): row["total"]
        for row in IncomeLine.objects.filter(plan=plan)
        .values("source", "year")
        .annotate(total=Sum("amount"))
    }
    sources = list(plan.round.funding_sources.select_related("parent").order_by("order"))
    return [(s, [sums.get((s.pk, y.pk), ZERO) for y in years]) for s in sources], sources


# The minimums the summary checks each year: (label, allocation kind, rule).
MINIMUM_CHECKS = (
    ("Pooled budget", MinimumAllocation.Kind.POOLED_BUDGET, "pooled_budget_minimum"),
    ("Protection of social care", MinimumAllocation.Kind.SOCIAL_CARE, "protection_of_social_care"),
    (
        "NHS out-of-hospital ring-fence",
        MinimumAllocation.Kind.OUT_OF_HOSPITAL,
        "out_of_hospital_ring_fence",
    ),
)
# The rules whose verdicts the summary's checks show.
SUMMARY_RULES = (
    "pooled_budget_minimum",
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


def finance_summary(plan: Plan, partner_plans: Collection[Plan]) -> FinanceSummary:
    """Everything the finance summary shows. Met or not met is the verdict of the
    round's own rules, read from the plan's findings, never compared again here."""
    findings = check_plan(plan, only=SUMMARY_RULES)
    round_codes = set(plan.round.rules.values_list("code", flat=True))
    years = list(plan.round.years.all())
    area = plan.area.slug
    income_rows, sources = income_table(plan, years)
    names = {s.code: s.name for s in sources}
    income_in = income_by_source([plan])
    spend_out = spend_by_source([plan])
    balance = [
        Check(
            names.get(code, code),
            year.label,
            income_in.get((area, year.start_year, code), ZERO),
            spend_out.get((area, year.start_year, code), ZERO),
            "income_equals_expenditure",
            places.source(year.start_year, code),
        ).judge(findings, round_codes)
        for code in sorted(
            {c for (_a, _y, c) in income_in} | {c for (_a, _y, c) in spend_out},
            key=lambda c: [s.code for s in sources].index(c) if c in names else 99,
        )
        for year in years
    ]
    minimums = minimums_by_kind([plan.area_id])[plan.area_id]
    ring = {y: v for (_a, y), v in ring_fenced_actuals([plan]).items()}
    pooled = income_by_area([plan]).get(area, {})
    Kind = MinimumAllocation.Kind
    actuals = {
        Kind.POOLED_BUDGET: pooled,
        Kind.SOCIAL_CARE: {y: v["social_care"] for y, v in ring.items()},
        Kind.OUT_OF_HOSPITAL: {y: v["out_of_hospital"] for y, v in ring.items()},
    }
    checks = [
        Check(
            label,
            year.label,
            minimums[kind].get(year.start_year),
            actuals[kind].get(year.start_year, ZERO),
            rule_code,
            places.income(year.start_year)
            if kind == Kind.POOLED_BUDGET
            else places.minimum(rule_code, year.start_year),
        ).judge(findings, round_codes)
        for year in years
        for label, kind, rule_code in MINIMUM_CHECKS
    ]
    tables = {
        year: expenditure_by_theme_and_group(partner_plans, year.start_year) for year in years
    }
    # Columns for the report groups that have any spending, in the round's order.
    spent = {
        g for t in tables.values() for by_group in t.values() for g, v in by_group.items() if v
    }
    groups = [g for g in dict.fromkeys(s.report_group for s in sources) if g in spent]
    themes: list[tuple[FinancialYear, list[ThemeRow], list[Decimal], Decimal]] = []
    for year, table in tables.items():
        rows = [
            (theme, name, [by_group.get(g, ZERO) for g in groups], sum(by_group.values(), ZERO))
            for (theme, name), by_group in sorted(table.items())
        ]
        totals = [sum((r[2][i] for r in rows), ZERO) for i in range(len(groups))]
        themes.append((year, rows, totals, sum(totals, ZERO)))
    by_area_in = income_by_area(partner_plans)
    by_area_out = expenditure_by_area(partner_plans)
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
