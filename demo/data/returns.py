"""Returns after approval, through the real actions as an area would make them:
Havering's 2017/18 quarter 1 and 2 returns, with delayed transfers of care against its
monthly plan, and Barnet's 2015/16 quarter 1 and 2 returns with a payment for
performance result. Runs only with the assurance story (returns need an approved
plan).

Havering's quarter 1 delayed days are the out-turn its seasonally adjusted plan took
in (seed 11.8.2: Apr 295.0, May 288.0, Jun 307.0). Its quarter 2 actuals, every
return's money, and Barnet's metric trajectories and actuals are illustrative: the
seeds print no actuals for them, and the 2014-16 seeds no metric tables. Barnet's
2015/16 savings estimate (£904,165) is its avoidable admissions contingency."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from assurance import actions as plan_actions
from assurance import process
from metrics.models import (
    MetricBaseline,
    MetricDefinition,
    MetricPlanValue,
    MetricTrajectory,
    PerformanceContingency,
)
from plans.models import Plan
from returns import actions, selectors
from returns.forms import form_for
from returns.models import PlanReturn, ReturnEvent

from .assurance import _assess, _paper_submission

S = Plan.Status
HAVERING_DAYS = {  # delayed days by month: Q1 as planned (the out-turn), Q2 illustrative
    "Apr-17": "295.0",
    "May-17": "288.0",
    "Jun-17": "307.0",
    "Jul-17": "410.0",
    "Aug-17": "425.0",
    "Sep-17": "380.0",
}
# Barnet 2014-16 metrics (illustrative): baseline, {period: plan}, {period: actual}
BARNET_METRICS = {
    "permanent-admissions-65": (
        "520.0",
        {"2014/15": "505.0", "2015/16": "490.0"},
        {"2014/15": "511.0"},
    ),
    "reablement-91-days": ("86.0", {"2014/15": "87.0", "2015/16": "88.0"}, {"2014/15": "87.5"}),
    "dtoc": (
        "301.5",
        {"Apr-Dec 2014": "295.0", "Jan-Jun 2015": "286.4"},
        {"Apr-Dec 2014": "298.0", "Jan-Jun 2015": "290.0"},
    ),
    "avoidable-emergency-admissions": (
        "1950.0",
        {"Apr-Sep 2014": "1935.0", "Oct 2014-Mar 2015": "1910.0", "Apr-Sep 2015": "1881.8"},
        {"Apr-Sep 2014": "1940.0", "Oct 2014-Mar 2015": "1925.0", "Apr-Sep 2015": "1930.0"},
    ),
    "patient-experience": ("83.0", {"2014/15": "85.0", "2015/16": "86.0"}, {"2014/15": "85.4"}),
    "local-metric": ("2150.0", {"2014/15": "2050.0", "2015/16": "2000.0"}, {"2014/15": "2100.0"}),
}
BARNET_CONTINGENCY = {  # metric: (planned savings, maximum support if missed)
    "dtoc": ("250000", "250000"),
    "avoidable-emergency-admissions": ("904165", "904165"),
    "patient-experience": (None, None),
    "local-metric": ("300000", "300000"),
}
NARRATIVE = {
    "2017-18-q1": (
        "Home first and discharge to assess run across the three boroughs; delayed days "
        "met the plan in each month of the quarter.",
        "Care home capacity for people with dementia remains short.",
        "",
    ),
    "2017-18-q2": (
        "The trusted assessor role started at Queen's Hospital in August.",
        "Delays rose over the summer with care home closures; August missed the plan.",
        "Help from the regional team with care home market shaping.",
    ),
    "2015-16-q1": (
        "The integrated care model for older people is live in two localities.",
        "Avoidable admissions are falling more slowly than planned.",
        "",
    ),
    "2015-16-q2": (
        "Rapid response now runs seven days a week.",
        "Avoidable admissions remain above plan.",
        "Analytical support to understand the admissions trend.",
    ),
}


def _user(username):
    return get_user_model().objects.get(username=username)


def _answers(sheet, part):
    """What the area entered for one part of a return."""
    slug = sheet.period.slug
    if part == "budget":
        return {
            "section_75_in_place": "yes",
            "section_75_signed_on": str(sheet.period.year.start_year) + "-04-01",
        }
    if part == "conditions":
        return {f"met-{row.condition.code}": "yes" for row in sheet.conditions}
    if part == "finance":
        quarter = int(slug[-1]) if slug[-1].isdigit() else 4
        data = {}
        for row in [*sheet.income, *sheet.spend]:
            data[f"to-{row.key}"] = str((row.planned * quarter / 4).quantize(Decimal("0.01")))
            data[f"fc-{row.key}"] = str(row.planned)
        return data
    if part == "metrics":
        data = {}
        for block in sheet.metrics:
            for row in block.reported:
                if block.metric.code == "dtoc" and row.period.label in HAVERING_DAYS:
                    data[f"num-{row.period.pk}"] = HAVERING_DAYS[row.period.label]
                    data[f"den-{row.period.pk}"] = str(int(row.planned_denominator or 198408))
                elif sheet.plan.area.slug == "barnet":
                    actual = BARNET_METRICS[block.metric.code][2].get(row.period.label)
                    if actual:
                        data[f"val-{row.period.pk}"] = actual
        return data
    if part == "delivery":
        data = {f"ms-{row.item.pk}-status": "on_track" for row in sheet.milestones}
        data |= {f"sc-{row.item.pk}-rag": "green" for row in sheet.schemes}
        return data
    if part == "narrative":
        progress, challenges, support = NARRATIVE[slug]
        return {"progress": progress, "challenges": challenges, "support_needed": support}
    return {
        "signed_by": f"Chair, {sheet.plan.area.name} Health and Wellbeing Board (demo)",
        "signed_position": "Chair",
        "signed_on": sheet.period.due.isoformat(),
    }


def make_return(plan, slug, user):
    """Fill in every part of the plan's return for `slug` and submit it."""
    settings = selectors.settings_of(plan)
    period = selectors.find_period(plan, slug)
    sheet = selectors.return_sheet(plan, period, settings)
    for status in sheet.parts:
        form = form_for(status.part, _answers(sheet, status.part), sheet, completing=True)
        if not form.is_valid():
            raise ValueError(f"Demo return {plan} {slug} {status.part}: {form.errors.as_text()}")
        actions.save_part(
            user=user,
            plan=plan,
            period=period,
            form=form,
            posted_version=status.version,
            completed=True,
        )
    return actions.submit_return(user=user, plan=plan, period=period)


def _barnet_metrics(plan):
    metrics = {
        m.code: m
        for m in MetricDefinition.objects.filter(round=plan.round).prefetch_related("periods")
    }
    for code, (baseline, planned, _actual) in BARNET_METRICS.items():
        metric = metrics[code]
        MetricBaseline.objects.create(
            plan=plan, metric=metric, period_label="2013/14", value=Decimal(baseline)
        )
        trajectory = MetricTrajectory.objects.create(plan=plan, metric=metric)
        periods = {p.label: p for p in metric.periods.all()}
        for label, value in planned.items():
            MetricPlanValue.objects.create(
                trajectory=trajectory, period=periods[label], value=Decimal(value)
            )
        if code in BARNET_CONTINGENCY:
            savings, support = BARNET_CONTINGENCY[code]
            PerformanceContingency.objects.create(
                plan=plan,
                metric=metric,
                planned_savings=Decimal(savings) if savings else None,
                maximum_support=Decimal(support) if support else None,
            )


def _approve_barnet(plan):
    """Barnet's plan as it went through on paper in 2014, then assured and approved."""
    _barnet_metrics(plan)
    _paper_submission(plan, _user("barnet.commissioner"))
    Plan.objects.filter(pk=plan.pk).update(date_submitted=datetime.date(2014, 9, 19))
    plan_actions.start_assurance(user=_user("london.assurer.nhs"), plan=plan)
    _assess(plan, lambda code, hand: "met")
    process.propose_outcome(user=_user("london.moderator"), plan=plan, category="approved")
    process.confirm_outcome(user=_user("national.approver"), plan=plan, category="approved")
    plan.refresh_from_db()


@transaction.atomic
def build_returns():
    """The demo returns; [line describing each] for load_demo to print."""
    done = []
    plans = {
        (p.round.slug, p.area.slug): p
        for p in Plan.objects.filter(area__slug__in=["havering", "barnet"]).select_related(
            "round", "area", "narrative"
        )
    }
    havering = plans[("2017-19", "havering")]
    if havering.status in selectors.DELIVERY_STATUSES:
        for slug in ("2017-18-q1", "2017-18-q2"):
            done.append(make_return(havering, slug, _user("bhr.commissioner")))
    barnet = plans[("2014-16", "barnet")]
    if barnet.status == S.DRAFT:
        _approve_barnet(barnet)
        for slug in ("2015-16-q1", "2015-16-q2"):
            done.append(make_return(barnet, slug, _user("barnet.commissioner")))
    return [f"Return submitted: {r.plan} {r.period.label} ({r.reference})" for r in done]


def forget_returns(plans):
    """Delete the demo plans' returns (for --reset): their events are only ever added,
    so they go first."""
    ReturnEvent.objects.filter(plan_return__plan__in=plans).delete()
    PlanReturn.objects.filter(plan__in=plans).delete()
