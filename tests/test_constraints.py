"""Database constraints hold whatever the code above them does."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from finance.models import IncomeLine
from plans.models import CommissionerType, Plan, PlanNarrative, Risk
from schemes.models import ExpenditureLine, Scheme

pytestmark = pytest.mark.django_db


def rejected(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_one_plan_per_area_and_round():
    plan = Plan.objects.get(area__slug="barnet")
    narrative = PlanNarrative.objects.create(round=plan.round, title="Second")
    rejected(lambda: Plan.objects.create(round=plan.round, area=plan.area, narrative=narrative))


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (6, 3), (3, 0), (3, 6)])
def test_risk_likelihood_and_impact_are_1_to_5(likelihood, impact):
    narrative = Plan.objects.get(area__slug="havering").narrative
    rejected(
        lambda: Risk.objects.create(
            narrative=narrative,
            reference="X",
            description="x",
            likelihood=likelihood,
            impact=impact,
        )
    )


def test_risk_score_is_likelihood_times_impact():
    risk = Risk.objects.get(reference="BHR 1")
    assert (risk.likelihood, risk.impact, risk.score, risk.rating) == (4, 4, 16, "amber")


def test_amounts_cannot_be_negative():
    line = IncomeLine.objects.filter(plan__area__slug="barnet").first()
    rejected(lambda: IncomeLine.objects.filter(pk=line.pk).update(amount=Decimal("-0.01")))


def test_joint_commissioning_shares_total_100():
    line = ExpenditureLine.objects.filter(scheme__plan__area__slug="havering").first()
    joint = CommissionerType.objects.get(round__slug="2017-19", is_joint=True)
    ExpenditureLine.objects.filter(pk=line.pk).update(commissioner=joint, nhs_share=60, la_share=40)
    rejected(lambda: ExpenditureLine.objects.filter(pk=line.pk).update(nhs_share=60, la_share=30))


def test_scheme_ids_are_unique_within_a_plan():
    scheme = Scheme.objects.filter(plan__area__slug="havering").first()
    rejected(lambda: Scheme.objects.create(plan=scheme.plan, code=scheme.code, name="Copy"))


def test_money_is_decimal_never_float():
    amounts = IncomeLine.objects.values_list("amount", flat=True)
    assert amounts and all(isinstance(a, Decimal) for a in amounts)
