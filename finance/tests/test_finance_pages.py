"""The finance summary and income pages show totals computed from the demo lines,
matching the BHR seed tables, and the income form refuses bad input."""

import re
from decimal import Decimal

import pytest

from finance.models import IncomeLine
from plans.tests.helpers import form_data, login

pytestmark = pytest.mark.django_db

HAVERING = "/plans/2017-19/havering/finance/"


def table(page, table_id):
    start = page.index(f'id="{table_id}"')
    return page[start : page.index("</table>", start)]


def cells(html):
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)
    ]


def test_seed_8_3_table_on_the_page_in_thousands(client):
    login(client, "bhr.finance")
    page = client.get(HAVERING).content.decode()
    # Column totals of seed 8.3, and the grand total of the lines: 68,408 for 2017/18
    # (the seed's printed columns add up to 68,409 because each is rounded).
    for year, expected in (
        (
            2017,
            {
                "CCG Minimum Contribution": "46,986",
                "Improved Better Care Fund": "14,432",
                "Local Authority Contribution": "6,991",
                "Total": "68,408",
            },
        ),
        (
            2018,
            {
                "CCG Minimum Contribution": "47,878",
                "Improved Better Care Fund": "19,409",
                "Local Authority Contribution": "7,406",
                "Total": "74,693",
            },
        ),
    ):
        html = table(page, f"themes-table-{year}")
        headers = cells(html.split("</thead>")[0])
        rows = cells(html.split("</thead>")[1])
        totals = rows[-(len(headers)) :]
        assert dict(zip(headers[1:], totals[1:], strict=True)) == expected
    rows = cells(table(page, "themes-table-2017").split("</thead>")[1])
    headers = cells(table(page, "themes-table-2017").split("</thead>")[0])
    row = rows.index("High Impact Change Model: Intermediate care")
    assert rows[row + headers.index("CCG Minimum Contribution")] == "18,895"


def test_seed_8_5_ring_fences_and_8_4_areas_on_the_page(client):
    login(client, "bhr.finance")
    page = client.get(HAVERING).content.decode()
    checks = cells(table(page, "minimum-checks"))
    social = checks.index("Protection of social care")
    assert checks[social : social + 4] == [
        "Protection of social care",
        "2017/18",
        "£6,270,264",
        "£6,270,264",
    ]
    assert checks[social + 4] == "Met"
    ooh = checks.index("NHS out-of-hospital ring-fence")
    assert checks[ooh + 1 : ooh + 5] == ["2017/18", "£4,729,895", "£10,374,057", "Met"]
    areas = cells(table(page, "by-area-table"))
    assert [areas[i] for i in (5, 10, 15)] == ["Barking and Dagenham", "Havering", "Redbridge"]


def test_lancashire_shows_the_pooled_budget_minimum_not_met(client):
    login(client, "lancashire.commissioner")
    page = client.get("/plans/2014-16/lancashire/finance/").content.decode()
    checks = cells(table(page, "minimum-checks"))
    pooled = [i for i, c in enumerate(checks) if c == "Pooled budget"]
    assert any(
        checks[i + 2] == "£24,555,000" and checks[i + 4].startswith("Not met") for i in pooled
    )


def income_url(area="havering"):
    return f"/plans/2017-19/{area}/finance/income/"


def test_income_saves_all_cells_or_none(client):
    login(client, "bhr.finance")
    data = form_data(client.get(income_url()))
    dfg = "income-dfg-2017"
    assert Decimal(data[dfg].removeprefix("£").replace(",", "")) > 0  # shown as £1,553,178
    before = list(
        IncomeLine.objects.filter(plan__area__slug="havering").values_list("amount", flat=True)
    )
    bad = data | {
        dfg: "1000",
        "income-dfg-2018": "-5",
        "income-la-additional-2017": "12abc",
        "income-ccg-additional-2018": "1e99",
        "income-ibcf-grant-2017": "1.234",
    }
    response = client.post(income_url(), bad)
    assert response.status_code == 400
    page = response.content.decode()
    for message in (
        "Enter an amount of £0 or more",
        "Enter an amount in pounds",
        "Enter an amount under £1 trillion",
        "at most 2 decimal places",
    ):
        assert message in page
    assert (
        list(
            IncomeLine.objects.filter(plan__area__slug="havering").values_list("amount", flat=True)
        )
        == before
    )

    response = client.post(income_url(), data | {dfg: "1,000,000.50"})
    assert response.status_code == 302
    assert IncomeLine.objects.get(
        plan__area__slug="havering", source__code="dfg", year__start_year=2017
    ).amount == Decimal("1000000.50")


def test_income_conflict_is_refused(client):
    login(client, "bhr.finance")
    data = form_data(client.get(income_url()))
    assert client.post(income_url(), data | {"income-dfg-2017": "1"}).status_code == 302
    response = client.post(income_url(), data | {"income-dfg-2017": "2"})
    assert response.status_code == 409
    assert (
        IncomeLine.objects.get(
            plan__area__slug="havering", source__code="dfg", year__start_year=2017
        ).amount
        == 1
    )


# Seed 8.4 (£'000 by HWB and year) and 8.5 (ring-fences to the pound) on each area's page.
SEED_8_4 = {
    "Barking and Dagenham": (21759, 24237),
    "Havering": (22660, 24165),
    "Redbridge": (23990, 26292),
}
SEED_8_5 = {  # area: (social care 2017/18, out-of-hospital 2017/18)
    "barking-and-dagenham": ("£4,970,629", "£8,244,390"),
    "havering": ("£6,270,264", "£10,374,057"),
    "redbridge": ("£6,645,094", "£10,150,985"),
}


def test_seed_8_4_by_area_on_the_page(client):
    from plans.fields import in_thousands

    login(client, "bhr.finance")
    page = client.get(HAVERING).content.decode()
    rows = cells(table(page, "by-area-table").split("</thead>")[1])
    for name, (spend_2017, spend_2018) in SEED_8_4.items():
        at = rows.index(name)
        income_17, spend_17, income_18, spend_18 = (
            Decimal(c.strip("£").replace(",", "")) for c in rows[at + 1 : at + 5]
        )
        assert (in_thousands(spend_17), in_thousands(spend_18)) == (spend_2017, spend_2018)
        assert (income_17, income_18) == (spend_17, spend_18)  # every pound is spent


@pytest.mark.parametrize("area", sorted(SEED_8_5))
def test_seed_8_5_ring_fences_met_for_every_bhr_area(client, area):
    login(client, "bhr.finance")
    page = client.get(f"/plans/2017-19/{area}/finance/").content.decode()
    checks = cells(table(page, "minimum-checks"))
    social, ooh = SEED_8_5[area]
    at = checks.index("Protection of social care")
    assert checks[at + 3 : at + 5] == [social, "Met"]
    at = checks.index("NHS out-of-hospital ring-fence")
    assert checks[at + 3 : at + 5] == [ooh, "Met"]
    assert 'id="source-balance"' in page and "govuk-tag--red" not in table(page, "source-balance")


def test_plan_details_show_the_pooled_budget_beside_its_minimum(client):
    """Plan details is a ground-floor page; finance adds the pooled budget to it through
    the section-context registry (DESIGN rule 1: Barnet 2015/16 £24,213,247 against a
    minimum of £23,412,000)."""
    login(client, "barnet.commissioner")
    page = client.get("/plans/2014-16/barnet/sections/plan-details/").content.decode()
    assert "Pooled budget 2015/16" in page
    assert "Minimum £23,412,000; agreed (income in the pool) £24,213,247" in page
