import pytest

from metrics.models import MetricYearTarget
from plans.findings import check_plan
from plans.models import Plan, Risk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("area", ["barking-and-dagenham", "havering", "redbridge"])
def test_bhr_demo_plans_pass_every_rule(area):
    """The seed plans DToC monthly for Havering's 2017/18 and by annual target
    elsewhere (BHR 11.6); an annual target plans every month of its year, so no BHR
    plan is missing DToC months and nothing else is wrong."""
    plan = Plan.objects.get(round__slug="2017-19", area__slug=area)
    errors = [(f.code, f.where, f.message) for f in check_plan(plan) if f.severity == "error"]
    assert errors == []


def test_a_bhr_plan_without_its_annual_target_misses_that_years_dtoc_months():
    plan = Plan.objects.get(round__slug="2017-19", area__slug="havering")
    MetricYearTarget.objects.filter(
        trajectory__plan=plan, trajectory__metric__code="dtoc", year__start_year=2018
    ).delete()
    errors = [f for f in check_plan(plan) if f.severity == "error"]
    assert [(f.code, f.where) for f in errors] == [("metrics_complete", "metrics#metric-dtoc")]
    assert "no planned value for Apr-18, May-18" in errors[0].message


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
