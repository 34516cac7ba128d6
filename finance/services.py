"""Finance totals, always computed from the lines in SQL, never typed.

Each function takes plans (a queryset or list) and returns plain dicts of Decimal,
so pages, rules, exports and tests share one source of truth.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, DecimalField, F, Q, Sum, Value, When

from .models import ExpenditureLine, IncomeLine

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)


def _nested(rows, *keys):
    out = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        out[row[keys[0]]][row[keys[1]]] += row["total"] or ZERO
    return {k: dict(v) for k, v in out.items()}


def _by_area_and_year(model, plan_path, plans):
    area = f"{plan_path}__area__slug"
    rows = (
        model.objects.filter(**{f"{plan_path}__in": plans})
        .values(area, "year__start_year")
        .annotate(total=Sum("amount"))
    )
    return _nested(rows, area, "year__start_year")


def expenditure_by_area(plans):
    """{area slug: {year start: total spend}}"""
    return _by_area_and_year(ExpenditureLine, "scheme__plan", plans)


def income_by_area(plans):
    """{area slug: {year start: total income}}: the pooled budget."""
    return _by_area_and_year(IncomeLine, "plan", plans)


def expenditure_by_theme_and_group(plans, year):
    """{(theme, scheme name): {report group: total}} for one year (seed table 8.3)."""
    rows = (
        ExpenditureLine.objects.filter(scheme__plan__in=plans, year__start_year=year)
        .values("scheme__theme", "scheme__name", "source__report_group")
        .annotate(total=Sum("amount"))
    )
    out = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        key = (row["scheme__theme"], row["scheme__name"])
        out[key][row["source__report_group"]] += row["total"]
    return {k: dict(v) for k, v in out.items()}


def spend_by_source(plans):
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


def income_by_source(plans):
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


def ring_fenced_actuals(plans):
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


def in_thousands(amount):
    """Round to £'000 as the seeds print (half away from zero, like Excel)."""
    return int((amount / 1000).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def pooled_budget_by_year(plan):
    """[(year label, minimum or None, agreed)] for each year of the plan's round:
    the nationally set minimum beside the income actually in the pool. Two queries."""
    from .models import MinimumAllocation

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
