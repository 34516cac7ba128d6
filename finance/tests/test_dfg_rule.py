"""The Disabled Facilities Grant is pooled in full (seed 8.1 DFG figures)."""

from decimal import Decimal

from finance.rules import dfg_passed_through

HAVERING_DFG = {2017: Decimal("1553178"), 2018: Decimal("1679938")}


def test_dfg_pooled_in_full_passes():
    assert dfg_passed_through(dict(HAVERING_DFG), HAVERING_DFG) == []


def test_dfg_a_penny_short_fails_with_the_year_and_amounts():
    income = HAVERING_DFG | {2018: Decimal("1679937.99")}
    [finding] = dfg_passed_through(income, HAVERING_DFG)
    assert finding.code == "dfg_passed_through"
    assert finding.where == "finance#dfg-2018"
    assert "£1,679,937.99" in finding.message and "£1,679,938" in finding.message


def test_dfg_missing_year_fails():
    [finding] = dfg_passed_through({2017: Decimal("1553178")}, HAVERING_DFG)
    assert "2018/19 is £0" in finding.message


def test_no_allocation_set_means_nothing_to_check():
    assert dfg_passed_through({2017: Decimal("5")}, {}) == []
