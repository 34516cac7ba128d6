"""The 2017-19 BHR plans through assurance, as DESIGN.md section 7 promises:
Havering submitted, assessed by both assurers (who disagree on the metrics),
moderated, confirmed nationally as approved with conditions, resubmitted as version
2 and approved; Redbridge submitted and awaiting assurance; Barking and Dagenham in
draft.

The seed plan gives Havering's monthly delayed transfers plan for 2017/18 only, so
version 1 goes in without 2018/19 (as the real plan did, on paper) and its condition
asks for it; version 2 holds March 2018's planned level through 2018/19 and passes
the rule. Every assurance step goes through assurance.process, as a user's would."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from assurance import actions, process
from assurance.snapshot import take_snapshot
from metrics.models import MetricPlanValue, MetricTrajectory
from plans.models import (
    KloeAssessment,
    OutcomeCondition,
    OutcomeLetter,
    Plan,
    PlanEvent,
    PlanVersion,
    Recommendation,
    Role,
    SectionProgress,
)
from plans.sections.selectors import progress_key
from plans.stamps import touch

S = Plan.Status
RESUBMISSION = datetime.date(2017, 10, 31)
NHS, LA = Role.Kind.REVIEWER, Role.Kind.LA_ASSURER
# Ratings given where not "met": (NHS assurer, local government assurer, moderated).
DISAGREEMENTS = {
    "MET1": ("partially_met", "not_met", "partially_met"),
}
COMMENTS = {
    "MET1": "The 2017/18 monthly plan is clear; 2018/19 months are missing.",
}


def _user(username):
    return get_user_model().objects.get(username=username)


def _complete_sections(plan):
    for section in plan.round.sections.all():
        SectionProgress.objects.update_or_create(
            **progress_key(plan, section), defaults={"completed": True}
        )


def _paper_submission(plan, user):
    """A submission the seed made on paper, with the gaps the seed has: the version
    and its event rows as the submit action writes them, without the rule gate."""
    _complete_sections(plan)
    snapshot = take_snapshot(plan)
    snapshot["plan"]["status"] = S.SUBMITTED
    number = plan.versions.count() + 1
    version = PlanVersion.objects.create(
        plan=plan, number=number, submitted_by=user, snapshot=snapshot
    )
    for kind, before, after in (
        (PlanEvent.Kind.SIGN_OFF_REQUESTED, S.DRAFT, S.AWAITING_SIGN_OFF),
        (PlanEvent.Kind.SUBMITTED, S.AWAITING_SIGN_OFF, S.SUBMITTED),
    ):
        PlanEvent.objects.create(
            plan=plan, kind=kind, actor=user, from_status=before, to_status=after, version=version
        )
    Plan.objects.filter(pk=plan.pk).update(
        status=S.SUBMITTED, date_submitted=datetime.date(2017, 9, 11)
    )
    plan.status = S.SUBMITTED
    return version


def _hold_march_level(plan):
    """Fill 2018/19 DToC months at March 2018's planned rate."""
    trajectory = MetricTrajectory.objects.get(plan=plan, metric__code="dtoc", is_plan=True)
    have = {v.period_id: v for v in trajectory.values.select_related("period")}
    last = max(have.values(), key=lambda v: v.period.starts)
    MetricPlanValue.objects.bulk_create(
        MetricPlanValue(trajectory=trajectory, period=period, value=last.value)
        for period in trajectory.metric.periods.exclude(pk__in=have)
    )
    touch([plan.pk])  # values made in bulk, without history rows


def _assess(plan, ratings_for):
    nhs, la = _user("london.assurer.nhs"), _user("london.assurer.la")
    for user, hand in ((nhs, NHS), (la, LA)):
        answers = {
            kloe: (ratings_for(kloe.code, hand), COMMENTS.get(kloe.code, ""))
            for kloe in plan.round.kloes.all()
        }
        process.answer_kloes(user=user, plan=plan, answers=answers, role=hand)
        process.complete_assessment(user=user, plan=plan, role=hand)


def _first_round(plan):
    commissioner, moderator = _user("bhr.commissioner"), _user("london.moderator")
    _paper_submission(plan, commissioner)
    process_user = _user("london.assurer.nhs")
    actions.start_assurance(user=process_user, plan=plan)
    _assess(
        plan,
        lambda code, hand: (
            DISAGREEMENTS[code][0 if hand == NHS else 1] if code in DISAGREEMENTS else "met"
        ),
    )
    process.answer_kloes(
        user=moderator,
        plan=plan,
        answers={
            kloe: (DISAGREEMENTS[kloe.code][2], "Reconciled: partly met for 2017/18.")
            for kloe in plan.round.kloes.filter(code__in=DISAGREEMENTS)
        },
    )
    condition = process.ConditionSpec(
        text="Submit a monthly delayed transfers of care plan for 2018/19, agreed with the "
        "acute trust.",
        due=RESUBMISSION,
    )
    process.propose_outcome(
        user=moderator, plan=plan, category="approved-with-conditions", conditions=[condition]
    )
    process.confirm_outcome(
        user=_user("national.approver"),
        plan=plan,
        category="approved-with-conditions",
        conditions=[condition],
    )


def _second_round(plan):
    commissioner = _user("bhr.commissioner")
    actions.reopen(user=commissioner, plan=plan)
    _hold_march_level(plan)
    _complete_sections(plan)
    actions.send_for_sign_off(user=commissioner, plan=plan)
    actions.submit(user=commissioner, plan=plan, certified=True)
    actions.start_assurance(user=_user("london.assurer.nhs"), plan=plan)
    _assess(plan, lambda code, hand: "met")
    process.propose_outcome(user=_user("london.moderator"), plan=plan, category="approved")
    process.confirm_outcome(user=_user("national.approver"), plan=plan, category="approved")


@transaction.atomic
def run_assurance():
    plans = {
        p.area.slug: p
        for p in Plan.objects.filter(round__slug="2017-19").select_related("area", "round")
    }
    havering = plans["havering"]
    _first_round(havering)
    _second_round(havering)
    _paper_submission(plans["redbridge"], _user("bhr.commissioner"))
    return [havering, plans["redbridge"]]


def forget_assurance(plans):
    """Delete the demo plans' assurance rows (for --reset): append-only rows are never
    deleted by the product, only when the demo is rebuilt. Children first."""
    versions = PlanVersion.objects.filter(plan__in=plans)
    OutcomeLetter.objects.filter(version__in=versions).delete()
    OutcomeCondition.objects.filter(recommendation__version__in=versions).delete()
    Recommendation.objects.filter(version__in=versions).delete()
    KloeAssessment.objects.filter(version__in=versions).delete()
    PlanEvent.objects.filter(plan__in=plans).delete()
    versions.delete()
