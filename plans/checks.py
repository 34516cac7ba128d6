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


def _conditions(plan):
    """Confirmation questions of the round and the narrative's answers to them, keyed
    "<condition code>-<question key>" (the form field's name after "q-")."""
    from plans.models import ConditionAnswer, ConditionQuestion

    questions = {
        f"{code}-{key}": (code, text)
        for code, key, text in ConditionQuestion.objects.filter(
            condition__round=plan.round_id, answer_type="confirmation", required=True
        ).values_list("condition__code", "key", "text")
    }
    answers = {
        f"{code}-{key}": (confirmed, by)
        for code, key, confirmed, by in ConditionAnswer.objects.filter(
            narrative=plan.narrative_id
        ).values_list("question__condition__code", "question__key", "confirmed", "in_place_by")
    }
    return answers, questions


def _metric_runners(plan):
    from metrics import rules as metric_rules
    from metrics import services as metric_services

    tables = metric_services.metric_tables(plan)
    rows = metric_services.rule_rows(tables)
    planned = {(row["code"], row["label"]) for row in rows}
    return {
        "metrics_complete": lambda: metric_rules.metrics_complete(
            [
                (
                    t.metric.code,
                    t.metric.name,
                    t.metric.required and not t.metric.is_local,
                    [p.label for p in t.periods],
                )
                for t in tables
            ],
            planned,
        ),
        "metric_values_valid": lambda: metric_rules.metric_values_valid(rows),
        "metric_plan_vs_baseline": lambda: metric_rules.plan_not_worse_than_baseline(
            {t.metric.code: t.baseline.value for t in tables if t.baseline}, rows
        ),
    }


def check_plan(plan):
    plans = [plan]
    area = plan.area.slug
    income = services.income_by_area(plans).get(area, {})
    spend = services.expenditure_by_area(plans).get(area, {})
    by_source_in = {(y, s): v for (a, y, s), v in services.income_by_source(plans).items()}
    by_source_out = {(y, s): v for (a, y, s), v in services.spend_by_source(plans).items()}
    ring = {y: v for (a, y), v in services.ring_fenced_actuals(plans).items()}
    minimums = _minimums_by_kind(plan)
    sources = list(plan.round.funding_sources.values_list("code", "name", "is_dfg"))
    names = {code: name for code, name, _dfg in sources}
    dfg_codes = {code for code, _name, dfg in sources if dfg}
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
        "dfg_passed_through": lambda: finance_rules.dfg_passed_through(
            {y: v for (y, code), v in by_source_in.items() if code in dfg_codes},
            minimums[Kind.DFG],
        ),
        "conditions_confirmed": lambda: plan_rules.conditions_confirmed(*_conditions(plan)),
        "sign_offs_complete": lambda: plan_rules.sign_offs_complete(
            [
                (s.role.slug, s.organisation, s.is_complete)
                for s in plan.sign_offs.select_related("role")
            ],
            {r.slug: r.title for r in plan.round.sign_off_roles.all()},
        ),
    }
    findings = []
    codes = list(plan.round.rules.values_list("code", flat=True))
    if any(code.startswith("metric") for code in codes):
        runners |= _metric_runners(plan)
    for code in codes:
        if code in runners:
            findings.extend(runners[code]())
    return findings
