"""The national and regional overview: one row per Health and Wellbeing Board in
scope, with its plan's status and the money rules met or not, all from a fixed
number of aggregate queries however many plans there are."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Sum
from django.utils import timezone

from assurance.calendar import Overdue, overdue_by_plan
from finance import rules as finance_rules
from finance import selectors
from finance.models import MinimumAllocation
from plans import permissions
from plans.models import Area, Plan

Kind = MinimumAllocation.Kind
MONEY_RULES = [
    (Kind.POOLED_BUDGET, "Pooled budget minimum"),
    (Kind.SOCIAL_CARE, "Protection of social care"),
    (Kind.OUT_OF_HOSPITAL, "Out-of-hospital ring-fence"),
    ("balanced", "Income = expenditure"),
]


@dataclass
class Row:
    area: Area
    plan: Plan | None
    days_since_submission: int | None = None
    income: Decimal = Decimal(0)
    spend: Decimal = Decimal(0)
    rules: dict = field(default_factory=dict)  # rule key -> True / False / None
    overdue: Overdue | None = None  # the earliest passed deadline the plan still owes


def overview_rows(user, round_, region=None, status=None):
    """[Row] for every area the user may see in the round."""
    areas = Area.objects.select_related("region").order_by("name")
    plans = permissions.visible_plans(user).filter(round=round_)
    if not permissions.sees_every_region(user):
        areas = areas.filter(region__in=permissions.region_ids(user))
    if region:
        areas, plans = areas.filter(region__slug=region), plans.filter(area__region__slug=region)
    if status:
        plans = plans.filter(status=status)
    plans = list(
        plans.select_related("area", "round").annotate(
            version=Max("versions__number"), submitted_at=Max("versions__submitted_at")
        )
    )
    by_area = {p.area_id: p for p in plans}
    if status:
        areas = areas.filter(pk__in=by_area)
    areas = list(areas)
    income = selectors.income_by_area(plans)
    spend = selectors.expenditure_by_area(plans)
    balance_in, balance_out = selectors.income_by_source(plans), selectors.spend_by_source(plans)
    ring = selectors.ring_fenced_actuals(plans)
    minimums = selectors.minimums_by_kind([a.pk for a in areas])
    # Group the aggregates by area once, so each row is a dictionary lookup.
    ring_by_area, in_by_area, out_by_area = defaultdict(dict), defaultdict(dict), defaultdict(dict)
    for (a, y), v in ring.items():
        ring_by_area[a][y] = v
    for (a, y, s), v in balance_in.items():
        in_by_area[a][(y, s)] = v
    for (a, y, s), v in balance_out.items():
        out_by_area[a][(y, s)] = v
    now = timezone.now()
    overdue = overdue_by_plan(plans)
    rows = []
    for area in areas:
        plan = by_area.get(area.pk)
        row = Row(area, plan, overdue=overdue.get(plan.pk) if plan else None)
        rows.append(row)
        if plan is None:
            continue
        if plan.submitted_at:
            row.days_since_submission = (now - plan.submitted_at).days
        slug = area.slug
        agreed = income.get(slug, {})
        row.income, row.spend = (
            sum(agreed.values(), Decimal(0)),
            sum(spend.get(slug, {}).values(), Decimal(0)),
        )
        area_ring = ring_by_area[slug]
        actuals = {
            "pooled_budget": agreed,
            "social_care": {y: v["social_care"] for y, v in area_ring.items()},
            "out_of_hospital": {y: v["out_of_hospital"] for y, v in area_ring.items()},
        }
        for key, label in MONEY_RULES[:3]:
            minimum = minimums[area.pk][key]
            met = not finance_rules.minimum_met(key, label, actuals[key], minimum)
            row.rules[key] = met if minimum else None
        mine_in, mine_out = in_by_area[slug], out_by_area[slug]
        row.rules["balanced"] = (
            not finance_rules.income_equals_expenditure(mine_in, mine_out, {})
            if (mine_in or mine_out)
            else None
        )
    return rows


def rollups(plans):
    """Totals across the plans: spend by source and year, by theme and year, and the
    ring-fences against their minimums. Aggregated in the database."""
    by_source = selectors.spend_by_group_and_year(plans)
    by_theme = selectors.spend_by_theme_and_year(plans)
    ring = selectors.ring_fenced_actuals(plans)
    totals = defaultdict(lambda: Decimal(0))
    for (_area, year), values in ring.items():
        totals[("social_care", year)] += values["social_care"]
        totals[("out_of_hospital", year)] += values["out_of_hospital"]
    minimum = (
        MinimumAllocation.objects.filter(area__plans__in=plans)
        .values("kind", "year__start_year")
        .annotate(total=Sum("amount"))
    )
    return {
        "by_source": by_source,
        "by_theme": by_theme,
        "ring_fences": sorted(
            (
                kind,
                year,
                totals[(kind, year)],
                next(
                    (
                        m["total"]
                        for m in minimum
                        if m["kind"] == kind and m["year__start_year"] == year
                    ),
                    None,
                ),
            )
            for kind, year in totals
        ),
    }
