"""Payment for performance (2014-16): each metric the round pays on, judged on its
period's actual against baseline and plan, with the money its result releases or
holds back (returns.rules has the sums; this gathers the figures)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from finance.models import MinimumAllocation
from metrics.models import (
    MetricBaseline,
    MetricDefinition,
    MetricPlanValue,
    PerformanceContingency,
)
from plans.models import PerformanceMeasure, Plan, ReturnSettings

from . import rules
from .models import MetricReport, PlanReturn


@dataclass
class PerformanceRow:
    measure: PerformanceMeasure
    metric: Any  # metrics.MetricDefinition
    period_label: str
    baseline: Decimal | None
    planned: Decimal | None
    actual: Decimal | None
    maximum_support: Decimal | None
    payment: rules.Payment


def performance_fund(plan: Plan, settings: ReturnSettings) -> Decimal | None:
    """The base the round's fund share is taken of: the area's minimum pooled budget in
    the performance year (one query)."""
    found = MinimumAllocation.objects.filter(
        area=plan.area_id,
        year=settings.performance_year_id,
        kind=MinimumAllocation.Kind.POOLED_BUDGET,
    ).first()
    return found.amount if found else None


def performance_rows(
    plan: Plan, settings: ReturnSettings, blocks: list[Any]
) -> list[PerformanceRow]:
    """A row per metric the round pays on, from the return's metric blocks
    (selectors.MetricBlock); [] for a round without payment for performance. Two
    queries."""
    if not settings.performance_method:
        return []
    fund = performance_fund(plan, settings) or Decimal(0)
    by_code = {block.metric.code: block for block in blocks}
    found = []
    for measure in PerformanceMeasure.objects.filter(round=plan.round_id).order_by("order"):
        block = by_code.get(measure.metric_code)
        if block is None or not block.rows:
            continue
        row = next(
            (r for r in block.rows if r.period.label == measure.period_label), block.rows[-1]
        )
        baseline = block.table.baseline.value if block.table.baseline else None
        contingency = block.table.contingency
        maximum = contingency.maximum_support if contingency else None
        achieved = rules.improvement_achieved(
            baseline, row.planned, row.actual, block.metric.better
        )
        at_stake = rules.metric_at_stake(
            fund, settings.performance_fund_share or Decimal(0), measure.weight
        )
        found.append(
            PerformanceRow(
                measure,
                block.metric,
                row.period.label,
                baseline,
                row.planned,
                row.actual,
                maximum,
                rules.performance_payment(
                    at_stake=at_stake,
                    achieved=achieved,
                    method=settings.performance_method,
                    threshold_percent=settings.performance_threshold,
                    maximum_support=maximum,
                ),
            )
        )
    return found


KEYS = ("at_stake", "released", "held_back", "contingency")


def national_performance(plans: list[Plan], settings: ReturnSettings) -> dict[str, Any] | None:
    """The payment for performance of every plan given, from their submitted returns,
    per area and in total: seven queries whatever the number of plans."""
    if not settings.performance_method or not plans:
        return None
    measures = list(PerformanceMeasure.objects.filter(round=settings.round_id).order_by("order"))
    metrics = {
        m.code: m
        for m in MetricDefinition.objects.filter(
            round=settings.round_id, code__in=[m.metric_code for m in measures]
        ).prefetch_related("periods")
    }
    judged = {}
    for measure in measures:
        metric = metrics.get(measure.metric_code)
        periods = list(metric.periods.all()) if metric else []
        if periods:
            judged[measure.pk] = next(
                (p for p in periods if p.label == measure.period_label), periods[-1]
            )
    periods = list(judged.values())
    baselines = {
        (b.plan_id, b.metric_id): b.value
        for b in MetricBaseline.objects.filter(plan__in=plans, metric__in=metrics.values())
    }
    planned = {
        (v.trajectory.plan_id, v.period_id): v.value
        for v in MetricPlanValue.objects.filter(
            trajectory__plan__in=plans, trajectory__is_plan=True, period__in=periods
        ).select_related("trajectory")
    }
    actuals = {
        (r.plan_return.plan_id, r.period_id): r.value
        for r in MetricReport.objects.filter(
            plan_return__plan__in=plans,
            plan_return__status=PlanReturn.Status.SUBMITTED,
            period__in=periods,
        )
        .select_related("plan_return")
        .order_by("plan_return__period__ends")
    }
    support = {
        (c.plan_id, c.metric_id): c.maximum_support
        for c in PerformanceContingency.objects.filter(plan__in=plans, metric__in=metrics.values())
    }
    funds = {
        m.area_id: m.amount
        for m in MinimumAllocation.objects.filter(
            area__in=[p.area_id for p in plans],
            year=settings.performance_year_id,
            kind=MinimumAllocation.Kind.POOLED_BUDGET,
        )
    }
    areas, overall = [], dict.fromkeys(KEYS, Decimal(0))
    for plan in plans:
        totals = dict.fromkeys(KEYS, Decimal(0))
        for measure in measures:
            metric, period = metrics.get(measure.metric_code), judged.get(measure.pk)
            if metric is None or period is None:
                continue
            achieved = rules.improvement_achieved(
                baselines.get((plan.pk, metric.pk)),
                planned.get((plan.pk, period.pk)),
                actuals.get((plan.pk, period.pk)),
                metric.better,
            )
            payment = rules.performance_payment(
                at_stake=rules.metric_at_stake(
                    funds.get(plan.area_id, Decimal(0)),
                    settings.performance_fund_share or Decimal(0),
                    measure.weight,
                ),
                achieved=achieved,
                method=settings.performance_method,
                threshold_percent=settings.performance_threshold,
                maximum_support=support.get((plan.pk, metric.pk)),
            )
            for key in KEYS:
                totals[key] += getattr(payment, key)
        areas.append((plan.area, totals))
        for key in KEYS:
            overall[key] += totals[key]
    return {"areas": areas, "totals": overall}
