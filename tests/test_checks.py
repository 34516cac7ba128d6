import pytest

from plans.checks import check_plan
from plans.models import Plan, Risk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("area", ["barking-and-dagenham", "havering", "redbridge"])
def test_bhr_demo_plans_pass_every_finance_rule(area):
    plan = Plan.objects.get(round__slug="2017-19", area__slug=area)
    assert [f for f in check_plan(plan) if f.severity == "error"] == []


def test_barnet_demo_plan_passes():
    assert check_plan(Plan.objects.get(area__slug="barnet")) == []


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
