"""The one writer of a plan's metric figures: the metric pages and the Excel importer
both write through `write_metric`. Each metric of a plan has its own optimistic lock
(`MetricLock`): a page save claims it, an upload moves it on with `touch_metric`."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from plans.locking import EditConflict, claim, lock_row, read_version
from plans.models import Plan, Section
from plans.sections.actions import check_can_edit, touch_sections
from plans.sections.selectors import section_of_kind

from .models import (
    LocalMetric,
    MetricActual,
    MetricBaseline,
    MetricComponentValue,
    MetricDefinition,
    MetricLock,
    MetricPeriod,
    MetricPlanValue,
    MetricTrajectory,
    MetricYearTarget,
    PerformanceContingency,
)
from .selectors import MetricTable

if TYPE_CHECKING:
    from .forms import MetricValuesForm

# One period's planned figures as MetricValuesForm.planned() gives them:
# (value, numerator, denominator, {component code: value}).
type Planned = tuple[Decimal | None, Decimal | None, Decimal | None, dict[str, Decimal | None]]


def write_metric(plan: Plan, table: MetricTable, form: "MetricValuesForm") -> None:
    """Write one metric's entered figures (a validated MetricValuesForm) for the plan.
    Runs inside the caller's transaction."""
    metric = table.metric
    planned = form.planned()
    targets = {y: v for y, v in form.year_targets().items() if form.posted(f"year-{y.start_year}")}
    trajectory = table.plan.trajectory if table.plan else None
    if trajectory is None and (planned or any(v is not None for v in targets.values())):
        # The plan's trajectory is made with its first value, not before.
        trajectory = MetricTrajectory.objects.create(
            plan=plan, metric=metric, name="Plan", is_plan=True
        )
    if trajectory is not None:
        _write_planned(trajectory, table, planned)
        for year, value in targets.items():
            if value is None:
                MetricYearTarget.objects.filter(trajectory=trajectory, year=year).delete()
            else:
                MetricYearTarget.objects.update_or_create(
                    trajectory=trajectory, year=year, defaults={"value": value}
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
    if metric.is_local and form.posted("local_name"):
        if data.get("local_name"):
            LocalMetric.objects.update_or_create(
                plan=plan,
                metric=metric,
                defaults={
                    "name": data["local_name"],
                    "definition": data.get("local_definition", ""),
                    "units": data.get("local_units", ""),
                },
            )
        else:
            LocalMetric.objects.filter(plan=plan, metric=metric).delete()
    if metric.payment_for_performance:
        _write_contingency(plan, metric, form)


def _write_contingency(plan: Plan, metric: MetricDefinition, form: "MetricValuesForm") -> None:
    """2015/16 and ongoing: savings if the target is met, support needed if not. A
    figure the form was not sent (the Excel template has 2015/16 only) is kept."""
    names = ("planned_savings", "maximum_support", "ongoing_savings", "ongoing_support")
    stored = PerformanceContingency.objects.filter(plan=plan, metric=metric).first()
    figures = {
        name: form.cleaned_data.get(name)
        if form.posted(name)
        else (getattr(stored, name) if stored else None)
        for name in names
    }
    if all(v is None for v in figures.values()):
        PerformanceContingency.objects.filter(plan=plan, metric=metric).delete()
    else:
        PerformanceContingency.objects.update_or_create(plan=plan, metric=metric, defaults=figures)


def _write_planned(
    trajectory: MetricTrajectory, table: MetricTable, planned: dict[MetricPeriod, Planned]
) -> None:
    components = {c.code: c for c in table.components}
    for period in table.periods:
        if period not in planned:
            MetricPlanValue.objects.filter(trajectory=trajectory, period=period).delete()
            MetricComponentValue.objects.filter(trajectory=trajectory, period=period).delete()
            continue
        value, numerator, denominator, parts = planned[period]
        figures = {"value": value, "numerator": numerator, "denominator": denominator}
        MetricPlanValue.objects.update_or_create(
            trajectory=trajectory, period=period, defaults=figures
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


def _lock(plan: Plan, metric: MetricDefinition) -> MetricLock:
    return lock_row(MetricLock, plan=plan, metric=metric)


@transaction.atomic
def save_metric(
    *,
    user: User,
    plan: Plan,
    table: MetricTable,
    form: "MetricValuesForm",
    posted_version: object,
) -> MetricLock:
    """Save one metric's page, if the user may edit the plan's metrics and nobody saved
    this metric since the page was read (EditConflict otherwise, naming who and when).
    Other metrics of the plan have their own locks, so saving one never makes another
    open page stale. The metrics section's progress records who saved last; whether
    the section is complete does not change."""
    section = section_of_kind(plan, Section.Kind.METRICS)
    if section is None:
        raise ValueError(f"Round {plan.round.slug} has no metrics section.")
    check_can_edit(user, plan, section)
    lock = _lock(plan, table.metric)
    won = claim(
        MetricLock.objects.filter(pk=lock.pk),
        read_version(posted_version),
        updated_by=user,
        updated_at=timezone.now(),
    )
    if not won:
        lock.refresh_from_db()
        raise EditConflict(lock)
    write_metric(plan, table, form)
    touch_sections(plan=plan, kinds=[Section.Kind.METRICS], user=user)
    lock.refresh_from_db()
    return lock


def touch_metric(*, plan: Plan, metric: MetricDefinition, user: User | None) -> None:
    """Record that `user` changed this metric outside its page (an upload): its version
    moves on, so anyone with the metric's page open must reload before saving over the
    change. Runs inside the caller's transaction; call it before writing the figures,
    as a page save claims the lock first too."""
    lock = _lock(plan, metric)
    MetricLock.objects.filter(pk=lock.pk).update(
        lock_version=F("lock_version") + 1, updated_by=user, updated_at=timezone.now()
    )
