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
    # The metric's components in order, as read with the table (None: ask the metric).
    component_list: list[MetricComponent] | None = None

    @property
    def plan(self) -> Series | None:
        return self.series[0] if self.series and self.series[0].trajectory.is_plan else None

    @property
    def components(self) -> list[MetricComponent]:
        if self.component_list is not None:
            return list(self.component_list)
        return list(self.metric.components.all())

    def sums(self) -> list[PeriodSum]:
        return self.plan.sums(self.metric) if self.plan else []


def metric_tables(plan: "Plan") -> list[MetricTable]:
    """[MetricTable] for every metric of the round: at most ten queries whatever the
    number of metrics, periods, trajectories and values (seven for a plan with no
    trajectories)."""
    return _read_tables(plan)[0]


def _read_tables(
    plan: "Plan", *, contingencies_unless_unused: bool = False
) -> tuple[list[MetricTable], list[PerformanceContingency]]:
    """The tables, and every contingency row of the plan (for their totals). Each
    query names its own order (or none, where rows go into a dict): the models'
    default orderings join the plan, round and area tables only to sort by them.
    With contingencies_unless_unused, a round with no payment-for-performance metric
    reads no contingency rows (the metrics page shows them for no other metric)."""
    metrics = list(MetricDefinition.objects.filter(round=plan.round_id).order_by("order"))
    # Each metric's components in their order (as its default ordering gives them
    # within a metric), in one query.
    components_of: defaultdict[int, list[MetricComponent]] = defaultdict(list)
    for component in MetricComponent.objects.filter(metric__in=[m.pk for m in metrics]).order_by(
        "order", "pk"
    ):
        components_of[component.metric_id].append(component)
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
    # What the plan's trajectories hold, by their ids (no join back to the plan); a
    # plan with none has nothing to read.
    ids = [t.pk for each in trajectories.values() for t in each]
    values: dict[tuple[int, int], tuple[Decimal | None, Decimal | None, Decimal | None]] = {}
    parts: defaultdict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    year_targets: defaultdict[int, dict[int, MetricYearTarget]] = defaultdict(dict)
    if ids:
        values = {
            (trajectory_id, period_id): (value, numerator, denominator)
            for trajectory_id, period_id, value, numerator, denominator in (
                MetricPlanValue.objects.filter(trajectory_id__in=ids)
                .order_by()
                .values_list("trajectory_id", "period_id", "value", "numerator", "denominator")
            )
        }
        for trajectory_id, period_id, component_id, value in (
            MetricComponentValue.objects.filter(trajectory_id__in=ids)
            .order_by()
            .values_list("trajectory_id", "period_id", "component_id", "value")
        ):
            parts[(trajectory_id, period_id)][component_id] = value
        for target in (
            MetricYearTarget.objects.filter(trajectory_id__in=ids)
            .select_related("year")
            .order_by("trajectory_id", "year__start_year")
        ):
            year_targets[target.trajectory_id][target.year.start_year] = target
    actuals = dict(
        MetricActual.objects.filter(plan=plan).order_by().values_list("period_id", "value")
    )
    baselines = {b.metric_id: b for b in MetricBaseline.objects.filter(plan=plan).order_by()}
    if contingencies_unless_unused and not any(m.payment_for_performance for m in metrics):
        contingency_rows = []
    else:
        contingency_rows = list(PerformanceContingency.objects.filter(plan=plan).order_by("pk"))
    contingencies = {c.metric_id: c for c in contingency_rows}

    tables: list[MetricTable] = []
    no_parts: dict[int, Decimal] = {}
    for metric in metrics:
        components = [c.pk for c in components_of[metric.pk]]
        series: list[Series] = []
        for trajectory in trajectories[metric.pk]:
            rows: list[Row] = []
            for period in periods[metric.pk]:
                key = (trajectory.pk, period.pk)
                row = Row(period, actual=actuals.get(period.pk) if trajectory.is_plan else None)
                stored = values.get(key)
                if stored is not None:
                    row.value, row.numerator, row.denominator = stored
                found = parts.get(key, no_parts)
                row.components = [found.get(c) for c in components]
                rows.append(row)
            series.append(Series(trajectory, rows, year_targets[trajectory.pk]))
        tables.append(
            MetricTable(
                metric,
                periods[metric.pk],
                baselines.get(metric.pk),
                series,
                contingencies.get(metric.pk),
                components_of[metric.pk],
            )
        )
    return tables, contingency_rows


@dataclass
class MetricsPage:
    """What the plan's metrics page reads: the tables, the contingency totals and
    the local metrics' names, in the tables' queries and at most one more."""

    tables: list[MetricTable]
    contingency_totals: dict[str, Decimal | None]
    local_metrics: dict[int, LocalMetric]


CONTINGENCY_FIELDS = ("planned_savings", "maximum_support", "ongoing_savings", "ongoing_support")


def metrics_page(plan: "Plan") -> MetricsPage:
    """The tables; the contingency totals added up from the rows they read (as
    contingency_totals adds them in SQL: None where nothing is entered), read only
    when a metric is paid for performance; the local metrics only when the round has
    one. The page shows neither for any other metric."""
    tables, contingencies = _read_tables(plan, contingencies_unless_unused=True)
    totals: dict[str, Decimal | None] = {}
    for name in CONTINGENCY_FIELDS:
        entered = [getattr(c, name) for c in contingencies if getattr(c, name) is not None]
        totals[name] = sum(entered[1:], entered[0]) if entered else None
    local = local_metrics(plan) if any(t.metric.is_local for t in tables) else {}
    return MetricsPage(tables, totals, local)


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
