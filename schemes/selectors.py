"""Reads of schemes and their lines: the register's totals, a page's wanted lines."""

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum

from .models import ExpenditureLine, Scheme

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
    per_year = {
        f"spend_{year.start_year}": Sum(
            "expenditure_lines__amount", filter=Q(expenditure_lines__year=year)
        )
        for year in years
    }
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
        # An attribute for the templates only: Scheme declares no by_year field.
        scheme.by_year = [getattr(scheme, f"spend_{y.start_year}") for y in years]  # type: ignore[attr-defined]
    return years, schemes


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
