"""The one writer of a plan's metric figures: the metric pages and the Excel importer
both write through `write_metric`."""

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import transaction

from plans.models import Plan, Section, SectionProgress
from plans.sections.actions import save_page

from .models import (
    MetricActual,
    MetricBaseline,
    MetricComponentValue,
    MetricPlanValue,
    MetricTrajectory,
    PerformanceContingency,
)
from .selectors import MetricTable

if TYPE_CHECKING:
    from .forms import MetricValuesForm


def write_metric(plan: Plan, table: MetricTable, form: "MetricValuesForm") -> None:
    """Write one metric's entered figures (a validated MetricValuesForm) for the plan.
    Runs inside the caller's transaction."""
    metric = table.metric
    trajectory = (
        table.plan.trajectory
        if table.plan
        else MetricTrajectory.objects.create(plan=plan, metric=metric, name="Plan", is_plan=True)
    )
    planned = form.planned()
    components = {c.code: c for c in table.components}
    for period in table.periods:
        if period not in planned:
            MetricPlanValue.objects.filter(trajectory=trajectory, period=period).delete()
            MetricComponentValue.objects.filter(trajectory=trajectory, period=period).delete()
            continue
        value, numerator, denominator, parts = planned[period]
        MetricPlanValue.objects.update_or_create(
            trajectory=trajectory,
            period=period,
            defaults={"value": value, "numerator": numerator, "denominator": denominator},
        )
        for code, part in parts.items():
            if part is None:
                MetricComponentValue.objects.filter(
                    trajectory=trajectory, period=period, component=components[code]
                ).delete()
            else:
                MetricComponentValue.objects.update_or_create(
                    trajectory=trajectory,
                    period=period,
                    component=components[code],
                    defaults={"value": part},
                )
    for period, actual in form.actuals().items():
        if actual is None:
            MetricActual.objects.filter(plan=plan, period=period).delete()
        else:
            MetricActual.objects.update_or_create(
                plan=plan, period=period, defaults={"value": actual}
            )
    data = form.cleaned_data
    if data.get("baseline_value") is None:
        MetricBaseline.objects.filter(plan=plan, metric=metric).delete()
    else:
        MetricBaseline.objects.update_or_create(
            plan=plan,
            metric=metric,
            defaults={"value": data["baseline_value"], "period_label": data["baseline_period"]},
        )
    if metric.payment_for_performance:
        PerformanceContingency.objects.update_or_create(
            plan=plan,
            metric=metric,
            defaults={
                "planned_savings": data.get("planned_savings"),
                "maximum_support": data.get("maximum_support"),
            },
        )


@transaction.atomic
def save_metric(
    *,
    user: User,
    plan: Plan,
    table: MetricTable,
    form: "MetricValuesForm",
    posted_version: object,
) -> SectionProgress:
    """Save one metric's page, if the user may and nobody saved the metrics section
    since the page was read (EditConflict otherwise)."""
    return save_page(
        plan=plan,
        kind=Section.Kind.METRICS,
        user=user,
        posted_version=posted_version,
        write=lambda: write_metric(plan, table, form),
    )
