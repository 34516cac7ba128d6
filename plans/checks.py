"""Run the round's rules against one plan: gather plain data, call the rule functions.

Which rules run is reference data (RoundRule); a code with no function yet is skipped.
"""

from collections import defaultdict

from finance import rules as finance_rules
from finance import services
from finance.models import MinimumAllocation
from plans import rules as plan_rules

Kind = MinimumAllocation.Kind


def _minimums_by_kind(plan):
    """{kind: {year start: amount}} for the plan's area, in one query."""
    minimums = defaultdict(dict)
    for kind, start, amount in plan.area.minimum_allocations.values_list(
        "kind", "year__start_year", "amount"
    ):
        minimums[kind][start] = amount
    return minimums


def check_plan(plan):
    plans = [plan]
    area = plan.area.slug
    income = services.income_by_area(plans).get(area, {})
    spend = services.expenditure_by_area(plans).get(area, {})
    by_source_in = {(y, s): v for (a, y, s), v in services.income_by_source(plans).items()}
    by_source_out = {(y, s): v for (a, y, s), v in services.spend_by_source(plans).items()}
    ring = {y: v for (a, y), v in services.ring_fenced_actuals(plans).items()}
    minimums = _minimums_by_kind(plan)
    names = dict(plan.round.funding_sources.values_list("code", "name"))
    runners = {
        "pooled_budget_minimum": lambda: finance_rules.pooled_budget_minimum(
            income, minimums[Kind.POOLED_BUDGET]
        ),
        "spend_covers_allocation": lambda: finance_rules.spend_covers_allocation(income, spend),
        "income_equals_expenditure": lambda: finance_rules.income_equals_expenditure(
            by_source_in, by_source_out, names
        ),
        "protection_of_social_care": lambda: finance_rules.minimum_met(
            "protection_of_social_care",
            "Protection of social care",
            {y: v["social_care"] for y, v in ring.items()},
            minimums[Kind.SOCIAL_CARE],
        ),
        "out_of_hospital_ring_fence": lambda: finance_rules.minimum_met(
            "out_of_hospital_ring_fence",
            "NHS-commissioned out-of-hospital spend",
            {y: v["out_of_hospital"] for y, v in ring.items()},
            minimums[Kind.OUT_OF_HOSPITAL],
        ),
        "risk_scores_valid": lambda: plan_rules.risk_scores_valid(
            plan.narrative.risks.values_list("reference", "likelihood", "impact"),
            plan.round.risks_scored,
        ),
        "sign_offs_complete": lambda: plan_rules.sign_offs_complete(
            [
                (s.role.slug, s.organisation, s.is_complete)
                for s in plan.sign_offs.select_related("role")
            ],
            {r.slug: r.title for r in plan.round.sign_off_roles.all()},
        ),
    }
    findings = []
    for code in plan.round.rules.values_list("code", flat=True):
        if code in runners:
            findings.extend(runners[code]())
    return findings
