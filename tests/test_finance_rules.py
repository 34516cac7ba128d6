"""Finance rules with the seed figures: equality passes, a penny short fails."""

from decimal import Decimal as D

from finance import rules


def test_barnet_pooled_budget_meets_the_minimum():
    assert (
        rules.pooled_budget_minimum(
            {2014: D("6634000"), 2015: D("24213247")}, {2014: D("6634000"), 2015: D("23412000")}
        )
        == []
    )


def test_pooled_budget_one_penny_short_fails():
    [finding] = rules.pooled_budget_minimum({2015: D("23411999.99")}, {2015: D("23412000")})
    assert finding.code == "pooled_budget_minimum" and finding.severity == "error"
    assert "2015/16" in finding.message and "£0.01 below the minimum of £23,412,000" in (
        finding.message
    )


def test_pooled_budget_missing_year_fails():
    [finding] = rules.pooled_budget_minimum(
        {2014: D("6634000")}, {2014: D("6634000"), 2015: D("23412000")}
    )
    assert "2015/16 is £0" in finding.message


def test_spend_below_allocation_fails_and_equal_passes():
    assert rules.spend_covers_allocation({2017: D("100")}, {2017: D("100")}) == []
    [finding] = rules.spend_covers_allocation({2017: D("100")}, {2017: D("99")})
    assert finding.where == "finance#expenditure-2017"


def test_source_overspent_by_one_pound_fails():
    income = {(2017, "dfg"): D("1391000")}
    [finding] = rules.income_equals_expenditure(
        income, {(2017, "dfg"): D("1391001")}, {"dfg": "Disabled Facilities Grant"}
    )
    assert finding.message.startswith("Disabled Facilities Grant in 2017/18 is overspent by £1")
    assert rules.income_equals_expenditure(income, income, {}) == []


def test_spend_from_a_source_with_no_income_fails():
    [finding] = rules.income_equals_expenditure({}, {(2018, "ibcf"): D("5")}, {})
    assert "overspent by £5" in finding.message


def test_protection_of_social_care_met_at_equality_bd_2017():
    assert (
        rules.minimum_met(
            "protection_of_social_care", "Social care", {2017: D("4970629")}, {2017: D("4970629")}
        )
        == []
    )
    [finding] = rules.minimum_met(
        "protection_of_social_care", "Social care", {2017: D("4970628.99")}, {2017: D("4970629")}
    )
    assert "£0.01 short" in finding.message


def test_out_of_hospital_ring_fence_havering_2017_met():
    assert (
        rules.minimum_met(
            "out_of_hospital_ring_fence",
            "Out-of-hospital spend",
            {2017: D("10374057")},
            {2017: D("4729895")},
        )
        == []
    )
