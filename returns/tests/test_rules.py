"""The sums as plain functions, with the seeds' figures: Havering's monthly delayed
transfers plan (rates per 100,000 aged 18+), its out-of-hospital spend, and Barnet's
2015/16 minimum pooled budget (£23,412,000) for the payment for performance. The
seeds print no 2014-16 metric trajectories; those below are illustrative."""

from decimal import Decimal as D

import pytest

from returns import rules

TOLERANCE = rules.Tolerance(D(0), D(5))  # 2017-19: amber up to 5% worse than plan


def test_variance_is_actual_minus_plan_and_its_percent():
    # Havering Jul-17: plan 201.5 (399.7 days); illustrative 410 days = 206.6.
    assert rules.variance(D("201.5"), D("206.6")) == D("5.1")
    assert rules.variance_percent(D("201.5"), D("206.6")) == D("2.5")
    assert rules.variance_percent(D("195.1"), D("191.5")) == D("-1.8")
    assert rules.variance(None, D("1")) is None
    assert rules.variance_percent(D("0"), D("3")) is None


@pytest.mark.parametrize(
    ("planned", "actual", "better", "rag"),
    [
        ("148.7", "148.7", "lower", "green"),  # Apr-17 out-turn = plan
        ("201.5", "206.6", "lower", "amber"),  # 2.5% worse
        ("201.5", "214.2", "lower", "red"),  # 6.3% worse
        ("195.1", "191.5", "lower", "green"),  # better than plan
        ("84.3", "82.0", "higher", "amber"),  # reablement 2.7% below its 84.3% plan
        ("84.3", "79.0", "higher", "red"),
        ("84.3", "86.0", "higher", "green"),
        ("0", "1", "lower", "red"),
    ],
)
def test_metric_rag_follows_the_round_tolerance_and_the_metric_direction(
    planned, actual, better, rag
):
    assert rules.metric_rag(D(planned), D(actual), better, TOLERANCE) == rag


def test_metric_rag_without_an_actual_is_blank():
    assert rules.metric_rag(D("201.5"), None, "lower", TOLERANCE) is None


def test_spend_rag_counts_over_and_underspends():
    spend = rules.Tolerance(D(2), D(5))
    budget = D("10374057")  # Havering 2017/18 out-of-hospital spend (BHR 8.5.1)
    assert rules.spend_rag(budget, budget, spend) == "green"
    assert rules.spend_rag(budget, D("10700000"), spend) == "amber"  # 3.1% over
    assert rules.spend_rag(budget, D("9700000"), spend) == "red"  # 6.5% under
    assert rules.spend_rag(D(0), D(0), spend) == "green"


def test_a_metrics_share_of_the_performance_fund():
    # Barnet 2015/16 minimum pooled budget £23,412,000; 25% paid for performance,
    # a quarter of that per metric.
    assert rules.metric_at_stake(D("23412000"), D(25), D(25)) == D("1463250.00")


@pytest.mark.parametrize(
    ("baseline", "planned", "actual", "better", "achieved"),
    [
        ("301.5", "286.4", "290.0", "lower", D("11.5") / D("15.1")),
        ("301.5", "286.4", "280.0", "lower", D(1)),  # beyond the plan: capped at all
        ("301.5", "286.4", "310.0", "lower", D(0)),  # worse than baseline: none
        ("83.0", "85.0", "84.0", "higher", D("0.5")),
        ("85.0", "85.0", "85.0", "higher", D(1)),  # a plan to hold steady, held
        ("85.0", "85.0", "84.9", "higher", D(0)),
    ],
)
def test_improvement_achieved(baseline, planned, actual, better, achieved):
    assert rules.improvement_achieved(D(baseline), D(planned), D(actual), better) == achieved


def pay(achieved, method="pro_rata", threshold=50, support="250000"):
    return rules.performance_payment(
        at_stake=D("1463250.00"),
        achieved=achieved,
        method=method,
        threshold_percent=D(threshold),
        maximum_support=D(support) if support else None,
    )


def test_pro_rata_releases_the_part_achieved_and_the_rest_pays_the_contingency():
    payment = pay(D("11.5") / D("15.1"))  # DToC: 76% of the planned fall
    assert payment.released == D("1114395.70")
    assert payment.held_back == D("348854.30")
    assert payment.contingency == D("250000")  # the plan's maximum support
    assert not payment.met


def test_below_the_threshold_nothing_is_released():
    payment = pay(D(20) / D("68.2"), support="904165")  # 29% of the planned fall
    assert payment.released == 0 and payment.held_back == D("1463250.00")
    # Barnet's estimated 2015/16 savings (£904,165) as the support other services need.
    assert payment.contingency == D("904165")


def test_threshold_method_releases_all_at_the_threshold():
    assert pay(D("0.5"), method="threshold").released == D("1463250.00")
    assert pay(D("0.49"), method="threshold").released == 0
    assert pay(D(1), method="threshold", support=None).met


def test_no_actual_yet_decides_nothing():
    payment = pay(None)
    assert payment.pending and payment.released == payment.held_back == payment.contingency == 0
