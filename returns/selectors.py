"""Reads that feed the return pages, the template and the report, each in a fixed
number of queries whatever the number of periods, schemes, lines or milestones."""

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from finance.models import IncomeLine
from metrics.selectors import MetricTable, metric_tables
from plans.models import (
    FundingSource,
    Milestone,
    NationalCondition,
    Plan,
    ReturnPeriod,
    ReturnSettings,
)
from plans.permissions import (
    area_ids,
    assurance_kinds_for,
    is_area_commissioner,
    is_national_admin,
)
from schemes.models import ExpenditureLine, Scheme

from . import rules
from .models import (
    ConditionReport,
    IncomeReport,
    MetricReport,
    MilestoneReport,
    PlanReturn,
    ReturnPart,
    SchemeReport,
    SpendReport,
)
from .performance import performance_rows
from .sheet import (
    ConditionRow,
    DeliveryRow,
    ListRow,
    MetricBlock,
    MetricRow,
    MoneyRow,
    PartStatus,
    ReturnSheet,
)

Part = ReturnSettings.Part
S = Plan.Status
# Plans in delivery report on it: approved, or approved with conditions.
DELIVERY_STATUSES = (S.APPROVED, S.APPROVED_WITH_CONDITIONS)


def in_delivery(plan: Plan) -> bool:
    return plan.status in DELIVERY_STATUSES


def sees_drafts(user: Any, plan: Plan) -> bool:
    """Only the area's own staff and national administrators see a return before it is
    submitted; assurers and other areas see submitted returns only."""
    return is_national_admin(user) or plan.area_id in area_ids(user)


def parts_of(settings: ReturnSettings, period: ReturnPeriod) -> list[str]:
    return list(period.parts or settings.parts)


def is_overdue(period: ReturnPeriod, plan_return: PlanReturn | None, today: datetime.date) -> bool:
    return today > period.due and not (plan_return and plan_return.is_submitted)


def return_list(plan: Plan, today: datetime.date) -> list[ListRow]:
    """Every return the plan's round asks, with the plan's return where there is one:
    two queries."""
    made = {
        r.period_id: r for r in PlanReturn.objects.filter(plan=plan).select_related("submitted_by")
    }
    return [
        ListRow(period, made.get(period.pk), is_overdue(period, made.get(period.pk), today))
        for period in ReturnPeriod.objects.filter(round=plan.round_id).select_related("year")
    ]


def find_period(plan: Plan, slug: str) -> ReturnPeriod | None:
    return (
        ReturnPeriod.objects.filter(round=plan.round_id, slug=slug)
        .select_related("year", "round")
        .first()
    )


def settings_of(plan: Plan) -> ReturnSettings | None:
    return ReturnSettings.objects.filter(round=plan.round_id).first()


def metric_tolerance(settings: ReturnSettings) -> rules.Tolerance:
    return rules.Tolerance(settings.metric_green_within, settings.metric_amber_within)


def spend_tolerance(settings: ReturnSettings) -> rules.Tolerance:
    return rules.Tolerance(settings.spend_green_within, settings.spend_amber_within)


def return_sheet(plan: Plan, period: ReturnPeriod, settings: ReturnSettings) -> ReturnSheet:
    """Everything one return shows and asks, with the plan's figures beside it: about
    25 queries, however many schemes, lines, metric periods or milestones."""
    found = (
        PlanReturn.objects.filter(plan=plan, period=period)
        .select_related("submitted_by")
        .prefetch_related("parts__updated_by")
        .first()
    )
    plan_return = found or PlanReturn(plan=plan, period=period)
    progress = {p.part: p for p in plan_return.parts.all()} if found else {}
    titles = dict(Part.choices)
    sheet = ReturnSheet(
        plan,
        period,
        settings,
        plan_return,
        [PartStatus(code, titles[code], progress.get(code)) for code in parts_of(settings, period)],
    )
    wanted = {p.part for p in sheet.parts}
    if Part.CONDITIONS in wanted:
        _conditions(sheet, found)
    if Part.FINANCE in wanted:
        _money(sheet, found)
    if Part.METRICS in wanted or sheet.settings.performance_method:
        _metrics(sheet, found)
    if Part.DELIVERY in wanted:
        _delivery(sheet, found)
    return sheet


def _conditions(sheet: ReturnSheet, found: PlanReturn | None) -> None:
    reports = (
        {r.condition_id: r for r in ConditionReport.objects.filter(plan_return=found)}
        if found
        else {}
    )
    sheet.conditions = [
        ConditionRow(c, reports.get(c.pk))
        for c in NationalCondition.objects.filter(round=sheet.plan.round_id).order_by("order")
    ]


def _money(sheet: ReturnSheet, found: PlanReturn | None) -> None:
    plan, year = sheet.plan, sheet.period.year_id
    sources = {s.pk: s for s in FundingSource.objects.filter(round=plan.round_id)}
    income = {
        row["source"]: row["total"]
        for row in IncomeLine.objects.filter(plan=plan, year=year)
        .values("source")
        .annotate(total=Sum("amount"))
    }
    reported = (
        {r.source_id: r for r in IncomeReport.objects.filter(plan_return=found)} if found else {}
    )
    tolerance = spend_tolerance(sheet.settings)
    for source in sorted(
        (sources[pk] for pk in set(income) | set(reported)), key=lambda s: s.order
    ):
        report = reported.get(source.pk)
        sheet.income.append(
            MoneyRow(
                f"income:{source.code}",
                source.name,
                income.get(source.pk, Decimal(0)),
                report.to_date if report else None,
                report.forecast if report else None,
                source=source,
            )
        )
    budget = {
        (row["scheme"], row["source"]): row["total"]
        for row in ExpenditureLine.objects.filter(scheme__plan=plan, year=year)
        .values("scheme", "source")
        .annotate(total=Sum("amount"))
    }
    spent = (
        {(r.scheme_id, r.source_id): r for r in SpendReport.objects.filter(plan_return=found)}
        if found
        else {}
    )
    schemes = {s.pk: s for s in Scheme.objects.filter(plan=plan)}
    keys = [k for k in set(budget) | set(spent) if k[0] in schemes]
    keys.sort(key=lambda k: (schemes[k[0]].order, schemes[k[0]].code, sources[k[1]].order))
    for scheme_pk, source_pk in keys:
        scheme, source = schemes[scheme_pk], sources[source_pk]
        spent_row = spent.get((scheme_pk, source_pk))
        planned = budget.get((scheme_pk, source_pk), Decimal(0))
        forecast = spent_row.forecast if spent_row else None
        sheet.spend.append(
            MoneyRow(
                f"spend:{scheme.code}:{source.code}",
                f"{scheme.code} {scheme.name}",
                planned,
                spent_row.to_date if spent_row else None,
                forecast,
                rules.spend_rag(planned, forecast, tolerance),
                scheme,
                source,
            )
        )


def reported_periods(period: ReturnPeriod, table: MetricTable) -> set[int]:
    """The metric periods a return reports: those that end within its dates."""
    return {p.pk for p in table.periods if period.starts <= p.ends <= period.ends}


def known_actuals(plan: Plan, upto: ReturnPeriod, this: PlanReturn | None) -> dict[int, Any]:
    """{metric period id: MetricReport} from the plan's submitted returns up to `upto`,
    and from `this` return whatever its state; a later return's figure wins."""
    reports = MetricReport.objects.filter(
        plan_return__plan=plan, plan_return__period__ends__lte=upto.ends
    ).filter(Q(plan_return__status=PlanReturn.Status.SUBMITTED) | Q(plan_return=this))
    return {r.period_id: r for r in reports.order_by("plan_return__period__ends", "pk")}


def _metrics(sheet: ReturnSheet, found: PlanReturn | None) -> None:
    tables = metric_tables(sheet.plan)
    actuals = known_actuals(sheet.plan, sheet.period, found)
    tolerance = metric_tolerance(sheet.settings)
    for table in tables:
        here = reported_periods(sheet.period, table)
        planned = {row.period.pk: row for row in table.plan.rows} if table.plan else {}
        rows = []
        for period in table.periods:
            report = actuals.get(period.pk)
            plan_row = planned.get(period.pk)
            value = plan_row.value if plan_row else None
            actual = report.value if report else None
            rows.append(
                MetricRow(
                    period,
                    value,
                    actual,
                    report.numerator if report else None,
                    report.denominator if report else None,
                    plan_row.denominator if plan_row else None,
                    period.pk in here,
                    rules.metric_rag(value, actual, table.metric.better, tolerance),
                )
            )
            if plan_row is not None:
                plan_row.actual = actual  # the chart draws the returns' actuals
        sheet.metrics.append(MetricBlock(table, rows))
    sheet.performance = performance_rows(sheet.plan, sheet.settings, sheet.metrics)


def _delivery(sheet: ReturnSheet, found: PlanReturn | None) -> None:
    milestones = (
        {r.milestone_id: r for r in MilestoneReport.objects.filter(plan_return=found)}
        if found
        else {}
    )
    schemes = (
        {r.scheme_id: r for r in SchemeReport.objects.filter(plan_return=found)} if found else {}
    )
    sheet.milestones = [
        DeliveryRow(m, milestones.get(m.pk))
        for m in Milestone.objects.filter(narrative=sheet.plan.narrative_id)
        .select_related("year")
        .order_by("order")
    ]
    sheet.schemes = [
        DeliveryRow(s, schemes.get(s.pk))
        for s in Scheme.objects.filter(plan=sheet.plan).order_by("order", "code")
    ]


def part_versions(plan_return: PlanReturn | None) -> dict[str, int]:
    if plan_return is None or plan_return.pk is None:
        return {}
    return dict(
        ReturnPart.objects.filter(plan_return=plan_return).values_list("part", "lock_version")
    )


def group_by(rows: Any, key: Any) -> dict[Any, list[Any]]:
    grouped: defaultdict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


def can_edit(user: Any, plan: Plan, plan_return: PlanReturn | None = None) -> bool:
    """The area's commissioners and finance officers fill in a return while the plan is
    in delivery and until the return is submitted."""
    return (
        in_delivery(plan)
        and plan.area_id in area_ids(user)
        and not (plan_return is not None and plan_return.is_submitted)
    )


def can_submit(user: Any, plan: Plan, plan_return: PlanReturn | None = None) -> bool:
    """Submitting certifies the board's sign-off: the area's commissioners only."""
    return can_edit(user, plan, plan_return) and is_area_commissioner(user, plan)


def can_reopen(user: Any, plan: Plan, plan_return: PlanReturn | None) -> bool:
    """A submitted return is reopened for correction by the national administrators
    or an assurer of the plan's region (the national approver for every region), never
    by the area that submitted it."""
    return plan_return is not None and plan_return.is_submitted and reopens_returns(user, plan)


def reopens_returns(user: Any, plan: Plan) -> bool:
    return plan.area_id not in area_ids(user) and (
        is_national_admin(user) or bool(assurance_kinds_for(user, plan))
    )
