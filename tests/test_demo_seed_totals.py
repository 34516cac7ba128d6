"""The demo plans reproduce the seed tables, computed from the lines.

The BHR seed prints finance in £'000, so we compare rounded totals with its
figures; sections 8.5.1 and 8.5.2 print whole pounds and match to the pound.
"""

from decimal import Decimal

import pytest
from django.core.management import call_command

from finance import selectors
from finance.models import IncomeLine, MinimumAllocation
from metrics.models import MetricPlanValue
from plans.fields import in_thousands
from plans.models import Plan
from schemes.models import ExpenditureLine

pytestmark = pytest.mark.django_db
K = in_thousands


@pytest.fixture
def bhr():
    return Plan.objects.filter(
        round__slug="2017-19", area__slug__in=["barking-and-dagenham", "havering", "redbridge"]
    )


# Seed 8.4 "Grand Total" row, per borough
@pytest.mark.parametrize(
    ("area", "year", "printed"),
    [
        ("barking-and-dagenham", 2017, 21759),
        ("havering", 2017, 22660),
        ("redbridge", 2017, 23990),
        ("barking-and-dagenham", 2018, 24237),
        ("havering", 2018, 24165),
        ("redbridge", 2018, 26292),
    ],
)
def test_each_bhr_hwb_total_matches_seed_8_4(bhr, area, year, printed):
    assert K(selectors.expenditure_by_area(bhr)[area][year]) == printed


def test_8_4_grand_total_follows_the_lines_not_the_printed_parts(bhr):
    """8.4 2017/18: the printed boroughs sum to 21,759 + 22,660 + 23,990 = 68,409, but the
    printed grand total is 68,408. The lines are the truth: they total £68,408,499, which
    rounds to the printed 68,408 while each borough still rounds to its printed figure."""
    totals = selectors.expenditure_by_area(bhr)
    grand = sum(totals[a][2017] for a in totals)
    assert grand == Decimal("68408499")
    assert K(grand) == 68408
    assert sum(K(totals[a][2017]) for a in totals) == 68409
    assert K(sum(totals[a][2018] for a in totals)) == 74693


# Seed 8.3: theme x source columns
@pytest.mark.parametrize(
    ("year", "group", "printed"),
    [
        (2017, "CCG Minimum Contribution", 46986),
        (2017, "Improved Better Care Fund", 14432),
        (2017, "Local Authority Contribution", 6991),
        (2018, "CCG Minimum Contribution", 47878),
        (2018, "Improved Better Care Fund", 19409),
        (2018, "Local Authority Contribution", 7406),
    ],
)
def test_spending_by_source_matches_seed_8_3(bhr, year, group, printed):
    table = selectors.expenditure_by_theme_and_group(bhr, year)
    assert K(sum(row.get(group, 0) for row in table.values())) == printed


@pytest.mark.parametrize(
    ("year", "theme", "scheme", "group", "printed"),
    [
        (2017, "High Impact Change Model", "Intermediate care", "CCG Minimum Contribution", 18895),
        (
            2017,
            "Protecting Social Care & Maintaining Independence",
            "Packages of Care",
            "Improved Better Care Fund",
            2873,
        ),
        (2018, "Prevention & Managing Demand", "DFG", "Local Authority Contribution", 5181),
        (
            2018,
            "Market Development & Sustainability",
            "Provider Rate Reviews",
            "Improved Better Care Fund",
            5650,
        ),
    ],
)
def test_scheme_cells_match_seed_8_3(bhr, year, theme, scheme, group, printed):
    table = selectors.expenditure_by_theme_and_group(bhr, year)
    assert K(table[(theme, scheme)][group]) == printed


# Seed 8.5.2 and 8.5.1, to the pound
@pytest.mark.parametrize(
    ("area", "year", "social_care", "out_of_hospital"),
    [
        ("barking-and-dagenham", 2017, 4970629, 8244390),
        ("havering", 2017, 6270264, 10374057),
        ("redbridge", 2017, 6645094, 10150985),
        ("barking-and-dagenham", 2018, 5065072, 8416940),
        ("havering", 2018, 6389399, 10571163),
        ("redbridge", 2018, 6771351, 10346234),
    ],
)
def test_ring_fenced_actuals_match_seed_8_5(bhr, area, year, social_care, out_of_hospital):
    actual = selectors.ring_fenced_actuals(bhr)[(area, year)]
    assert actual["social_care"] == social_care
    assert actual["out_of_hospital"] == out_of_hospital


def test_bhr_minimums_are_the_seed_8_5_minimums():
    minimum = MinimumAllocation.objects.get(
        area__slug="barking-and-dagenham", year__start_year=2017, kind="social_care"
    )
    assert minimum.amount == Decimal("4970629.00")  # met at equality by the actual
    assert MinimumAllocation.objects.get(
        area__slug="havering", year__start_year=2017, kind="out_of_hospital"
    ).amount == Decimal("4729895")


def test_income_equals_spend_per_source_for_every_bhr_hwb_and_year(bhr):
    assert selectors.income_by_source(bhr) == selectors.spend_by_source(bhr)


@pytest.mark.parametrize(
    ("area", "year", "source", "printed"),
    [
        ("barking-and-dagenham", 2017, "dfg", 1391),
        ("havering", 2017, "ccg-minimum-rnf", 4773),
        ("redbridge", 2017, "ccg-minimum-non-rnf", 11630),
        ("barking-and-dagenham", 2018, "ibcf-grant", 4910),
        ("redbridge", 2018, "ibcf-spring-budget", 3175),
    ],
)
def test_income_lines_match_seed_8_1(area, year, source, printed):
    line = IncomeLine.objects.get(
        plan__area__slug=area,
        plan__round__slug="2017-19",
        year__start_year=year,
        source__code=source,
    )
    assert K(line.amount) == printed


def test_seed_8_1_havering_total_disagrees_with_8_4_and_the_lines_follow_8_4(bhr):
    """8.1 prints Havering's 2017/18 total as 22,661 but 8.4 prints its spending as
    22,660; income equals spending here, so one must give, and 8.4 is kept."""
    income = selectors.income_by_area(bhr)["havering"][2017]
    assert K(income) == 22660


def test_barnet_pooled_budget_is_computed_and_meets_the_minimum():
    barnet = Plan.objects.filter(round__slug="2014-16", area__slug="barnet")
    minimum = MinimumAllocation.objects.get(
        area__slug="barnet", year__start_year=2015, kind="pooled_budget"
    )
    agreed = selectors.income_by_area(barnet)["barnet"]
    assert minimum.amount == Decimal("23412000")
    assert agreed[2015] == Decimal("24213247")
    assert agreed[2014] == Decimal("6634000")
    assert agreed[2015] >= minimum.amount
    assert selectors.expenditure_by_area(barnet)["barnet"] == agreed


def test_havering_april_2017_dtoc_plan_matches_seed_11_8_2():
    flat = MetricPlanValue.objects.get(
        trajectory__plan__area__slug="havering",
        trajectory__name="Flat projection",
        period__label="Apr-17",
    )
    assert flat.numerator == Decimal("360.6")
    assert flat.denominator == Decimal("198408")
    assert round(flat.numerator / flat.denominator * 100000, 1) == Decimal("181.7")
    assert flat.value == Decimal("181.7")
    seasonal = MetricPlanValue.objects.filter(
        trajectory__plan__area__slug="havering",
        trajectory__is_plan=True,
        trajectory__metric__code="dtoc",
    )
    # The year is the sum of the unrounded monthly rates: 2,206.4 as printed, although
    # the printed (rounded) months add up to 2,206.6.
    year = sum(v.numerator / v.denominator * 100000 for v in seasonal)
    assert round(year, 1) == Decimal("2206.4")
    assert sum(v.value for v in seasonal) == Decimal("2206.6")
    q2 = sum(v.numerator for v in seasonal if v.period.label in ("Jul-17", "Aug-17", "Sep-17"))
    assert q2 == Decimal("1186.4")


def test_load_demo_is_idempotent_and_reset_rebuilds():
    counts = (Plan.objects.count(), ExpenditureLine.objects.count(), IncomeLine.objects.count())
    call_command("load_demo", verbosity=0)
    assert (
        Plan.objects.count(),
        ExpenditureLine.objects.count(),
        IncomeLine.objects.count(),
    ) == counts
    call_command("load_demo", "--reset", verbosity=0)
    assert (
        Plan.objects.count(),
        ExpenditureLine.objects.count(),
        IncomeLine.objects.count(),
    ) == counts
    assert ExpenditureLine.objects.filter(scheme__plan__round__slug="2017-19").count() == 105
