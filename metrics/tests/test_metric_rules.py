"""Metric rules and calculations as plain functions, with the Havering figures of
seed 11.8.2."""

from decimal import Decimal

from metrics.rules import metric_values_valid, metrics_complete, plan_not_worse_than_baseline, rate


def row(**values):
    return {
        "code": "dtoc",
        "name": "DToC",
        "unit": "rate",
        "rate_base": 100000,
        "better": "lower",
        "label": "Apr-17",
        "value": None,
        "numerator": None,
        "denominator": None,
    } | values


def test_rate_reproduces_havering_april_2017():
    assert rate(Decimal("360.6"), Decimal("198408"), 100000) == Decimal("181.7")  # flat
    assert rate(Decimal("295.0"), Decimal("198408"), 100000) == Decimal("148.7")  # seasonal
    assert rate(Decimal("1"), Decimal("0"), 100000) is None
    assert rate(None, Decimal("5"), 100000) is None


def test_a_rate_matching_its_numerator_and_population_passes():
    good = row(value=Decimal("181.7"), numerator=Decimal("360.6"), denominator=Decimal("198408"))
    assert metric_values_valid([good]) == []


def test_a_rate_that_does_not_match_fails_with_the_working():
    bad = row(value=Decimal("181.8"), numerator=Decimal("360.6"), denominator=Decimal("198408"))
    [finding] = metric_values_valid([bad])
    assert finding.where == "metrics#metric-dtoc-Apr-17"
    assert "360.6 ÷ 198,408 × 100,000 = 181.7" in finding.message


def test_percentages_above_100_and_negative_counts_fail():
    over = row(unit="percentage", code="reablement", label="2017/18", value=Decimal("100.1"))
    exact = row(unit="percentage", code="reablement", label="2018/19", value=Decimal("100"))
    negative = row(unit="count", code="nea", label="2017/18", value=Decimal("-1"))
    findings = metric_values_valid([over, exact, negative])
    assert [f.where for f in findings] == [
        "metrics#metric-reablement-2017/18",
        "metrics#metric-nea-2017/18",
    ]


def test_every_period_of_a_required_metric_needs_a_value():
    months = ["Apr-17", "May-17", "Jun-17"]
    metrics = [("dtoc", "DToC", True, months), ("local", "Falls", False, ["2017/18"])]
    assert metrics_complete(metrics, {("dtoc", m) for m in months}) == []
    [finding] = metrics_complete(metrics, {("dtoc", "Apr-17")})
    assert "no planned value for May-17, Jun-17" in finding.message


def test_a_plan_worse_than_its_baseline_is_a_warning_in_the_metrics_direction():
    lower = row(value=Decimal("181.7"))
    higher = row(code="reablement", unit="percentage", better="higher", value=Decimal("85.0"))
    assert (
        plan_not_worse_than_baseline(
            {"dtoc": Decimal("190"), "reablement": Decimal("80")}, [lower, higher]
        )
        == []
    )
    findings = plan_not_worse_than_baseline(
        {"dtoc": Decimal("181.6"), "reablement": Decimal("85.1")}, [lower, higher]
    )
    assert [(f.code, f.severity) for f in findings] == [("metric_plan_vs_baseline", "warning")] * 2
