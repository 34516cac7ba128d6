"""Metric tables for a plan, read in a fixed number of queries."""

from collections import defaultdict

from .models import MetricBaseline, MetricDefinition, MetricPeriod, MetricPlanValue


def metric_tables(plan):
    """[{metric, baseline, rows: [(period, plan value or None)]}] for every metric of
    the round, in four queries whatever the number of metrics and periods."""
    metrics = list(MetricDefinition.objects.filter(round=plan.round_id).order_by("order"))
    periods = defaultdict(list)
    for period in MetricPeriod.objects.filter(metric__round=plan.round_id).order_by("order"):
        periods[period.metric_id].append(period)
    values = {
        value.period_id: value
        for value in MetricPlanValue.objects.filter(trajectory__plan=plan, trajectory__is_plan=True)
    }
    baselines = {b.metric_id: b for b in MetricBaseline.objects.filter(plan=plan)}
    return [
        {
            "metric": metric,
            "baseline": baselines.get(metric.pk),
            "rows": [(period, values.get(period.pk)) for period in periods[metric.pk]],
        }
        for metric in metrics
    ]
