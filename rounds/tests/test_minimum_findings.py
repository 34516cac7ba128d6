"""A plan whose nationally set minimum is missing shows a finding saying so, never
silence (finance.rules: rule 1 and the ring-fence and DFG rules)."""

from decimal import Decimal

import pytest

from finance import places, rules
from finance.models import MinimumAllocation
from plans.findings import check_plan
from plans.tests.helpers import login, plan

pytestmark = pytest.mark.django_db
UNPUBLISHED = "has not been published"


def unpublished(findings):
    return [f for f in findings if UNPUBLISHED in f.message]


def test_every_demo_plan_has_its_minimums():
    for round_slug, area_slug in (("2014-16", "barnet"), ("2017-19", "havering")):
        assert unpublished(check_plan(plan(round_slug, area_slug))) == []


def test_a_missing_pooled_budget_minimum_is_a_finding():
    MinimumAllocation.objects.filter(
        area__slug="barnet", kind="pooled_budget", year__start_year=2015
    ).delete()
    [finding] = unpublished(check_plan(plan("2014-16", "barnet")))
    assert finding.code == "pooled_budget_minimum"
    assert finding.severity == "warning"
    assert finding.message == (
        "The nationally set minimum for the pooled budget 2015/16 has not been published "
        "for Barnet; ask the national team."
    )
    assert finding.where == places.income(2015)


def test_missing_ring_fence_minimums_are_findings(client):
    MinimumAllocation.objects.filter(
        area__slug="havering", kind="social_care", year__start_year=2018
    ).delete()
    MinimumAllocation.objects.filter(area__slug="havering", kind="dfg").delete()
    found = {
        (f.code, f.where): f.message for f in unpublished(check_plan(plan("2017-19", "havering")))
    }
    assert found == {
        ("protection_of_social_care", "finance#protection_of_social_care-2018"): (
            "The nationally set minimum for protection of social care 2018/19 has not been "
            "published for Havering; ask the national team."
        ),
        ("dfg_passed_through", "finance#dfg-2017"): (
            "The nationally set minimum for the Disabled Facilities Grant 2017/18 has not "
            "been published for Havering; ask the national team."
        ),
        ("dfg_passed_through", "finance#dfg-2018"): (
            "The nationally set minimum for the Disabled Facilities Grant 2018/19 has not "
            "been published for Havering; ask the national team."
        ),
    }
    # The check page shows it to the area.
    login(client, "bhr.commissioner")
    page = client.get("/plans/2017-19/havering/check/").content.decode()
    assert "protection of social care 2018/19 has not been published for Havering" in page


def test_the_pure_rule():
    assert rules.minimum_published(
        "x", "the pooled budget", "Barnet", [2014, 2015], {2014: Decimal(1)}, places.income
    ) == [
        rules.Finding(
            "x",
            "warning",
            "The nationally set minimum for the pooled budget 2015/16 has not been published "
            "for Barnet; ask the national team.",
            "finance#income-2015",
        )
    ]
    assert rules.minimum_published("x", "y", "Barnet", [2014], {2014: Decimal(0)}, str) == []
