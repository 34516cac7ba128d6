"""The check page lists every rule of the round with its verdict in words a user knows
(met, not met, not set) and the figures it was judged on: Havering's CCG minimum,
protection of social care and out-of-hospital ring-fence are met with the seed's
figures (BHR 8.1 and 8.5); no rule codes are shown."""

import re

import pytest

from finance.models import MinimumAllocation
from plans.findings import RULES
from plans.tests.helpers import login

pytestmark = pytest.mark.django_db

HAVERING = "/plans/2017-19/havering/check/"


def verdict_rows(page):
    start = page.index('id="verdicts"')
    body = page[start : page.index("</table>", start)].split("</thead>")[1]
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        title, result, figures = (
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        )
        out[title.split(" Must be met")[0].split(" For you to judge")[0]] = (result, figures)
    return out


def test_havering_lists_every_rule_with_the_seed_figures_as_met(client):
    login(client, "bhr.commissioner")
    page = client.get(HAVERING).content.decode()
    rows = verdict_rows(page)
    assert len(rows) == 13  # every rule the 2017-19 round runs
    ccg = rows[RULES["ccg_minimum_contribution"].title]
    assert ccg[0] == "Met"
    assert (
        "CCG minimum contribution, 2017/18: minimum £16,644,321, in the plan £16,644,321 (met)"
        in ccg[1]
    )
    social = rows[RULES["protection_of_social_care"].title]
    assert social[0] == "Met"
    assert "2017/18: minimum £6,270,264, in the plan £6,270,264 (met)" in social[1]
    ooh = rows[RULES["out_of_hospital_ring_fence"].title]
    assert ooh[0] == "Met"
    assert "2017/18: minimum £4,729,895, in the plan £10,374,057 (met)" in ooh[1]
    assert "2018/19: minimum £4,819,763, in the plan £10,571,163 (met)" in ooh[1]
    pooled = rows[RULES["pooled_budget_minimum"].title]
    assert pooled == (pooled[0], pooled[1]) and pooled[0] == "Met"
    for code in RULES:  # no rule codes on the page
        assert f">{code}<" not in page and "<code>" not in page


def test_a_missing_minimum_is_not_set_and_a_shortfall_not_met(client):
    MinimumAllocation.objects.filter(
        area__slug="havering", year__start_year=2018, kind="ccg_minimum"
    ).delete()
    MinimumAllocation.objects.filter(
        area__slug="havering", year__start_year=2017, kind="social_care"
    ).update(amount=6270265)
    login(client, "bhr.commissioner")
    page = client.get(HAVERING).content.decode()
    rows = verdict_rows(page)
    ccg = rows[RULES["ccg_minimum_contribution"].title]
    assert ccg[0] == "Not set"
    assert "2018/19: minimum not set, in the plan £16,960,562" in ccg[1]
    assert "CCG minimum contribution 2018/19 has not been published for Havering" in ccg[1]
    social = rows[RULES["protection_of_social_care"].title]
    assert social[0] == "Not met"
    assert "£1 short of the minimum £6,270,265" in social[1]


def test_ccg_minimum_shortfall_is_an_error_with_its_figures():
    from decimal import Decimal

    from finance.rules import ccg_minimum_contribution

    [finding] = ccg_minimum_contribution(
        {2017: Decimal("16644321"), 2018: Decimal("16960562")},
        {2017: Decimal("16644321"), 2018: Decimal("16960563")},
    )
    assert finding.severity == "error"
    assert finding.message == (
        "The CCG minimum contribution for 2018/19 is £16,960,562, £1 below the nationally "
        "set minimum of £16,960,563."
    )
