"""Reads of schemes and their lines: the register's totals, a page's wanted lines."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum

from plans.stamps import kept_for_plan

from .models import ExpenditureLine, Scheme

RECURRENT = ExpenditureLine.Recurrence.RECURRENT
NON_RECURRENT = ExpenditureLine.Recurrence.NON_RECURRENT

if TYPE_CHECKING:
    from plans.models import FinancialYear, Plan

# Also imported by actions; kept here so reads never import the writer.
LINE_FIELDS = (
    "source",
    "year",
    "amount",
    "area_of_spend",
    "commissioner",
    "nhs_share",
    "la_share",
    "provider_type",
    "provider",
    "recurrence",
)


def schemes_with_totals(plan: "Plan") -> "tuple[list[FinancialYear], list[Scheme]]":
    """The plan's schemes, each annotated with spend per year of the round and in
    all, in one query whatever the number of schemes and lines."""
    years = list(plan.round.years.all())
    per_year = _per_year("expenditure_lines__", years)
    schemes: list[Scheme] = list(
        Scheme.objects.filter(plan=plan)
        .select_related("scheme_type")
        .annotate(
            total=Sum("expenditure_lines__amount"),
            line_count=Count("expenditure_lines"),
            **per_year,
        )
        .order_by("order", "code")
    )
    for scheme in schemes:
        # Attributes for the templates only: Scheme declares no by_year field.
        scheme.by_year = [getattr(scheme, f"spend_{y.start_year}") for y in years]  # type: ignore[attr-defined]
        scheme.by_year_recurrence = [  # type: ignore[attr-defined]
            (getattr(scheme, f"rec_{y.start_year}"), getattr(scheme, f"non_{y.start_year}"))
            for y in years
        ]
    return years, schemes


def register(plan: "Plan") -> "tuple[list[FinancialYear], list[Scheme], dict[str, Any]]":
    """The scheme register: years, schemes with their totals, and the totals row,
    kept under the plan's content stamp."""

    def work(plan: "Plan") -> "tuple[list[FinancialYear], list[Scheme], dict[str, Any]]":
        years, schemes = schemes_with_totals(plan)
        return years, schemes, register_totals(plan, years)

    return kept_for_plan("scheme-register", plan, work)


def _per_year(prefix: str, years: "list[FinancialYear]") -> dict[str, Sum]:
    """Sums of line amounts per year, and recurrent and non-recurrent per year."""
    amount = f"{prefix}amount"
    out: dict[str, Sum] = {}
    for year in years:
        in_year = Q(**{f"{prefix}year": year})
        out[f"spend_{year.start_year}"] = Sum(amount, filter=in_year)
        out[f"rec_{year.start_year}"] = Sum(
            amount, filter=in_year & Q(**{f"{prefix}recurrence": RECURRENT})
        )
        out[f"non_{year.start_year}"] = Sum(
            amount, filter=in_year & Q(**{f"{prefix}recurrence": NON_RECURRENT})
        )
    return out


def register_totals(plan: "Plan", years: "list[FinancialYear]") -> dict[str, Any]:
    """The register's totals row: spend per year (recurrent, non-recurrent and both)
    and in all, summed by the database in one query."""
    sums = ExpenditureLine.objects.filter(scheme__plan=plan).aggregate(
        total=Sum("amount"), **_per_year("", years)
    )
    zero = Decimal("0.00")
    return {
        "total": sums["total"] or zero,
        "by_year": [sums[f"spend_{y.start_year}"] or zero for y in years],
        "by_year_recurrence": [
            (sums[f"rec_{y.start_year}"] or zero, sums[f"non_{y.start_year}"] or zero)
            for y in years
        ],
    }


def line_count(plan: "Plan") -> int:
    return ExpenditureLine.objects.filter(scheme__plan=plan).count()


def wanted_lines(formset: Any) -> list[dict[str, Any]]:
    """The lines a scheme page's formset asks for, as values for actions.write_lines:
    kept and edited lines name their stored pk; blank extra rows and rows marked for
    removal are left out (so removed lines are deleted)."""
    wanted: list[dict[str, Any]] = []
    for form in formset.forms:
        if formset.can_delete and formset._should_delete_form(form):
            continue
        if form.instance.pk is None and not form.has_changed():
            continue
        values = {name: form.cleaned_data.get(name) for name in LINE_FIELDS}
        values["pk"] = form.instance.pk
        wanted.append(values)
    return wanted


def metric_contributions(
    plans: "list[Plan]",
) -> "list[tuple[Any, list[list[str]]]]":
    """Seed BHR 11.9: [(metric, [scheme names per plan, in the plans' order])] for every
    metric any of the plans' schemes says it contributes to. One query."""
    through = Scheme.metrics.through
    rows = (
        through.objects.filter(scheme__plan__in=plans)
        .values_list("metricdefinition", "scheme__plan", "scheme__name")
        .order_by("metricdefinition__order", "scheme__order", "scheme__name")
    )
    names: dict[int, dict[int, list[str]]] = {}
    for metric, plan_id, name in rows:
        names.setdefault(metric, {}).setdefault(plan_id, []).append(name)
    from_metric = {m.pk: m for p in plans[:1] for m in p.round.metrics.all()} if plans else {}
    return [
        (from_metric[metric], [by_plan.get(p.pk, []) for p in plans])
        for metric, by_plan in names.items()
        if metric in from_metric
    ]
