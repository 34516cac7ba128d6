"""Metric tables for a plan, read in a fixed number of queries, with every rate,
quarterly and annual figure computed from the stored numerators and populations."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Sum

from .models import (
    LocalMetric,
    MetricActual,
    MetricBaseline,
    MetricComponent,
    MetricComponentValue,
    MetricDefinition,
    MetricLock,
    MetricPeriod,
    MetricPlanValue,
    MetricTrajectory,
    MetricYearTarget,
    PerformanceContingency,
)
from .rates import ONE_DP, rate

if TYPE_CHECKING:
    from plans.models import Plan

# A quarter's or year's sum: (label, days or count, rate).
type PeriodSum = tuple[str, Decimal | None, Decimal | None]


def quarter_of(period: MetricPeriod) -> int:
    """Quarter of the financial year a period starts in (April-June is Q1)."""
    return (period.starts.month - 4) % 12 // 3 + 1


@dataclass
class Row:
    period: MetricPeriod
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    components: list[Decimal | None] = field(default_factory=list)
    actual: Decimal | None = None

    @property
    def unrounded_rate(self) -> Decimal | None:
        if self.numerator is None or not self.denominator:
            return None
        return self.numerator / self.denominator


@dataclass
class Series:
    trajectory: MetricTrajectory
    rows: list[Row]
    # {year start: target} where the year is planned as one annual figure
    year_targets: dict[int, MetricYearTarget] = field(default_factory=dict)

    def planned_by_year_target(self, period: MetricPeriod) -> bool:
        return period.year.start_year in self.year_targets

    def sums(self, metric: MetricDefinition) -> list[PeriodSum]:
        """[(label, days or count, rate)] per quarter and for each year, for monthly
        metrics: counts add up; a period's rate is the sum of its unrounded monthly
        rates (the seed prints Havering's seasonal year as 2,206.4, not the 2,206.6
        its rounded months add up to)."""
        if metric.granularity != MetricDefinition.Granularity.MONTHLY:
            return []
        groups: defaultdict[tuple[str, str], list[Row]] = defaultdict(list)
        for row in self.rows:
            year = row.period.year.label
            groups[(year, f"Q{quarter_of(row.period)} {year}")].append(row)
            groups[(year, f"Year {year}")].append(row)
        out: list[PeriodSum] = []
        for (_year, label), rows in sorted(groups.items(), key=lambda item: item[0]):
            counts = [r.numerator for r in rows if r.numerator is not None]
            rates = [r.unrounded_rate for r in rows if r.unrounded_rate is not None]
            out.append(
                (
                    label,
                    sum(counts, Decimal(0)) if counts else None,
                    (sum(rates, Decimal(0)) * (metric.rate_base or 1)).quantize(
                        ONE_DP, ROUND_HALF_UP
                    )
                    if rates and metric.rate_base
                    else None,
                )
            )
        return out


@dataclass
class MetricTable:
    metric: MetricDefinition
    periods: list[MetricPeriod]
    baseline: MetricBaseline | None
    series: list[Series]  # the plan first, then alternatives
    contingency: PerformanceContingency | None = None

    @property
    def plan(self) -> Series | None:
        return self.series[0] if self.series and self.series[0].trajectory.is_plan else None

    @property
    def components(self) -> list[MetricComponent]:
        return list(self.metric.components.all())

    def sums(self) -> list[PeriodSum]:
        return self.plan.sums(self.metric) if self.plan else []


def metric_tables(plan: "Plan") -> list[MetricTable]:
    """[MetricTable] for every metric of the round: nine queries whatever the number
    of metrics, periods, trajectories and values."""
    metrics = list(
        MetricDefinition.objects.filter(round=plan.round_id)
        .prefetch_related("components")
        .order_by("order")
    )
    periods: defaultdict[int, list[MetricPeriod]] = defaultdict(list)
    for period in (
        MetricPeriod.objects.filter(metric__round=plan.round_id)
        .select_related("year")
        .order_by("order")
    ):
        periods[period.metric_id].append(period)
    trajectories: defaultdict[int, list[MetricTrajectory]] = defaultdict(list)
    for trajectory in MetricTrajectory.objects.filter(plan=plan).order_by("-is_plan", "name"):
        trajectories[trajectory.metric_id].append(trajectory)
    values = {
        (v.trajectory_id, v.period_id): v
        for v in MetricPlanValue.objects.filter(trajectory__plan=plan)
    }
    parts: defaultdict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    for part in MetricComponentValue.objects.filter(trajectory__plan=plan):
        parts[(part.trajectory_id, part.period_id)][part.component_id] = part.value
    year_targets: defaultdict[int, dict[int, MetricYearTarget]] = defaultdict(dict)
    for target in MetricYearTarget.objects.filter(trajectory__plan=plan).select_related("year"):
        year_targets[target.trajectory_id][target.year.start_year] = target
    actuals = {a.period_id: a.value for a in MetricActual.objects.filter(plan=plan)}
    baselines = {b.metric_id: b for b in MetricBaseline.objects.filter(plan=plan)}
    contingencies = {c.metric_id: c for c in PerformanceContingency.objects.filter(plan=plan)}

    tables: list[MetricTable] = []
    for metric in metrics:
        components = list(metric.components.all())
        series: list[Series] = []
        for trajectory in trajectories[metric.pk]:
            rows: list[Row] = []
            for period in periods[metric.pk]:
                stored = values.get((trajectory.pk, period.pk))
                row = Row(period, actual=actuals.get(period.pk) if trajectory.is_plan else None)
                if stored is not None:
                    row.value, row.numerator, row.denominator = (
                        stored.value,
                        stored.numerator,
                        stored.denominator,
                    )
                row.components = [parts[(trajectory.pk, period.pk)].get(c.pk) for c in components]
                rows.append(row)
            series.append(Series(trajectory, rows, year_targets[trajectory.pk]))
        tables.append(
            MetricTable(
                metric,
                periods[metric.pk],
                baselines.get(metric.pk),
                series,
                contingencies.get(metric.pk),
            )
        )
    return tables


def metric_lock(plan: "Plan", metric: MetricDefinition) -> MetricLock:
    """The metric's lock row, or an unsaved one at version 0 (reading never writes):
    one query."""
    found = MetricLock.objects.filter(plan=plan, metric=metric).first()
    return found or MetricLock(plan=plan, metric=metric)


class ValueRow(TypedDict):
    """One planned value, as the rules in metrics.rules read it."""

    code: str
    name: str
    unit: str
    rate_base: int | None
    better: str
    label: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None


def local_metrics(plan: "Plan") -> dict[int, LocalMetric]:
    """{metric id: the area's own name, definition and units} for its local metrics."""
    return {m.metric_id: m for m in LocalMetric.objects.filter(plan=plan)}


def year_target_rows(tables: Iterable[MetricTable]) -> list[ValueRow]:
    """Plain rows of every annual target, labelled by year, for the rules."""
    return [
        {
            "code": t.metric.code,
            "name": t.metric.name,
            "unit": t.metric.unit,
            "rate_base": t.metric.rate_base,
            "better": t.metric.better,
            "label": f"Year {target.year.label}",
            "value": target.value,
            "numerator": target.numerator,
            "denominator": target.denominator,
        }
        for t in tables
        if t.plan
        for target in t.plan.year_targets.values()
    ]


def rule_rows(tables: Iterable[MetricTable]) -> list[ValueRow]:
    """Plain rows of every planned value for the rules in metrics.rules."""
    return [
        {
            "code": t.metric.code,
            "name": t.metric.name,
            "unit": t.metric.unit,
            "rate_base": t.metric.rate_base,
            "better": t.metric.better,
            "label": row.period.label,
            "value": row.value,
            "numerator": row.numerator,
            "denominator": row.denominator,
        }
        for t in tables
        if t.plan
        for row in t.plan.rows
        if row.value is not None or row.numerator is not None
    ]


def computed_rate(
    metric: MetricDefinition, numerator: Decimal | None, denominator: Decimal | None
) -> Decimal | None:
    return rate(numerator, denominator, metric.rate_base) if metric.rate_base else None


def contingency_totals(plan: "Plan") -> dict[str, Decimal | None]:
    """Totals of the payment-for-performance contingency over the plan's metrics, for
    2015/16 and ongoing: {field: total, or None where nothing is entered}. One query."""
    return PerformanceContingency.objects.filter(plan=plan).aggregate(
        planned_savings=Sum("planned_savings"),
        maximum_support=Sum("maximum_support"),
        ongoing_savings=Sum("ongoing_savings"),
        ongoing_support=Sum("ongoing_support"),
    )
