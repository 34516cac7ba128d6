"""Writing one metric's entered figures for a plan (called inside save_section)."""

from .models import (
    MetricActual,
    MetricBaseline,
    MetricComponentValue,
    MetricPlanValue,
    MetricTrajectory,
    PerformanceContingency,
)


def write_metric(plan, table, form):
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
