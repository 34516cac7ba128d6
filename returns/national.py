"""The national returns page (/returns/): returns submitted and overdue per region,
metric performance across areas for one return, and the payment for performance
summed nationally; CSV and Excel downloads of the same rows. Regional assurers see
their region; national approvers and administrators every region. A fixed number of
queries whatever the number of areas, periods or schemes."""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from openpyxl import Workbook

from metrics.models import MetricDefinition, MetricPeriod, MetricPlanValue
from plans import permissions
from plans.models import ReturnPeriod, ReturnSettings, Round

from . import rules, selectors
from .models import MetricReport, PlanReturn
from .performance import national_performance

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class RegionRow:
    name: str
    plans: int = 0
    due: int = 0
    submitted: int = 0
    overdue: int = 0
    in_progress: int = 0


@dataclass
class AreaRow:
    plan: Any
    plan_return: PlanReturn | None
    overdue: bool
    rags: dict[str, str | None] = field(default_factory=dict)  # metric code -> RAG

    @property
    def status(self) -> str:
        if self.plan_return and self.plan_return.is_submitted:
            return "Submitted"
        return "Overdue" if self.overdue else "Not submitted"


def national_view(user: Any, round_: Round, period: ReturnPeriod | None) -> dict[str, Any]:
    today = timezone.localdate()
    plans = list(
        permissions.visible_plans(user)
        .filter(round=round_, status__in=selectors.DELIVERY_STATUSES)
        .select_related("area__region", "round")
        .order_by("area__region__name", "area__name")
    )
    periods = list(ReturnPeriod.objects.filter(round=round_).select_related("year"))
    made = {
        (r.plan_id, r.period_id): r
        for r in PlanReturn.objects.filter(plan__in=plans).select_related("submitted_by")
    }
    regions: dict[str, RegionRow] = {}
    for plan in plans:
        region = regions.setdefault(plan.area.region.name, RegionRow(plan.area.region.name))
        region.plans += 1
        for each in periods:
            found = made.get((plan.pk, each.pk))
            submitted = bool(found and found.is_submitted)
            region.submitted += submitted
            if each.due <= today:
                region.due += 1
            if selectors.is_overdue(each, found, today):
                region.overdue += 1
            elif found and not submitted:
                region.in_progress += 1
    areas, metrics = [], []
    if period is not None:
        metrics, areas = _metric_performance(round_, period, plans, made, today)
    settings = ReturnSettings.objects.filter(round=round_).first()
    return {
        "round": round_,
        "period": period,
        "periods": periods,
        "regions": list(regions.values()),
        "areas": areas,
        "metrics": metrics,
        "performance": national_performance(plans, settings) if settings else None,
    }


def _metric_performance(round_, period, plans, made, today):
    """Each area's RAG per metric for the metric periods this return reports, judged on
    its submitted return: five queries."""
    metrics = list(MetricDefinition.objects.filter(round=round_).order_by("order"))
    reported = [
        p
        for p in MetricPeriod.objects.filter(
            metric__round=round_, ends__gte=period.starts, ends__lte=period.ends
        )
    ]
    settings = ReturnSettings.objects.get(round=round_)
    tolerance = selectors.metric_tolerance(settings)
    planned = {
        (v.trajectory.plan_id, v.period_id): v.value
        for v in MetricPlanValue.objects.filter(
            trajectory__plan__in=plans, trajectory__is_plan=True, period__in=reported
        ).select_related("trajectory")
    }
    actuals = {
        (r.plan_return.plan_id, r.period_id): r.value
        for r in MetricReport.objects.filter(
            plan_return__plan__in=plans,
            plan_return__period=period,
            plan_return__status=PlanReturn.Status.SUBMITTED,
        ).select_related("plan_return")
    }
    by_metric = defaultdict(list)
    for p in reported:
        by_metric[p.metric_id].append(p)
    better = {m.pk: m.better for m in metrics}
    rows = []
    for plan in plans:
        row = AreaRow(plan, made.get((plan.pk, period.pk)), False)
        row.overdue = selectors.is_overdue(period, row.plan_return, today)
        for metric in metrics:
            judged = [
                rules.metric_rag(
                    planned.get((plan.pk, p.pk)),
                    actuals.get((plan.pk, p.pk)),
                    better[metric.pk],
                    tolerance,
                )
                for p in by_metric[metric.pk]
            ]
            judged = [rag for rag in judged if rag]
            # A metric's RAG for the return is its worst period's.
            row.rags[metric.code] = (
                max(judged, key=["green", "amber", "red"].index) if judged else None
            )
        rows.append(row)
    shown = [m for m in metrics if by_metric[m.pk]]
    return shown, rows


@dataclass
class PeriodCounts:
    """One return across the plans a user sees: how many plans in delivery owe it,
    how many have submitted it, and how many are overdue (past its due date)."""

    period: ReturnPeriod
    due: int
    submitted: int
    overdue: int


def latest_period(round_: Round, today: Any) -> ReturnPeriod | None:
    return (
        ReturnPeriod.objects.filter(round=round_, due__lte=today).order_by("-due").first()
        or ReturnPeriod.objects.filter(round=round_).order_by("due").first()
    )


def overview_counts(user: Any, round_: Round, today: Any = None) -> list[PeriodCounts]:
    """The national overview's returns panel, latest return first: every return due
    so far and the next one. Three queries whatever the number of plans or returns."""
    today = today or timezone.localdate()
    periods = list(ReturnPeriod.objects.filter(round=round_).order_by("due", "order"))
    shown = [p for p in periods if p.due <= today]
    shown += [p for p in periods if p.due > today][:1]
    if not shown:
        return []
    plans = permissions.visible_plans(user).filter(
        round=round_, status__in=selectors.DELIVERY_STATUSES
    )
    due = plans.count()
    submitted = dict(
        PlanReturn.objects.filter(
            plan__in=plans, period__in=shown, status=PlanReturn.Status.SUBMITTED
        )
        .values("period")
        .annotate(n=Count("pk"))
        .values_list("period", "n")
    )
    rows = []
    for period in reversed(shown):
        done = submitted.get(period.pk, 0)
        rows.append(PeriodCounts(period, due, done, due - done if today > period.due else 0))
    return rows


def overview_panel(user: Any, round_: Round | None) -> tuple[str, dict[str, Any]] | None:
    """What returns adds to the national overview (registered in apps.py); nothing
    for a round that asks for no returns."""
    rows = overview_counts(user, round_) if round_ is not None else []
    if not rows:
        return None
    return "returns/_overview_panel.html", {"round": round_, "rows": rows}


def _allowed(user):
    return permissions.is_national_admin(user) or permissions.is_assurance_user(user)


def _rounds():
    return list(Round.objects.filter(return_settings__isnull=False).order_by("-slug"))


@login_required
def national_returns(request):
    if not _allowed(request.user):
        raise PermissionDenied
    rounds = _rounds()
    round_ = next(
        (r for r in rounds if r.slug == request.GET.get("round")), rounds[0] if rounds else None
    )
    if round_ is None:
        return render(request, "returns/national.html", {"rounds": []})
    period = ReturnPeriod.objects.filter(round=round_, slug=request.GET.get("period", "")).first()
    if period is None:
        period = latest_period(round_, timezone.localdate())
    view = national_view(request.user, round_, period)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _download(view, fmt)
    counts = {row.plan.pk: Counter(row.rags.values()) for row in view["areas"]}
    return render(
        request,
        "returns/national.html",
        view | {"rounds": rounds, "counts": counts},
    )


HEADERS = ["Region", "Area", "Return", "Due", "Status", "Submitted on"]


def export_rows(view):
    for row in view["areas"]:
        submitted = (
            row.plan_return.submitted_at
            if row.plan_return and row.plan_return.submitted_at
            else None
        )
        yield [
            row.plan.area.region.name,
            row.plan.area.name,
            view["period"].label,
            view["period"].due.isoformat(),
            row.status,
            timezone.localtime(submitted).date().isoformat() if submitted else "",
            *[(row.rags.get(m.code) or "").title() for m in view["metrics"]],
        ]


def _download(view, fmt):
    headers = HEADERS + [m.name for m in view["metrics"]]
    name = f"bcf-returns-{view['round'].slug}-{view['period'].slug if view['period'] else 'none'}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = csv.writer(response)
        writer.writerow(headers)
        writer.writerows(export_rows(view))
        return response
    book = Workbook()
    sheet = book.active
    sheet.title = "Returns"
    sheet.append(headers)
    for row in export_rows(view):
        sheet.append(row)
    regions = book.create_sheet("Regions")
    regions.append(
        ["Region", "Plans in delivery", "Returns due so far", "Submitted", "Overdue", "In progress"]
    )
    for region in view["regions"]:
        regions.append(
            [
                region.name,
                region.plans,
                region.due,
                region.submitted,
                region.overdue,
                region.in_progress,
            ]
        )
    if view["performance"]:
        money = book.create_sheet("Payment for performance")
        money.append(["Area", "At stake", "Released", "Held back", "Contingency applied"])
        for area, totals in view["performance"]["areas"]:
            money.append(
                [
                    area.name,
                    *[totals[k] for k in ("at_stake", "released", "held_back", "contingency")],
                ]
            )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
