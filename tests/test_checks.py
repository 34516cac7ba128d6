import pytest

from plans.findings import check_plan
from plans.models import Plan, Risk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("area", ["barking-and-dagenham", "havering", "redbridge"])
def test_bhr_demo_plans_pass_every_rule_but_the_missing_dtoc_months(area):
    """The seed gives a monthly DToC plan for Havering's 2017/18 only, so every BHR
    plan is rightly missing DToC months; nothing else is wrong."""
    plan = Plan.objects.get(round__slug="2017-19", area__slug=area)
    errors = [f for f in check_plan(plan) if f.severity == "error"]
    assert [(f.code, f.where) for f in errors] == [("metrics_complete", "metrics#metric-dtoc")]
    expected = "Apr-18, May-18" if area == "havering" else "Apr-17, May-17"
    assert f"no planned value for {expected}" in errors[0].message


def test_barnet_demo_plan_passes_all_but_the_metrics_it_never_published():
    """Barnet's seed is Part 1 (the narrative); its metric plans were in Part 2."""
    findings = check_plan(Plan.objects.get(area__slug="barnet"))
    assert {f.code for f in findings} == {"metrics_complete"}
    assert len(findings) == 5  # one per national metric of the round


def test_lancashire_draft_shows_where_it_falls_short():
    findings = check_plan(Plan.objects.get(area__slug="lancashire"))
    codes = {f.code for f in findings}
    assert "pooled_budget_minimum" in codes
    pooled = next(f for f in findings if f.code == "pooled_budget_minimum")
    assert "£24,555,000" in pooled.message and pooled.where == "finance#income-2015"
    assert "sign_offs_complete" in codes  # the draft's sign-off blocks are empty


def test_a_risk_without_a_score_is_found_in_a_scored_round():
    plan = Plan.objects.get(area__slug="havering")
    Risk.objects.create(narrative=plan.narrative, reference="BHR 17", description="x")
    [finding] = [f for f in check_plan(plan) if f.code == "risk_scores_valid"]
    assert finding.where == "risks#risk-BHR 17"
