"""Drive a submitted plan through the round's assurance with the demo's regional
pair, moderator and national approver, as the process tests need it."""

import datetime

from django.contrib.auth import get_user_model

from assurance import actions, process
from plans.models import Role

NHS, LA = Role.Kind.REVIEWER, Role.Kind.LA_ASSURER
DUE = datetime.date(2017, 10, 31)


def user(name):
    return get_user_model().objects.get(username=name)


def assess(plan, rating="met", *, la_rating=None, nhs="london.assurer.nhs"):
    """Both assurers answer every KLOE and complete; `la_rating` makes them disagree."""
    for username, hand, given in (
        (nhs, NHS, rating),
        ("london.assurer.la", LA, la_rating or rating),
    ):
        process.answer_kloes(
            user=user(username),
            plan=plan,
            answers={kloe: (given, "") for kloe in plan.round.kloes.all()},
            role=hand,
        )
        process.complete_assessment(user=user(username), plan=plan, role=hand)


def decide(plan, category, conditions=("Report delayed transfers monthly.",), **assess_kwargs):
    """Start, assess, moderate and confirm `category` (a code of the round)."""
    if plan.status == plan.Status.SUBMITTED:
        actions.start_assurance(user=user("london.assurer.nhs"), plan=plan)
    assess(plan, **assess_kwargs)
    specs = [process.ConditionSpec(text=t, due=DUE) for t in conditions]
    process.propose_outcome(
        user=user("london.moderator"), plan=plan, category=category, conditions=specs
    )
    return process.confirm_outcome(
        user=user("national.approver"), plan=plan, category=category, conditions=specs
    )
