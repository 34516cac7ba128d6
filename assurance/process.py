"""Assurance as the regions run it, one action per step: assign the regional pair,
answer the KLOEs in one's own hand, complete an assessment, moderate (reconcile and
propose), confirm or move the proposal nationally, escalate. Which steps a round has,
who acts in each and which outcomes it can reach are the round's data
(AssuranceStage, OutcomeCategory); this module only knows the three kinds of step.

Every action checks who may act and the plan's stage, writes in one transaction with
its PlanEvent row, and mails after commit (see assurance.actions)."""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from plans import permissions
from plans.models import (
    AssuranceStage,
    AssurerAssignment,
    KeyLineOfEnquiry,
    KloeAssessment,
    OutcomeCategory,
    OutcomeCondition,
    Plan,
    PlanEvent,
    PlanVersion,
    Recommendation,
    Role,
)

from . import selectors
from .actions import (
    TransitionRefused,
    _area_emails,
    _move,
    _notify,
    latest_version,
    stage_emails,
)

# Sent after the transaction that decided a plan's outcome commits.
outcome_decided = Signal()

S = Plan.Status
Kind = PlanEvent.Kind
StageKind = AssuranceStage.Kind
ROLE_LABELS = dict(Role.Kind.choices)
# A plan can be escalated once its assurance has ended without approval.
ESCALATABLE = (S.NOT_APPROVED, S.APPROVED_WITH_CONDITIONS, S.CHANGES_REQUESTED, S.DRAFT)


@dataclass(frozen=True)
class ConditionSpec:
    text: str
    due: datetime.date


def _locked(plan: Plan) -> Plan:
    """The plan's row locked for this transaction, with its current stage, so two
    hands acting at once are serialised and the second sees what the first did."""
    current = Plan.objects.select_for_update().get(pk=plan.pk)
    plan.status, plan.assurance_stage_id = current.status, current.assurance_stage_id
    plan.lock_version = current.lock_version
    return plan


def _stage(plan: Plan, *kinds: str) -> AssuranceStage:
    if plan.status != S.IN_ASSURANCE or plan.assurance_stage_id is None:
        raise TransitionRefused("The plan is not in assurance.")
    stage = AssuranceStage.objects.get(pk=plan.assurance_stage_id)
    if stage.kind not in kinds:
        raise TransitionRefused(f"The plan is at {stage.name.lower()}, so that cannot be done now.")
    return stage


def _acting_role(user: User, plan: Plan, stage: AssuranceStage, role: str | None) -> str:
    """The one role of the stage the user acts in: `role` if given and theirs, or
    their only one. A person holding both assessing roles must say which."""
    roles = selectors.acting_roles(user, plan, stage)
    if role:
        if role not in roles:
            raise PermissionDenied
        return role
    if not roles:
        raise PermissionDenied
    if len(roles) > 1:
        raise TransitionRefused("You hold more than one role in this stage; choose which.")
    return roles[0]


def _event(plan: Plan, user: User | None, kind: str, **fields: object) -> PlanEvent:
    """A step that does not change the plan's status (its status stays recorded)."""
    return PlanEvent.objects.create(
        plan=plan, kind=kind, actor=user, from_status=plan.status, to_status=plan.status, **fields
    )


def _advance(plan: Plan, user: User, stage: AssuranceStage, version: PlanVersion) -> None:
    following = selectors.next_stage(stage)
    if following is None:
        raise TransitionRefused("The round's assurance has no stage after this one.")
    Plan.objects.filter(pk=plan.pk).update(
        assurance_stage=following, lock_version=F("lock_version") + 1, updated_at=timezone.now()
    )
    plan.assurance_stage = following
    _event(plan, user, Kind.STAGE_REACHED, stage=following, version=version, note=following.name)
    _notify(
        f"BCF plan ready for {following.name.lower()}: {plan.area.name}",
        f"The {plan.round.name} plan for {plan.area.name} (version {version.number}) has "
        f"reached {following.name.lower()}.",
        stage_emails(plan, following),
    )


@transaction.atomic
def assign_assurer(*, user: User, plan: Plan, role: str, assurer: User) -> AssurerAssignment:
    """Name who assures the plan in an assessing role. The region's moderator or a
    national administrator assigns; the assurer must hold the role for the region."""
    if not (
        permissions.is_national_admin(user)
        or Role.Kind.MODERATOR in permissions.assurance_kinds_for(user, plan)
    ):
        raise PermissionDenied
    if role not in selectors.assessing_roles(plan):
        raise TransitionRefused("That is not one of this round's assessing roles.")
    if role not in permissions.assurance_kinds_for(assurer, plan):
        raise TransitionRefused(
            f"{assurer.get_full_name() or assurer.get_username()} is not a "
            f"{ROLE_LABELS[role].lower()} for {plan.area.region.name}."
        )
    if plan.status not in (S.SUBMITTED, S.IN_ASSURANCE):
        raise TransitionRefused(
            "Assurers are assigned while the plan waits for or is in assurance."
        )
    assignment, _ = AssurerAssignment.objects.update_or_create(
        plan=plan, role=role, defaults={"assurer": assurer, "assigned_by": user}
    )
    name = assurer.get_full_name() or assurer.get_username()
    _event(plan, user, Kind.ASSIGNED, role=role, note=f"{name}, {ROLE_LABELS[role]}")
    _notify(
        f"You are assuring the BCF plan for {plan.area.name}",
        f"You have been assigned as {ROLE_LABELS[role].lower()} for the {plan.round.name} "
        f"plan for {plan.area.name}.",
        [assurer.email],
    )
    return assignment


type KloeAnswer = tuple[str, str]  # (rating, comment)


@transaction.atomic
def answer_kloes(
    *,
    user: User,
    plan: Plan,
    answers: Mapping[KeyLineOfEnquiry, KloeAnswer],
    role: str | None = None,
) -> list[KloeAssessment]:
    """Record answers on the latest version in the user's own hand, all or none: an
    assurer's during assessment, the moderator's reconciled ones during moderation.
    A change is a new row; earlier answers stay as the history."""
    if not permissions.can_review(user, plan):
        raise PermissionDenied
    _locked(plan)
    stage = _stage(plan, StageKind.ASSESS, StageKind.MODERATE)
    hand = _acting_role(user, plan, stage, role)
    version = latest_version(plan)
    if stage.kind == StageKind.ASSESS and hand in selectors.assessed_roles(plan, version, stage):
        raise TransitionRefused(
            "Your assessment of this version is complete; the moderator reconciles any change."
        )
    rows = []
    for kloe, (rating, comment) in answers.items():
        if rating not in KloeAssessment.Rating.values:
            raise TransitionRefused(f"{kloe.code}: choose met, partially met or not met.")
        if kloe.round_id != plan.round_id:
            raise TransitionRefused("That question is not one of this round's.")
        rows.append(
            KloeAssessment(
                version=version,
                kloe=kloe,
                reviewer=user,
                role=hand,
                stage=stage,
                rating=rating,
                comment=comment.strip()[:5000],
            )
        )
    if stage.kind == StageKind.ASSESS and hand not in selectors.assignments(plan):
        # The first answer picks the plan up: the pair is whoever answers first.
        AssurerAssignment.objects.create(plan=plan, role=hand, assurer=user, assigned_by=user)
    return KloeAssessment.objects.bulk_create(rows)


def answer_kloe(
    *, user: User, plan: Plan, kloe: KeyLineOfEnquiry, rating: str, comment: str
) -> KloeAssessment:
    """One answer: the same as answering only that question of the KLOE form."""
    [row] = answer_kloes(user=user, plan=plan, answers={kloe: (rating, comment)})
    return row


@transaction.atomic
def complete_assessment(*, user: User, plan: Plan, role: str | None = None) -> PlanEvent:
    """Declare one assessing hand's answers final. When every role of the stage has
    completed, the plan moves to the round's next stage."""
    _locked(plan)
    stage = _stage(plan, StageKind.ASSESS)
    hand = _acting_role(user, plan, stage, role)
    version = latest_version(plan)
    done = selectors.assessed_roles(plan, version, stage)
    if hand in done:
        raise TransitionRefused("Your assessment of this version is already complete.")
    missing = selectors.unanswered_by(plan, version, hand)
    if missing:
        raise TransitionRefused(
            f"Answer every key line of enquiry before completing your assessment: "
            f"{', '.join(k.code for k in missing)} "
            f"{'has' if len(missing) == 1 else 'have'} no answer from you."
        )
    event = _event(
        plan, user, Kind.ASSESSED, stage=stage, version=version, role=hand, note=ROLE_LABELS[hand]
    )
    if set(stage.roles) <= done | {hand}:
        _advance(plan, user, stage, version)
    return event


def _category(plan: Plan, code: str) -> OutcomeCategory:
    category = plan.round.outcome_categories.filter(code=code).first()
    if category is None:
        raise TransitionRefused("Choose one of the round's outcome categories.")
    return category


def _check_asks(
    category: OutcomeCategory, conditions: Sequence[ConditionSpec], support: str
) -> None:
    if category.asks == OutcomeCategory.Asks.CONDITIONS and not conditions:
        raise TransitionRefused(f"{category.label}: state at least one condition and its deadline.")
    if category.asks == OutcomeCategory.Asks.SUPPORT and not support.strip():
        raise TransitionRefused(f"{category.label}: name the support offered.")


def _recommend(
    *,
    user: User,
    plan: Plan,
    stage: AssuranceStage,
    version: PlanVersion,
    category: OutcomeCategory,
    conditions: Sequence[ConditionSpec],
    support: str,
    reason: str,
    final: bool,
) -> Recommendation:
    _check_asks(category, conditions, support)
    asks_conditions = category.asks == OutcomeCategory.Asks.CONDITIONS
    recommendation = Recommendation.objects.create(
        version=version,
        reviewer=user,
        outcome=category.effect,
        category=category,
        stage=stage,
        is_final=final,
        conditions="\n".join(c.text for c in conditions) if asks_conditions else "",
        support=support.strip()[:5000] if category.asks == OutcomeCategory.Asks.SUPPORT else "",
        reason=reason.strip()[:5000],
    )
    if asks_conditions:
        OutcomeCondition.objects.bulk_create(
            OutcomeCondition(recommendation=recommendation, order=i, text=c.text, due=c.due)
            for i, c in enumerate(conditions)
        )
    return recommendation


@transaction.atomic
def propose_outcome(
    *,
    user: User,
    plan: Plan,
    category: str,
    conditions: Sequence[ConditionSpec] = (),
    support: str = "",
) -> Recommendation:
    """The moderator's reconciled proposal. Every disagreement between the assurers
    must first have the moderator's own answer; then the plan moves on (or, in a round
    without a confirmation stage, the proposal is the decision)."""
    _locked(plan)
    stage = _stage(plan, StageKind.MODERATE)
    _acting_role(user, plan, stage, None)
    version = latest_version(plan)
    open_rows = [r for r in selectors.moderation_rows(plan, version) if not r.resolved]
    if open_rows:
        raise TransitionRefused(
            "Reconcile every disagreement before proposing an outcome: "
            f"{', '.join(r.kloe.code for r in open_rows)}."
        )
    chosen = _category(plan, category)
    last = selectors.next_stage(stage) is None
    recommendation = _recommend(
        user=user,
        plan=plan,
        stage=stage,
        version=version,
        category=chosen,
        conditions=conditions,
        support=support,
        reason="",
        final=last,
    )
    if last:
        _decide(user, plan, stage, version, recommendation)
    else:
        _event(plan, user, Kind.PROPOSED, stage=stage, version=version, note=chosen.label)
        _advance(plan, user, stage, version)
    return recommendation


@transaction.atomic
def confirm_outcome(
    *,
    user: User,
    plan: Plan,
    category: str,
    conditions: Sequence[ConditionSpec] = (),
    support: str = "",
    reason: str = "",
) -> Recommendation:
    """The national decision: confirm the proposed category or move it, with a
    reason when it moves. The plan's status becomes the category's effect."""
    _locked(plan)
    stage = _stage(plan, StageKind.CONFIRM)
    _acting_role(user, plan, stage, None)
    version = latest_version(plan)
    chosen = _category(plan, category)
    proposed = selectors.proposal(version)
    if proposed is not None and proposed.category_id != chosen.pk and not reason.strip():
        raise TransitionRefused(
            f"Say why the proposed category ({proposed.label}) is moved to {chosen.label}."
        )
    recommendation = _recommend(
        user=user,
        plan=plan,
        stage=stage,
        version=version,
        category=chosen,
        conditions=conditions,
        support=support,
        reason=reason,
        final=True,
    )
    _decide(user, plan, stage, version, recommendation)
    return recommendation


def _decide(
    user: User,
    plan: Plan,
    stage: AssuranceStage,
    version: PlanVersion,
    recommendation: Recommendation,
) -> None:
    note = recommendation.label
    if recommendation.conditions:
        note += "\n" + recommendation.conditions
    _move(
        plan,
        user,
        "record_outcome",
        to=recommendation.outcome,
        version=version,
        stage=None,
        note=note,
        outcome_label=recommendation.label,
    )
    lines = [f"Outcome: {recommendation.label}."]
    for condition in recommendation.condition_items.all():
        lines.append(f"- {condition.text} (by {condition.due:%-d %B %Y})")
    if recommendation.support:
        lines.append(f"Support offered: {recommendation.support}")
    _notify(
        f"Assurance outcome for the BCF plan for {plan.area.name}",
        "\n".join(lines) + "\n\nThe outcome letter is on the plan's page.",
        _area_emails(plan),
    )
    # The letter is drawn above this floor (reports), which listens for this signal.
    transaction.on_commit(
        lambda: outcome_decided.send(sender=Recommendation, recommendation=recommendation)
    )


@transaction.atomic
def escalate(*, user: User | None, plan: Plan, reason: str) -> PlanEvent:
    """Escalate the plan nationally with a reason (the round's requirements speak of
    direction powers). A national approver or administrator acts; the calendar task
    acts with no user when a deadline passes."""
    if user is not None and not (
        permissions.is_national_admin(user)
        or permissions.has_kind(user, Role.Kind.NATIONAL_APPROVER)
    ):
        raise PermissionDenied
    if not reason.strip():
        raise TransitionRefused("Give the reason for escalating the plan.")
    _locked(plan)
    if plan.status not in ESCALATABLE:
        raise TransitionRefused(
            f"The plan is {plan.get_status_display().lower()}, so there is nothing to escalate."
        )
    event = _event(plan, user, Kind.ESCALATED, note=reason.strip()[:5000])
    _notify(
        f"BCF plan escalated: {plan.area.name}",
        f"The {plan.round.name} plan for {plan.area.name} has been escalated nationally.\n\n"
        f"{reason.strip()}",
        [*_area_emails(plan), *selectors.national_emails()],
    )
    return event
