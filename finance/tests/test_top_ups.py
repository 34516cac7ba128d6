"""Top-ups, Haringey-style: a plan whose schemes spend more than its allocation because
partners add money of their own. Each partner's additional contribution is income on
its own row; where the plan's tables give a scheme's spend without saying whose top-up
pays for it, the scheme spends the round's pooled source "Partners' additional
contributions, not split by partner", whose parts are those rows. The plan balances and
no split is made up. Where a table does name the partner, the round's "Additional local
authority contribution" and "Additional CCG contribution" take the spend directly.
The figures are illustrative (no Haringey seed is held); Haringey's tables are 2014-16."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from finance.models import IncomeLine, MinimumAllocation
from plans.findings import plan_findings
from plans.models import Area, FinancialYear, FundingSource, Plan, PlanNarrative, Role, Round
from plans.tests.helpers import form_data
from schemes.models import ExpenditureLine, Scheme

pytestmark = pytest.mark.django_db
INCOME = "/plans/2014-16/haringey/finance/income/"
BALANCE = ("pooled_budget_minimum", "spend_covers_allocation", "income_equals_expenditure")
# Scheme, 2015/16 spend as the plan's table prints it, and the source it spends
SCHEMES = [
    ("Integrated community teams", 9000000, "ccg-minimum"),
    ("Protecting social care", 7000000, "ccg-minimum"),
    ("Disabled Facilities Grant", 1000000, "dfg"),
    ("Reablement expansion", 1500000, "additional-pooled"),  # no partner named
    ("Rapid response", 1000000, "additional-pooled"),
    ("Carers' breaks (council-funded)", 400000, "la-additional"),  # partner named
]
ALLOCATION = {"ccg-minimum": 16000000, "dfg": 1000000}  # the nationally set minimum


@pytest.fixture
def haringey(client):
    round_ = Round.objects.get(slug="2014-16")
    area = Area.objects.get(slug="haringey")
    narrative = PlanNarrative.objects.create(round=round_, title="Haringey BCF plan 2014-16")
    plan = Plan.objects.create(round=round_, area=area, narrative=narrative)
    year = FinancialYear.objects.get(start_year=2015)
    for start, minimum in ((2014, 0), (2015, 17000000)):  # 2014/15 pooled nothing
        MinimumAllocation.objects.create(
            area=area,
            year=FinancialYear.objects.get(start_year=start),
            kind=MinimumAllocation.Kind.POOLED_BUDGET,
            amount=minimum,
        )
    sources = {s.code: s for s in FundingSource.objects.filter(round=round_)}
    for order, (name, amount, source) in enumerate(SCHEMES):
        scheme = Scheme.objects.create(plan=plan, code=f"HG{order + 1}", name=name, order=order)
        ExpenditureLine.objects.create(
            scheme=scheme, source=sources[source], year=year, amount=Decimal(amount)
        )
    for code, amount in ALLOCATION.items():
        IncomeLine.objects.create(plan=plan, source=sources[code], year=year, amount=amount)
    user = get_user_model().objects.create_user("haringey.finance")
    Role.objects.create(user=user, kind=Role.Kind.FINANCE_OFFICER).areas.add(area)
    client.force_login(user)
    return plan


def balance_findings(plan):
    return [f for f in plan_findings(plan) if f.code in BALANCE]


def test_the_round_offers_top_ups_split_by_partner_or_pooled():
    sources = {
        s.code: s
        for s in FundingSource.objects.filter(round__slug="2014-16").select_related("parent")
    }
    for code in ("la-additional", "ccg-additional", "additional-pooled"):
        assert sources[code].parent is None  # schemes may spend it
    for code in ("additional-pooled-la", "additional-pooled-ccg"):
        assert sources[code].parent.code == "additional-pooled"  # income, spent as the pool


def test_without_the_top_ups_the_plan_does_not_balance(haringey):
    messages = " ".join(f.message for f in balance_findings(haringey))
    assert (
        "Partners' additional contributions, not split by partner in 2015/16 is overspent "
        "by £2,500,000" in messages
    )
    assert "Additional local authority contribution in 2015/16 is overspent by £400,000" in messages


def test_a_haringey_like_plan_balances_once_the_top_ups_are_income(client, haringey):
    page = client.get(INCOME).content.decode()
    assert "Local authority&#x27;s additional contribution" in page
    data = form_data(client.get(INCOME))
    data["income-additional-pooled-la-2015"] = "£1,800,000"  # each partner's stated top-up
    data["income-additional-pooled-ccg-2015"] = " 700000 "  # typed either way
    data["income-la-additional-2015"] = "400,000"
    response = client.post(INCOME, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    income = dict(IncomeLine.objects.filter(plan=haringey).values_list("source__code", "amount"))
    assert income == {
        "ccg-minimum": Decimal("16000000.00"),
        "dfg": Decimal("1000000.00"),
        "additional-pooled-la": Decimal("1800000.00"),
        "additional-pooled-ccg": Decimal("700000.00"),
        "la-additional": Decimal("400000.00"),
    }
    assert balance_findings(haringey) == []
    summary = client.get("/plans/2014-16/haringey/finance/").content.decode()
    assert "of which: CCGs&#x27; additional contribution" in summary
    assert "£2,500,000" in summary  # the pooled top-up sums its parts
    assert "£19,900,000" in summary  # the pool: £17m allocation and £2.9m of top-ups


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1500000", "Enter an amount of £0 or more"),
        ("99999999999999999", "Enter an amount under £1 trillion"),
        ("lots", "Enter an amount in pounds, like 1234567.89"),
    ],
)
def test_a_bad_top_up_is_refused_and_nothing_is_written(client, haringey, typed, message):
    data = form_data(client.get(INCOME))
    data["income-additional-pooled-la-2015"] = typed
    before = list(IncomeLine.objects.filter(plan=haringey).values_list("pk", "amount"))
    response = client.post(INCOME, data)
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "Local authority&#x27;s additional contribution, 2015/16" in page
    assert message in page
    assert list(IncomeLine.objects.filter(plan=haringey).values_list("pk", "amount")) == before
